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

__all__ = ["decode_anchor", "heading_for_anchor"]

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
    flat = _NOT_WORD.sub("", name).casefold()
    wanted = {flat}
    if "-" in name:
        wanted.add(_NOT_WORD.sub("", name.split("-", 1)[1]).casefold())
    title = _NOT_WORD.sub("", page_title or "").casefold()
    if title and flat.startswith(title):
        wanted.add(flat[len(title) :])
    wanted.discard("")
    for index, text in enumerate(headings):
        if _NOT_WORD.sub("", text).casefold() in wanted:
            return index
    return None
