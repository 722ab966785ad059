"""`export` never deletes what the user did not ask to delete: the CLI's side of the safety rail.

An empty or missing ``spaces`` is exit 2 in one line with nothing touched; a run that would
delete too much refuses (exit 2) until confirmed; a gone space fails alone (exit 3, named in the
summary) and keeps its pages. Real subprocesses against the sandbox over loopback HTTP.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from exporter.action.steps import export_command
from exporter.sandbox import SandboxHandle

TINY = Path(__file__).parent / "sandbox" / "seeds" / "tiny"  # DOC (6 pages), OPS (1 page)
HINT = "list the space keys to export (spaces: [ENG, OPS]) or write spaces: all"


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exporter", "--config", "config.yaml", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def export(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run(cwd, "export", "--out", "out", "--format", "docs", *args, env=env)


def set_spaces(cwd: Path, line: str) -> None:
    path = cwd / "config.yaml"
    text = re.sub(r"^spaces:.*\n", "", path.read_text(), flags=re.M)
    path.write_text(text + (line + "\n" if line else ""))


def tree(cwd: Path) -> dict[str, bytes]:
    out = cwd / "out"
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith("cache.sqlite") and p.name != "export.lock"
    }


@pytest.fixture
def tiny(sandbox_factory, tmp_path: Path) -> SandboxHandle:
    """The tiny seed, exported once with ``spaces: [DOC, OPS]`` into tmp_path/out."""
    sandbox = sandbox_factory(seed=TINY)
    sandbox.write_config(tmp_path / "config.yaml")
    set_spaces(tmp_path, "spaces: [DOC, OPS]")
    first = export(tmp_path)
    assert first.returncode == 0, first.stderr
    return sandbox


def admin(sandbox: SandboxHandle, method: str, path: str, **kw: object) -> None:
    httpx.request(method, f"{sandbox.base_url}/__sandbox{path}", **kw).raise_for_status()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "env", "why"),
    [
        ('spaces: ""', {}, ""),
        ("spaces: []", {}, ""),
        ("spaces: ${SPACES-}", {"SPACES": ""}, " (its environment variable is empty or unset)"),
        ("spaces: ${SPACES:-}", {"SPACES": ""}, " (its environment variable is empty or unset)"),
    ],
    ids=["empty-string", "empty-list", "dash-default-set-empty", "colon-dash-default"],
)
def test_an_empty_selection_exits_2_in_one_line_and_deletes_nothing(
    tiny: SandboxHandle, tmp_path: Path, line: str, env: dict[str, str], why: str
) -> None:
    before = tree(tmp_path)
    set_spaces(tmp_path, line)
    result = export(tmp_path, env=env)
    assert result.returncode == 2
    assert (
        result.stderr
        == f"Error: config.yaml: spaces is empty{why}; {HINT}. Fix it and run again.\n"
    )
    assert tree(tmp_path) == before


def test_a_missing_selection_exits_2_naming_spaces_and_the_flag(
    tiny: SandboxHandle, tmp_path: Path
) -> None:
    before = tree(tmp_path)
    set_spaces(tmp_path, "")
    result = export(tmp_path)
    assert result.returncode == 2
    where = (tmp_path / "config.yaml").resolve()
    assert result.stderr == f"Error: {where}: spaces is not set; {HINT}, or pass --space KEY.\n"
    assert tree(tmp_path) == before
    assert export(tmp_path, "--space", "OPS").returncode == 0  # --space is a selection too


def test_a_gone_space_exits_3_naming_it_in_the_summary_and_keeps_its_pages(
    tiny: SandboxHandle, tmp_path: Path
) -> None:
    ops_before = {k: v for k, v in tree(tmp_path).items() if k.startswith("docs/ops/")}
    admin(tiny, "POST", "/spaces/OPS", json={"readable": False})
    result = export(tmp_path, "--summary-json", "summary.json")
    assert result.returncode == 3, result.stderr
    reason = (
        "space OPS was deleted or is not readable by this account (check with "
        "`confluence-export spaces`); its 1 exported page(s) are kept until it is back "
        "or removed from the selection"
    )
    lines = result.stderr.splitlines()
    assert f"FAILED space OPS: {reason}" in lines
    assert lines[-1] == (
        "Error: space(s) OPS could not be read (kept as exported); 0 page(s) and 0 "
        "attachment(s) failed (listed above); everything else was written. Run the export "
        "again to retry."
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["failures"] == [
        {"kind": "space", "page_id": "", "title": "OPS", "reason": reason}
    ]
    assert summary["spaces"] == {"failed": 1} and summary["pages"]["deleted"] == 0
    assert {k: v for k, v in tree(tmp_path).items() if k.startswith("docs/ops/")} == ops_before
    check = run(tmp_path, "check")
    assert check.returncode != 0
    assert re.search(
        r"^FAIL\s+space OPS\s+space OPS was deleted or is not readable", check.stdout, re.M
    )
    assert re.search(r"^OK\s+space DOC\s+Documentation$", check.stdout, re.M)


def test_a_key_differing_only_in_case_exits_2_with_did_you_mean(
    tiny: SandboxHandle, tmp_path: Path
) -> None:
    before = tree(tmp_path)
    result = export(tmp_path, "--space", "ops")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: spaces: no space 'ops'; did you mean OPS? Space keys are case-sensitive: fix the "
        "key in spaces (or --space) and run again; nothing was exported or deleted.\n"
    )
    assert tree(tmp_path) == before


REFUSAL = (
    "Error: Refusing to delete 6 of 7 exported pages (86%, more than output.max_delete_share: "
    "0.5); nothing was changed. If that is intended, run again with --allow-deletions (or set "
    "output.allow_deletions: true); `export --dry-run` lists them.\n"
)


def test_dropping_most_pages_is_refused_shown_by_dry_run_and_done_when_confirmed(
    tiny: SandboxHandle, tmp_path: Path
) -> None:
    before = tree(tmp_path)
    set_spaces(tmp_path, "spaces: [OPS]")  # DOC leaves the selection: 6 of its 7 pages go
    refused = export(tmp_path)
    assert refused.returncode == 2 and refused.stderr == REFUSAL
    assert tree(tmp_path) == before  # byte for byte, manifest included
    dry = export(tmp_path, "--dry-run")
    assert dry.returncode == 2 and dry.stderr == REFUSAL
    deletes = [line for line in dry.stdout.splitlines() if line.startswith("delete ")]
    assert len(deletes) == 6 and "delete   docs/doc/index.md" in deletes
    assert tree(tmp_path) == before
    done = export(tmp_path, "--allow-deletions")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "out" / "docs" / "doc").exists()
    assert any(k.startswith("docs/ops/") for k in tree(tmp_path))


def test_output_allow_deletions_in_the_config_confirms_every_run(
    tiny: SandboxHandle, tmp_path: Path
) -> None:
    set_spaces(tmp_path, "spaces: [OPS]")
    config = tmp_path / "config.yaml"
    text = config.read_text()
    assert "  dir: export\n" in text
    config.write_text(
        text.replace("  dir: export\n", "  dir: export\n  allow_deletions: ${ALLOW:-false}\n")
    )
    assert export(tmp_path).returncode == 2
    assert export(tmp_path, env={"ALLOW": "true"}).returncode == 0
    assert not (tmp_path / "out" / "docs" / "doc").exists()


def test_the_action_passes_allow_deletions_only_when_its_input_is_true(tmp_path: Path) -> None:
    env = {"CONFLUENCE_EXPORT_BIN": "ce", "INPUT_CONFIG": str(tmp_path / "c.yml")}
    assert "--allow-deletions" not in export_command(env, Path("s.json"))
    env["INPUT_ALLOW_DELETIONS"] = "false"
    assert "--allow-deletions" not in export_command(env, Path("s.json"))
    env["INPUT_ALLOW_DELETIONS"] = "true"
    assert export_command(env, Path("s.json"))[-1] == "--allow-deletions"
