"""Bulleted and numbered lists, nested, tight where Confluence's ``<li><p>`` allows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.blocks import finish_inline
from exporter.convert.marks import BREAK
from exporter.convert.nodes import is_block
from exporter.convert.parse import tag_of

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["render_list"]

_LISTS = frozenset({"ul", "ol", "ac:task-list"})


def render_list(conv: Converter, el: etree._Element, *, ordered: bool) -> str:
    """A list; stray nested lists directly inside it attach to the previous item."""
    if not conv.state.cell and conv.state.too_deep():
        return _flattened(conv, el)
    number = _start(el) if ordered else 1
    items: list[str] = []
    emit = conv.emit
    for child in el:
        if not isinstance(child.tag, str):
            continue
        tag = tag_of(child)
        if tag in _LISTS and items:
            nested = conv.node(child).strip("\n")
            if nested:
                marker_width = max(len(items[-1].split(" ", 1)[0]) + 1, emit.list_indent)
                items[-1] += "\n" + "\n".join(
                    " " * marker_width + line if line else "" for line in nested.split("\n")
                )
            continue
        body = item_body(conv, child) if tag == "li" else conv.node(child).strip("\n ")
        marker = f"{number}." if ordered else "-"
        number += 1
        items.append(emit.list_item(marker, body))
    if not items:
        return ""
    if conv.state.cell:
        return " " + " ".join(item.replace("\n", " ") for item in items) + " "
    loose = any("\n\n" in item for item in items)
    edge = "\n" if conv.state.tight else "\n\n"
    text = ("\n\n" if loose else "\n").join(items)
    previous = el.getprevious()
    if previous is not None and tag_of(previous) in _LISTS and not (previous.tail or "").strip():
        # Adjacent lists would merge into one in Markdown; a comment keeps them apart.
        text = emit.comment("") + "\n\n" + text
        edge = "\n\n"
    return edge + text + edge


def _flattened(conv: Converter, el: etree._Element) -> str:
    """A list too deep to nest further: each item a paragraph led by a dash, at this level."""
    paragraphs = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        body = conv.children(child).strip("\n ") if tag_of(child) == "li" else conv.node(child)
        body = body.strip("\n ")
        if body:
            paragraphs.append(body if tag_of(child) in _LISTS else "– " + body)
    return "\n\n" + "\n\n".join(paragraphs) + "\n\n" if paragraphs else ""


def _start(el: etree._Element) -> int:
    try:
        return max(0, int(el.get("start") or 1))
    except ValueError:
        return 1


def item_body(conv: Converter, li: etree._Element) -> str:
    """An item's Markdown: tight (no blank line) when it is one paragraph plus sub-lists."""
    state = conv.state
    kids = [k for k in li if isinstance(k.tag, str)]
    blocks = [k for k in kids if is_block(k)]
    others = [k for k in blocks if tag_of(k) not in _LISTS]
    tight = len(others) == 0 or (len(others) == 1 and tag_of(others[0]) == "p")
    saved = state.tight
    state.tight = 1 if tight else 0
    state.list_depth += 1
    try:
        body = conv.children(li)
    finally:
        state.tight = saved
        state.list_depth -= 1
    if not blocks:
        return conv.emit.escape_line_starts(finish_inline(body))
    body = body.strip("\n " + BREAK)
    if li.text and li.text.strip():
        first, _, rest = body.partition("\n")
        body = conv.emit.escape_line_starts(first) + ("\n" + rest if rest else "")
    return body
