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
