"""`export --dry-run` reports what would change and writes nothing."""

import subprocess
import sys

import httpx


def export(tmp_path, *args):
    return subprocess.run(
        [sys.executable, "-m", "exporter", "--config", "config.yaml", "export", "--out", "out",
         "--format", "docs", *args],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip


def test_dry_run_lists_the_edited_page_and_writes_nothing(tmp_path, sandbox_factory):
    sandbox = sandbox_factory(seed=None, synthetic_pages=4)
    sandbox.write_config(tmp_path / "config.yaml")
    assert export(tmp_path).returncode == 0
    docs = tmp_path / "out" / "docs"
    before = {p: p.read_bytes() for p in docs.rglob("*") if p.is_file()}
    target = next(
        p for p in before if p.suffix == ".md" and "confluence_id:" in p.read_text()
        and p.name != "index.md"
    )  # fmt: skip
    page_id = next(
        line.split(":", 1)[1].strip().strip('"')
        for line in target.read_text().splitlines()
        if line.startswith("confluence_id:")
    )
    httpx.put(
        f"{sandbox.base_url}/__sandbox/pages/{page_id}", json={"body": "<p>Edited.</p>"}
    ).raise_for_status()
    result = export(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    rel = target.relative_to(tmp_path / "out").as_posix()
    assert f"change   {rel}" in result.stdout.splitlines()
    assert "(was" not in result.stdout
    after = {p: p.read_bytes() for p in docs.rglob("*") if p.is_file()}
    assert after == before


def test_dry_run_full_after_a_clean_export_lists_no_changes(tmp_path, sandbox_factory):
    sandbox = sandbox_factory(seed=None, synthetic_pages=4)
    sandbox.write_config(tmp_path / "config.yaml")
    assert export(tmp_path).returncode == 0
    result = export(tmp_path, "--dry-run", "--full")
    assert result.returncode == 0, result.stderr
    planned = [line for line in result.stdout.splitlines() if line.startswith(("add", "change"))]
    assert planned == []
    assert "0 exported" in result.stdout


def test_dry_run_with_another_flavor_lists_every_page_as_a_change(tmp_path, sandbox_factory):
    sandbox = sandbox_factory(seed=None, synthetic_pages=4)
    sandbox.write_config(tmp_path / "config.yaml")
    assert export(tmp_path).returncode == 0
    pages = [
        p for p in (tmp_path / "out" / "docs").rglob("*.md") if "confluence_id:" in p.read_text()
    ]
    result = export(tmp_path, "--dry-run", "--flavor", "obsidian")
    assert result.returncode == 0, result.stderr
    changes = [line for line in result.stdout.splitlines() if line.startswith("change")]
    assert len(changes) == len(pages) > 0
