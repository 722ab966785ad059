"""A docs folder tracked in git *with* its state folder (as the GitHub Action commits it: only
the manifest and the changes log, the caches are ignored): a no-change run, or a no-change full reconcile, leaves
`git status` empty; an edit updates both."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from exporter.sandbox import SandboxHandle
from tests.e2e.helpers import STATE_DIR, git, ids_by_file, run_export

pytestmark = pytest.mark.timeout(300)


def status(repo: Path) -> list[str]:
    """Every path ``git status`` reports, the state folder included."""
    lines = git(repo, "status", "--porcelain", "-uall", "-z").split("\0")
    return sorted(line[3:] for line in lines if line)


def test_no_change_runs_leave_a_tracked_state_folder_clean(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    run_export(sandbox, repo, flavor="mkdocs", fmt="both")
    assert any(p.startswith(f"{STATE_DIR}/manifest.json") for p in status(repo))
    git(repo, "add", "-A")
    state_files = git(repo, "ls-files", "--", STATE_DIR).split()
    # the manifest and the changes log (the site's feed), no cache
    assert state_files == [
        f"{STATE_DIR}/.gitignore",
        f"{STATE_DIR}/changes.jsonl",
        f"{STATE_DIR}/manifest.json",
    ]
    assert (repo / STATE_DIR / "cache.sqlite").is_file()
    git(repo, "commit", "-q", "-m", "first export, state included")

    assert run_export(sandbox, repo, flavor="mkdocs", fmt="both").pages_exported == 0
    assert status(repo) == []
    run_export(sandbox, repo, flavor="mkdocs", fmt="both", full=True)  # the periodic reconcile
    assert status(repo) == []

    page_id = next(iter(ids_by_file(repo / "docs").values()))
    body = sandbox.store.content[page_id].body + "<p>Edited.</p>"
    sandbox.http.put(f"/__sandbox/pages/{page_id}", json={"body": body}).raise_for_status()
    run_export(sandbox, repo, flavor="mkdocs", fmt="both")
    changed = status(repo)
    assert f"{STATE_DIR}/manifest.json" in changed  # state is committed along with content
    assert f"{STATE_DIR}/changes.jsonl" in changed  # and the edit joins the feed
    assert any(p.startswith("docs/") for p in changed)


def test_a_fresh_clone_of_the_tracked_state_runs_incrementally(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    run_export(sandbox, repo, flavor="gfm", fmt="docs")
    run_export(sandbox, repo, flavor="gfm", fmt="docs")  # scan times advance locally only
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "export")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    summary = run_export(sandbox, clone, flavor="gfm", fmt="docs")
    assert summary.pages_exported == 0 and summary.pages_deleted == 0
    assert status(clone) == []
