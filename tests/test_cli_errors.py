"""The CLI's exit codes and exact one-line errors for the failures a scheduler meets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exporter", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture
def small(sandbox_factory):
    return sandbox_factory(seed=None, synthetic_pages=3)


def test_one_failed_page_exits_3_listing_it_and_keeps_the_rest(tmp_path, small):
    small.write_config(tmp_path / "config.yaml")
    first = run("--config", "config.yaml", "export", "--out", "out", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    page = sorted((tmp_path / "out" / "docs").rglob("design-*.md"))[0]
    page_id = next(
        line.split(":", 1)[1].strip().strip('"')
        for line in page.read_text().splitlines()
        if line.startswith("confluence_id:")
    )
    page.unlink()
    page.mkdir()  # a folder where the page's file belongs: that page cannot be written
    result = run("--config", "config.yaml", "export", "--out", "out", "--full", cwd=tmp_path)
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    failed = [line for line in lines if line.startswith("FAILED ")]
    assert len(failed) == 1 and failed[0].startswith(f"FAILED {page_id} ")
    assert lines[-1] == (
        "Error: 1 page(s) and 0 attachment(s) failed (listed above); everything else was "
        "written. Run the export again to retry."
    )
    assert "Traceback" not in result.stderr
    others = [p for p in (tmp_path / "out" / "docs").rglob("*.md") if p != page]
    assert len(others) >= 3


def test_rejected_api_token_exits_4_naming_the_fix(tmp_path, small):
    config = small.write_config(tmp_path / "config.yaml")
    config.write_text(config.read_text().replace(small.ready["api_token"], "wrong-token"))
    result = run("--config", "config.yaml", "export", "--out", "out", cwd=tmp_path)
    assert result.returncode == 4
    assert result.stderr == (
        f"Error: Atlassian refused the API token for {small.ready['email']} on "
        f"{small.base_url} and through the gateway. Check auth.email, create a new token at "
        "https://id.atlassian.com/manage-profile/security/api-tokens and update auth.api_token.\n"
    )


def test_group_readable_token_file_exits_2_with_the_chmod_to_run(tmp_path, small):
    token_file = tmp_path / "state" / "tokens.json"
    token_file.parent.mkdir(mode=0o700)
    token_file.write_text("{}")
    token_file.chmod(0o644)
    ready, base = small.ready, small.base_url
    (tmp_path / "config.yaml").write_text(
        f"site: {ready['site_url']}\nauth:\n  method: oauth\n  client_id: {ready['client_id']}\n"
        f"  client_secret: {ready['client_secret']}\n  token_file: {token_file}\n"
        f"api:\n  endpoints: {{auth: {base}, api: {base}, site: {base}}}\nspaces: all\n"
    )
    result = run("--config", "config.yaml", "export", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"Error: The token file {token_file} is readable by other users (mode 644). Run "
        f"`chmod 600 {token_file}`; if others could read it, also revoke the app and run "
        "`confluence-export login`.\n"
    )
    assert not (tmp_path / "out").exists()


def test_check_exits_2_for_a_missing_setting_as_export_does(tmp_path):
    (tmp_path / "config.yaml").write_text("site: https://example.atlassian.net\nspaces: [ENG]\n")
    export = run("--config", "config.yaml", "export", "--out", "out", cwd=tmp_path)
    check = run("--config", "config.yaml", "check", cwd=tmp_path)
    assert export.returncode == 2, export.stderr
    assert check.returncode == 2, check.stdout + check.stderr
    assert "FAIL  settings" in check.stdout
    assert check.stderr == "Error: 1 check(s) failed: settings.\n"


def test_check_exits_4_for_a_rejected_api_token_as_export_does(tmp_path, small):
    config = small.write_config(tmp_path / "config.yaml")
    config.write_text(config.read_text().replace(small.ready["api_token"], "wrong-token"))
    check = run("--config", "config.yaml", "check", cwd=tmp_path)
    assert check.returncode == 4, check.stdout + check.stderr
    assert "FAIL  login" in check.stdout
    assert check.stderr == "Error: 1 check(s) failed: login.\n"


def test_help_lists_every_exit_code_of_the_one_table():
    from exporter.errors import EXIT_CODES

    result = subprocess.run(
        [sys.executable, "-m", "exporter", "check", "--help"], capture_output=True, text=True
    )
    for code, meaning in EXIT_CODES.items():
        assert f"  {int(code):<3} {meaning}" in result.stdout
    assert {0, 1, 2, 3, 4, 75, 130, 143} == {int(c) for c in EXIT_CODES}


def test_output_dir_in_config_pointing_at_a_file_is_a_one_line_config_error(tmp_path, small):
    config = small.write_config(tmp_path / "config.yaml")
    config.write_text(config.read_text().replace("dir: export", "dir: notes.txt"))
    (tmp_path / "notes.txt").write_text("my notes\n")
    result = run("--config", "config.yaml", "export", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"Error: The output folder {tmp_path / 'notes.txt'} is a file. Set output.dir (or "
        "--out) to a folder.\n"
    )
    assert (tmp_path / "notes.txt").read_text() == "my notes\n"
    check = run("--config", "config.yaml", "check", cwd=tmp_path)
    assert check.returncode == 2, check.stdout + check.stderr
    assert "FAIL  output" in check.stdout


@pytest.fixture
def read_only_dir(tmp_path):
    """A read-only tmpfs (even root cannot write there); skipped where mounting is refused."""
    point = tmp_path / "ro"
    point.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mount.stderr.strip()}")
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)


@pytest.mark.parametrize("where", [".", "out"], ids=["the-folder-itself", "a-folder-inside"])
def test_read_only_output_folder_is_one_line_naming_it(tmp_path, small, read_only_dir, where):
    small.write_config(tmp_path / "config.yaml")
    out = read_only_dir / where
    result = run("--config", "config.yaml", "export", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        f"Error: Cannot write to the output folder {out.resolve()} (read-only file system). "
        "Make it writable, or set output.dir (or --out) to another folder.\n"
    )
    check = run("--config", "config.yaml", "check", cwd=tmp_path)
    assert "FAIL  output" not in check.stdout  # check looks at output.dir, not this --out
    config = tmp_path / "config.yaml"
    config.write_text(config.read_text().replace("dir: export", f"dir: {out}"))
    check = run("--config", "config.yaml", "check", cwd=tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "FAIL  output" in check.stdout and "read-only file system" in check.stdout


def test_sandbox_port_in_use_is_a_one_line_usage_error(small):
    port = small.base_url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "sandbox", "--seed", "none", "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"Error: Cannot listen on 127.0.0.1:{port} (Address already in use). Stop what uses "
        "it, or pass --port 0 to pick a free port.\n"
    )
