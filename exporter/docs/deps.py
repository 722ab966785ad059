"""What a rendered page depended on, and whether any of it changed: ``DependencyView``.

The link resolver records a key for everything outside its own body that a page's Markdown
was built from (``exporter.docs.resolver.ExportResolver.dependencies``); the page's record keeps those
keys and a digest of what they looked like (``PageRecord.links`` and ``.seen``). The next run's
plan recomputes the digest over the new layout and re-renders the page when it differs, without
reading any body. Keys:

- ``e:<key>``: an entry's kind, title and file (or that it is not exported)
- ``c:<key>``: the keys of an entry's children, in order
- ``r:<json>``: what a reference by title resolves to (``[kind, space, title, day]``)
- ``b:<id>``: the version of a page whose body is included
- ``a:<id>``: the names of a page's attachments (the attachments macro lists them)
- ``f:<json>``: whether one file (``[page id, name]``) is listed (a link to it)
- ``h:<space>``: the key of a space's top entry (its homepage or generated index)
- ``u:<id>``: the parent of an entry (``@parent`` roots)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from exporter.docs.layout import ROOT_KEY, Layout

__all__ = ["DependencyView", "home_key", "resolve_title"]


def resolve_title(layout: Layout, kind: str, space: str, title: str, day: str | None) -> str | None:
    """The key a link by title names in ``layout`` (blog posts by day first), else None."""
    if kind == "blogpost":
        day_key = (day or "").replace("-", "/")
        key = layout.blog_by_day.get((space, title, day_key))
        if key is None:
            same = (k for (s, t, _), k in layout.blog_by_day.items() if (s, t) == (space, title))
            key = next(same, None)
        return key
    return layout.by_title.get((space, title))


def home_key(layout: Layout, space: str) -> str | None:
    """The key of a space's top entry (its homepage, else its generated index), else None."""
    homes = layout.children_of(layout.root.key)
    return next((e.key for e in homes if e.space_key == space), None)


class DependencyView:
    """The current value of every dependency key, over one run's layout and attachment lists."""

    def __init__(self, layout: Layout, listing: Mapping[str, Mapping[str, Any]]) -> None:
        self.layout = layout
        self.listing = listing
        self._memo: dict[str, str] = {}

    def value(self, key: str) -> str:
        """What ``key`` looks like now (memoised: many pages share dependencies)."""
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._compute(key)
        return known

    def _compute(self, key: str) -> str:
        kind, _, rest = key.partition(":")
        layout = self.layout
        if kind == "e":
            entry = layout.get(rest)
            return "-" if entry is None else f"{entry.kind}\x1f{entry.title}\x1f{entry.path}"
        if kind == "c":
            entry = layout.get(rest)
            return "-" if entry is None else "\x1f".join(entry.children)
        if kind == "r":
            ref_kind, space, title, day = json.loads(rest)
            return resolve_title(layout, ref_kind, space, title, day) or "-"
        if kind == "b":
            entry = layout.get(rest)
            page = entry.page if entry is not None else None
            return "-" if page is None else str(page.version)
        if kind == "a":
            return "\x1f".join(sorted(self.listing.get(rest, {})))
        if kind == "f":
            page_id, name = json.loads(rest)
            return "1" if name in self.listing.get(page_id, {}) else "-"
        if kind == "h":
            return home_key(layout, rest) or "-"
        if kind == "u":
            entry = layout.get(rest)
            parent = entry.parent if entry is not None else None
            return "-" if parent in (None, ROOT_KEY) else str(parent)
        return "?"  # a key this version does not know (an older manifest): re-render

    def digest(self, keys: Iterable[str]) -> str:
        """A short digest of what ``keys`` look like now."""
        h = hashlib.blake2b(digest_size=12)
        for key in sorted(keys):
            h.update(key.encode("utf-8", "replace") + b"\x1e")
            h.update(self.value(key).encode("utf-8", "replace") + b"\x1d")
        return h.hexdigest()
