"""The exported tree of one space: ``build_tree`` applies the selection and Confluence's order.

``root`` keeps one subtree (by id or title); include/exclude labels and title globs drop single
pages, whose children then hang from the nearest exported ancestor; siblings follow the manual
order (``extensions.position``), blog posts their creation date.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from exporter.config.settings import SpaceSelection
from exporter.errors import ConfigError
from exporter.models import NavNode, Page, Space, SpaceTree

__all__ = ["build_tree"]


def build_tree(space: Space, pages: Iterable[Page], selection: SpaceSelection) -> SpaceTree:
    """The exported tree of one space, children in manual order, selection rules applied.

    ``root`` keeps only that subtree (by id or title); include/exclude labels and title globs
    drop single pages, whose children then hang from the nearest exported ancestor.
    """
    by_id: dict[str, Page] = {}
    blogposts: list[Page] = []
    for page in pages:
        if page.kind == "blogpost":
            blogposts.append(page)
        else:
            by_id[page.id] = page
    root_id = _find_root(selection, by_id) if selection.root else None
    kept = {pid for pid, page in by_id.items() if _selected(page, selection)}
    if root_id is not None:
        kept = {pid for pid in kept if _under(pid, root_id, by_id)}

    children: dict[str | None, list[Page]] = {}
    for pid in kept:
        page = by_id[pid]
        parent = _nearest_kept(page.parent_id, kept, by_id)
        if root_id is not None and pid == root_id:
            parent = None
        children.setdefault(parent, []).append(page)

    def node(page: Page) -> NavNode:
        return NavNode(
            page=page, children=tuple(node(c) for c in _ordered(children.get(page.id, [])))
        )

    roots = tuple(node(p) for p in _ordered(children.get(None, [])))
    posts = tuple(
        p for p in sorted(blogposts, key=lambda p: (p.created, p.id)) if _selected(p, selection)
    )
    return SpaceTree(space=space, roots=roots, blogposts=posts)


def _ordered(pages: list[Page]) -> list[Page]:
    """Manual order: position first (unpositioned last), then title and id for stability."""
    return sorted(pages, key=lambda p: (p.position is None, p.position or 0, p.title, p.id))


def _selected(page: Page, sel: SpaceSelection) -> bool:
    labels = set(page.labels)
    if sel.include_labels and not labels & set(sel.include_labels):
        return False
    if labels & set(sel.exclude_labels):
        return False
    return not any(fnmatch.fnmatchcase(page.title, pattern) for pattern in sel.exclude_titles)


def _find_root(sel: SpaceSelection, by_id: dict[str, Page]) -> str:
    root = sel.root or ""
    if root in by_id:
        return root
    matches = sorted(pid for pid, page in by_id.items() if page.title == root)
    if not matches:
        raise ConfigError(
            f"spaces.{sel.key}.root: no page with id or title {root!r} in space {sel.key}. "
            "Give an existing page id or its exact title."
        )
    return matches[0]


def _under(page_id: str, root_id: str, by_id: dict[str, Page]) -> bool:
    seen: set[str] = set()
    current: str | None = page_id
    while current is not None and current not in seen:
        if current == root_id:
            return True
        seen.add(current)
        current = by_id[current].parent_id if current in by_id else None
    return False


def _nearest_kept(parent: str | None, kept: set[str], by_id: dict[str, Page]) -> str | None:
    seen: set[str] = set()
    while parent is not None and parent not in kept and parent not in seen:
        seen.add(parent)
        parent = by_id[parent].parent_id if parent in by_id else None
    return parent if parent in kept else None
