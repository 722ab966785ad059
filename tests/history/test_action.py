"""The Action with ``history: true`` pushes the export's per-version commits, no bot commit."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from exporter.action.steps import BOT_NAME, main
from exporter.sandbox import SandboxHandle
from tests.history.helpers import SEED, git
from tests.ops.test_action_steps import action_env, outputs

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True)
    git(work, "checkout", "-q", "-b", "main")
    (work / "README.md").write_text("docs repo\n")
    git(work, "add", "README.md")
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init")
    git(work, "push", "-q", "origin", "main")
    return work


def test_action_with_history_pushes_one_commit_per_version_then_only_new_ones(
    workspace: Path, sandbox_factory: Callable[..., SandboxHandle]
) -> None:
    sb = sandbox_factory(seed=SEED)
    sb.write_config(workspace / "config.yaml")
    env = action_env(workspace, commit="true", format="docs", history="true")
    env["INPUT_OUTPUT_DIR"] = ""
    env.pop("CONFLUENCE_EXPORT_BIN")  # the real command line
    remote = workspace.parent / "remote.git"

    assert main(["export"], env) == 0
    assert outputs(workspace)["changed"] == "true"
    assert main(["commit"], env) == 0
    authors = git(remote, "log", "--format=%an", "main").splitlines()
    assert BOT_NAME not in authors
    assert {"Ann Archer", "Ben Baker", "Cara Cole"} <= set(authors)
    assert len(authors) == 13 + 1 + 1  # versions, housekeeping, the repository's first commit
    assert git(workspace, "status", "--porcelain", "--", "export") == ""

    assert main(["export"], env) == 0
    assert outputs(workspace)["changed"] == "false"
    assert main(["commit"], env) == 0
    assert outputs(workspace) == {}

    page = next(r for r in sb.sandbox.store.content.values() if r.title == "Runbook")
    sb.advance_clock(60)
    sb.http.post(
        f"/__sandbox/pages/{page.id}/versions",
        json={"body": "<p>New steps.</p>", "message": "Rewrite the steps"},
    ).raise_for_status()
    assert main(["export"], env) == 0
    assert outputs(workspace)["changed"] == "true"
    assert main(["commit"], env) == 0
    assert outputs(workspace)["commit-sha"] == git(remote, "rev-parse", "main").strip()
    subjects = git(remote, "log", "-2", "--format=%s", "main").splitlines()
    assert subjects == ["Sync with Confluence", "Rewrite the steps"]
