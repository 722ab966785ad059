"""Confluence anchors: decoded once, and matched to the heading they name.

Cloud stores ``ac:anchor`` percent-encoded when the heading is not ASCII
(``%EC%82%AC%EC%9A%A9%EC%9E%90-...``), and a heading's anchor is its text with spaces as ``-``
(older pages put the page title and a ``-`` in front). A link's anchor therefore becomes the
target heading's id in the flavor's own slug rules, or stays as written when it names an anchor
macro.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["HeadingIndex", "decode_anchor", "heading_for_anchor"]

_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_NOT_WORD = re.compile(r"[\W_]+")


def decode_anchor(anchor: str) -> str:
    """The anchor as text: percent-decoded once when it is validly encoded UTF-8."""
    if not _ESCAPE.search(anchor):
        return anchor
    try:
        return unquote(anchor, errors="strict")
    except UnicodeDecodeError:
        return anchor


def heading_for_anchor(name: str, headings: list[str], page_title: str | None) -> int | None:
    """The index of the heading an anchor names (case and punctuation ignored), else None."""
    return HeadingIndex(headings).find(name, page_title)


class HeadingIndex:
    """A page's headings by their text with case and punctuation ignored, built once, so that
    matching every anchor of a long page costs one look-up each (not one pass over the
    headings each)."""

    def __init__(self, headings: list[str]) -> None:
        self._first: dict[str, int] = {}
        for index, text in enumerate(headings):
            self._first.setdefault(_NOT_WORD.sub("", text).casefold(), index)

    def find(self, name: str, page_title: str | None) -> int | None:
        """The index of the first heading the anchor ``name`` names, else None."""
        flat = _NOT_WORD.sub("", name).casefold()
        wanted = {flat}
        if "-" in name:
            wanted.add(_NOT_WORD.sub("", name.split("-", 1)[1]).casefold())
        title = _NOT_WORD.sub("", page_title or "").casefold()
        if title and flat.startswith(title):
            wanted.add(flat[len(title) :])
        wanted.discard("")
        found = [self._first[key] for key in wanted if key in self._first]
        return min(found) if found else None
