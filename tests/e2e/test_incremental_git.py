"""Incremental exports into a git repository: clean after a no-change run, one page after an edit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from exporter.sandbox import SandboxOptions, start_sandbox
from exporter.sandbox.store import Store
from tests.e2e.helpers import (
    STATE_DIR,
    exported_space_keys,
    git,
    ids_by_file,
    porcelain,
    run_export,
    shared_build,
)

pytestmark = pytest.mark.timeout(300)
MARKER = "zyzzogeton-e2e-edit"
# Files whose bytes legitimately depend on a page's body besides the page itself.
# Files that show every page's text or date: the search index, and the home page (its space
# cards say when each space was last updated, and it lists the latest updated pages), and
# llms-full.txt (every body) and llms.txt (each page's first sentence).
BODY_DEPENDENTS = {"site/search-index.js", "site/index.html", "site/llms-full.txt", "site/llms.txt"}
# the edit is listed on the site's Recent changes page and in its feed (exporter/site/changes.py)
BODY_DEPENDENTS |= {"site/changes.html", "site/changes.xml"}


@dataclass(frozen=True)
class Story:
    """What git saw along the way: after the first export, a no-change run and a one-page edit."""

    first: list[str]
    unchanged_exported: int
    after_no_change: list[str]
    edited_id: str
    edited_files: list[str]
    after_edit: list[str]
    edit_exported: int
    diff: str


def _leaf_to_edit(store: Store) -> str:
    """A current leaf page without attachments, at least two levels down (chosen, not hard-coded)."""
    for key in exported_space_keys(store):
        for record in store.walk_space(key):
            if (
                record.status == "current"
                and record.type == "page"
                and not record.children
                and not record.attachments
                and len(store.ancestors(record)) >= 2
            ):
                return record.id
    raise AssertionError("the sample has no leaf page to edit")


def _build(root: Path) -> dict[str, Any]:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    with start_sandbox(SandboxOptions(seed="sample")) as sandbox:
        run_export(sandbox, repo, flavor="mkdocs", fmt="both")
        first = porcelain(repo)
        git(repo, "add", "-A", "--", ".", f":!{STATE_DIR}")
        git(repo, "commit", "-q", "-m", "first export")
        unchanged = run_export(sandbox, repo, flavor="mkdocs", fmt="both")
        after_no_change = porcelain(repo)

        page_id = _leaf_to_edit(sandbox.store)
        body = sandbox.store.content[page_id].body + f"<p>Edited: {MARKER}.</p>"
        sandbox.http.put(f"/__sandbox/pages/{page_id}", json={"body": body}).raise_for_status()
        (md,) = [p for p, i in ids_by_file(repo / "docs").items() if i == page_id]
        rel = md.relative_to(repo / "docs").with_suffix(".html").as_posix()
        edited = [md.relative_to(repo).as_posix(), f"site/{rel}"]
        edit_run = run_export(sandbox, repo, flavor="mkdocs", fmt="both")
    return {
        "first": first,
        "unchanged_exported": unchanged.pages_exported,
        "after_no_change": after_no_change,
        "edited_id": page_id,
        "edited_files": edited,
        "after_edit": porcelain(repo),
        "edit_exported": edit_run.pages_exported,
        "diff": git(repo, "diff", "--", *edited),
    }


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    _, facts = shared_build(tmp_path_factory, "git", _build)
    return Story(**facts)


def test_first_export_puts_docs_site_and_mkdocs_yml_under_git(story: Story) -> None:
    assert "mkdocs.yml" in story.first
    assert any(p.startswith("docs/") for p in story.first)
    assert any(p.startswith("site/") for p in story.first)


def test_no_change_run_leaves_git_status_clean(story: Story) -> None:
    assert story.unchanged_exported == 0
    assert story.after_no_change == []


def test_one_page_edit_changes_that_page_and_its_site_page(story: Story) -> None:
    changed = set(story.after_edit)
    assert set(story.edited_files) <= changed, f"expected {story.edited_files} among {changed}"
    assert story.edit_exported == 1
    assert MARKER in story.diff


def test_one_page_edit_changes_nothing_else(story: Story) -> None:
    others = set(story.after_edit) - set(story.edited_files) - BODY_DEPENDENTS
    assert others == set(), f"editing page {story.edited_id} also rewrote {sorted(others)}"
