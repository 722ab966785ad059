"""Moved and deleted pages leave no stale files or empty folders behind (incremental runs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from exporter.sandbox import SandboxHandle, SandboxOptions, start_sandbox
from exporter.sandbox.store import Store
from tests.e2e.helpers import current_content, ids_by_file, run_export, shared_build

pytestmark = pytest.mark.timeout(300)


@dataclass(frozen=True)
class Step:
    """The output after one change in Confluence, next to what Confluence then held."""

    name: str
    expected_ids: list[str]
    found_ids: list[str]
    empty_dirs: list[str]
    site_pages: list[str]
    docs_pages: list[str]
    paths: dict[str, str]  # page id -> docs path, relative to OUT


def _only_child(store: Store) -> tuple[str, str, str]:
    """(child, its parent, grandparent): a page that is its parent's only child, two levels down."""
    for record in current_content(store):
        parent = store.content.get(record.parent_id or "")
        if (
            parent is not None
            and record.type == "page"
            and parent.type == "page"
            and parent.parent_id
            and [c for c in parent.children if store.content[c].status == "current"] == [record.id]
        ):
            return record.id, parent.id, parent.parent_id
    raise AssertionError("the sample has no page that is its parent's only child")


def _leaf(store: Store, avoid: set[str]) -> str:
    for record in current_content(store):
        leaf = record.type == "page" and not record.children and record.parent_id
        if leaf and record.id not in avoid:
            return record.id
    raise AssertionError("the sample has no leaf page")


def _step(name: str, sandbox: SandboxHandle, out: Path) -> dict[str, Any]:
    run_export(sandbox, out, flavor="mkdocs", fmt="both")
    docs, site = out / "docs", out / "site"
    found = ids_by_file(docs)
    empty = [
        p.relative_to(out).as_posix()
        for tree in (docs, site)
        for p in sorted(tree.rglob("*"))
        if p.is_dir() and not any(p.iterdir())
    ]
    return {
        "name": name,
        "expected_ids": sorted(r.id for r in current_content(sandbox.store)),
        "found_ids": sorted(found.values()),
        "empty_dirs": empty,
        "site_pages": sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")),
        "docs_pages": sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md")),
        "paths": {i: p.relative_to(out).as_posix() for p, i in found.items()},
    }


def _build(root: Path) -> dict[str, Any]:
    out = root / "out"
    steps: dict[str, Any] = {}
    with start_sandbox(SandboxOptions(seed="sample")) as sandbox:
        steps["first"] = _step("first", sandbox, out)
        child, parent, grandparent = _only_child(sandbox.store)
        sandbox.http.put(
            f"/__sandbox/pages/{child}", json={"parent_id": grandparent}
        ).raise_for_status()
        steps["moved"] = _step("moved", sandbox, out)
        gone = _leaf(sandbox.store, {child, parent})
        sandbox.http.delete(f"/__sandbox/pages/{gone}").raise_for_status()
        steps["deleted"] = _step("deleted", sandbox, out)
    steps["ids"] = {"child": child, "parent": parent, "grandparent": grandparent, "gone": gone}
    return steps


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return shared_build(tmp_path_factory, "moves", _build)[1]


@pytest.fixture(params=["first", "moved", "deleted"])
def step(request: pytest.FixtureRequest, story: dict[str, Any]) -> Step:
    return Step(**story[str(request.param)])


def test_docs_hold_exactly_the_current_pages_after_each_change(step: Step) -> None:
    assert step.found_ids == step.expected_ids


def test_no_empty_folder_is_left_after_each_change(step: Step) -> None:
    assert step.empty_dirs == []


def test_site_has_one_page_per_docs_page_after_each_change(step: Step) -> None:
    site = {p.removesuffix(".html") for p in step.site_pages} - {"404", "report", "changes"}
    assert site == {p.removesuffix(".md") for p in step.docs_pages}


def test_moved_page_leaves_its_old_folder_and_lands_under_its_new_parent(
    story: dict[str, Any],
) -> None:
    ids = story["ids"]
    before, after = story["first"]["paths"], story["moved"]["paths"]
    old, new = before[ids["child"]], after[ids["child"]]
    assert old != new
    assert Path(new).parent == Path(after[ids["grandparent"]]).parent
    assert old not in after.values()
    assert not after[ids["parent"]].endswith("/index.md"), "the childless parent kept a folder"


def test_deleted_page_file_and_site_page_are_removed(story: dict[str, Any]) -> None:
    gone = story["ids"]["gone"]
    path = story["moved"]["paths"][gone]
    assert gone not in story["deleted"]["paths"]
    assert path.removeprefix("docs/") not in story["deleted"]["docs_pages"]
    html = path.removeprefix("docs/").removesuffix(".md") + ".html"
    assert html not in story["deleted"]["site_pages"]
