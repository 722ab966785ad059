"""The Action keeps the export's cache out of the repository: it names the state folder for
actions/cache, commits only the docs and ``manifest.json``, and untracks the caches an older
version committed; a runner without the cache still exports incrementally."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.ops.test_action_steps import action_env, git, outputs, run_step, workspace

__all__ = ["workspace"]  # the fixture, shared with the step tests

STATE = "export/.confluence-export"


def tracked(work: Path, path: str) -> list[str]:
    return git(work, "ls-files", "--", path).splitlines()


def test_cache_step_names_the_state_folder_and_a_key(workspace):
    env = action_env(workspace)
    assert run_step("cache", env, workspace) == 0
    assert outputs(workspace) == {
        "state-dir": STATE,
        "key": "confluence-export-export--confluence-export",
    }


def test_action_commits_only_docs_and_manifest_and_untracks_older_caches(
    workspace, sandbox_factory
):
    sandbox = sandbox_factory(seed=None, synthetic_pages=3)
    sandbox.write_config(workspace / "config.yaml")
    env = action_env(workspace, commit="true", format="docs", flavor="gfm")
    env["INPUT_OUTPUT_DIR"] = ""  # the config's output.dir: export
    env.pop("CONFLUENCE_EXPORT_BIN")  # the real command line
    # What an older version committed: the body cache and the site cache.
    old = workspace / STATE
    (old / "bodies" / "00").mkdir(parents=True)
    (old / "bodies" / "00" / "100.xml.z").write_bytes(b"old cache")
    (old / "site-cache").mkdir()
    (old / "site-cache" / "site.jsonl").write_text("{}\n")
    git(workspace, "add", "-f", STATE)
    git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "old")

    assert run_step("export", env, workspace) == 0
    assert outputs(workspace)["changed"] == "true"
    assert run_step("commit", env, workspace) == 0
    assert tracked(workspace, STATE) == [
        f"{STATE}/.gitignore",
        f"{STATE}/changes.jsonl",
        f"{STATE}/manifest.json",
    ]
    assert (old / "site-cache" / "site.jsonl").is_file()  # untracked, not deleted
    assert (old / "cache.sqlite").is_file()
    assert git(workspace, "status", "--porcelain", "--untracked-files=all", "--", "export") == ""

    assert run_step("export", env, workspace) == 0  # nothing changed
    assert outputs(workspace)["changed"] == "false"
    assert git(workspace, "status", "--porcelain", "--untracked-files=all", "--", "export") == ""

    # A fresh runner whose cache was not restored: only what the repository holds.
    for path in old.iterdir():
        if path.name not in ("manifest.json", "changes.jsonl", ".gitignore"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    page = next(r for r in sandbox.store.all_content() if r.parent_id)
    sandbox.advance_clock(60)
    sandbox.store.update_content(page.id, body="<p>Edited in Confluence.</p>")
    sandbox.reset_stats()
    assert run_step("export", env, workspace) == 0
    assert outputs(workspace)["pages-exported"] == "1"
    assert sandbox.stats()["requests"] <= 12
    assert run_step("commit", env, workspace) == 0
    changed = git(workspace, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert f"{STATE}/manifest.json" in changed
    assert f"{STATE}/changes.jsonl" in changed  # the edit joins the feed's log
    content = (f"{STATE}/manifest.json", f"{STATE}/changes.jsonl")
    assert all(p.startswith("export/docs/") or p in content for p in changed)
    assert git(workspace, "status", "--porcelain", "--untracked-files=all", "--", "export") == ""
