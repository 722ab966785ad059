"""Tables: GFM pipe tables when the table fits them, HTML tables when it does not.

A pipe table holds one line of inline content per cell and no merged cells. Anything else
(merged cells, lists, code or several blocks in a cell, nested tables) becomes an HTML table
whose cells hold Markdown between blank lines, so nothing is duplicated or lost.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.blocks import finish_inline
from exporter.convert.marks import BREAK, PARAGRAPH
from exporter.convert.parse import attr, names, tag_of

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["render_table", "table_rows"]

_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_INLINE_OK = names(
    "p span strong b em i u s del strike sub sup code kbd tt a br time font small big "
    "ac:link ac:image ac:emoticon ac:inline-comment-marker ac:placeholder ri:user ri:page "
    "ri:attachment ac:link-body ac:plain-text-link-body ac:parameter h1 h2 h3 h4 h5 h6 "
    "ins mark cite q abbr img"
)
_INLINE_MACROS = frozenset({"status", "jira", "anchor", "view-file", "mention", "profile"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def table_rows(table: etree._Element) -> list[tuple[str, etree._Element]]:
    """The table's rows in order with the section each sits in (nested tables excluded)."""
    rows: list[tuple[str, etree._Element]] = []
    for child in table:
        tag = tag_of(child)
        if tag == "tr":
            rows.append(("tbody", child))
        elif tag in _SECTIONS:
            rows.extend((tag, tr) for tr in child if tag_of(tr) == "tr")
    return rows


def _cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if tag_of(c) in ("td", "th")]


def _span(cell: etree._Element, name: str) -> int:
    try:
        return int(cell.get(name) or 1)
    except ValueError:
        return 1


def _inline_only(cell: etree._Element) -> bool:
    paragraphs = 0
    for el in cell.iter():
        if el is cell or not isinstance(el.tag, str):
            continue
        tag = tag_of(el)
        if tag == "p" or tag in _HEADINGS:
            paragraphs += 1
            if paragraphs > 1 and el.getparent() is not cell:
                return False
        elif tag in ("ac:structured-macro", "ac:macro"):
            if (attr(el, "ac:name") or "").lower() not in _INLINE_MACROS:
                return False
        elif tag not in _INLINE_OK and not tag.startswith("ri:") and tag != "ac:parameter":
            return False
    return True


def _pipe_friendly(rows: list[tuple[str, etree._Element]]) -> bool:
    for _, tr in rows:
        for cell in _cells(tr):
            if _span(cell, "colspan") > 1 or _span(cell, "rowspan") > 1:
                return False
            if not _inline_only(cell):
                return False
    return True


def render_table(conv: Converter, el: etree._Element) -> str:
    """A pipe table when representable, else an HTML table."""
    rows = table_rows(el)
    if not rows:
        return ""
    if conv.state.cell:
        text = " ".join([finish_inline(conv.children(tr)) for _, tr in rows])
        return f" {text} "
    if _pipe_friendly(rows) and _has_header(rows):
        return "\n\n" + _pipe_table(conv, rows) + "\n\n"
    return "\n\n" + _html_table(conv, el, rows) + "\n\n"


def _has_header(rows: list[tuple[str, etree._Element]]) -> bool:
    """Whether the first row is all ``<th>``: a pipe table must have a header row, and a table
    without one keeps its first row as data (an HTML table) instead of a blank header strip."""
    first = _cells(rows[0][1])
    return bool(first) and all(tag_of(c) == "th" for c in first)


# Cell text that reads the same as raw HTML and as Markdown: it can stay on the tag's line.
_PLAIN = re.compile(r"[^\\*_`\[\]<>&{}~\n!]*\Z")
# A Markdown block (list item, heading, rule, quote) must not sit on the cell's tag line,
# where it would show as literal "- x" or "### x".
_BLOCK_START = re.compile(r"(?:[-+*]\s|#{1,6}\s|\d{1,9}[.)]\s|>|(?:-{3,}|_{3,}|\*{3,})\s*\Z)")
_PARAGRAPHS = re.compile(PARAGRAPH + r"\s*")


def _pipe_cell(conv: Converter, cell: etree._Element, header: bool) -> str:
    text = finish_inline(conv.children(cell))
    text = _PARAGRAPHS.sub("<br><br>" if not conv.emit.mdx else "<br /><br />", text)
    text = text.replace(BREAK, "").replace("\n", " ").strip()
    if header and text and tag_of(cell) == "th":
        return f"**{text}**"
    return text


def _pipe_table(conv: Converter, rows: list[tuple[str, etree._Element]]) -> str:
    state = conv.state
    state.cell += 1
    emit = conv.emit
    outer = emit.in_pipe_cell
    emit.in_pipe_cell = True
    try:
        grid = []
        for index, (_, tr) in enumerate(rows):
            cells = _cells(tr)
            header_row = index == 0 and all(tag_of(c) == "th" for c in cells) and bool(cells)
            grid.append([_pipe_cell(conv, c, not header_row) for c in cells])
    finally:
        state.cell -= 1
        emit.in_pipe_cell = outer
    width = max((len(r) for r in grid), default=0)
    if width == 0:
        return ""
    grid = [r + [""] * (width - len(r)) for r in grid]
    head, body = grid[0], grid[1:]
    lines = [_pipe_row(head), "|" + "|".join(" --- " for _ in range(width)) + "|"]
    lines.extend(_pipe_row(r) for r in body)
    return "\n".join(lines)


def _pipe_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _html_table(conv: Converter, el: etree._Element, rows: list[tuple[str, etree._Element]]) -> str:  # fmt: skip
    emit = conv.emit
    extra = emit.html_markdown_attr(cell=False)
    cell_extra = emit.html_markdown_attr(cell=True)
    lines = [f"<table{extra}>"]
    section = None
    for name, tr in rows:
        if name != section and any(n != "tbody" for n, _ in rows):
            if section is not None:
                lines.append(f"</{section}>")
            lines.append(f"<{name}{extra}>")
            section = name
        lines.append(f"<tr{extra}>")
        for cell in _cells(tr):
            tag = tag_of(cell)
            attrs = ""
            for span in ("colspan", "rowspan"):
                if _span(cell, span) > 1:
                    attrs += f' {emit.html_attr(span)}="{_span(cell, span)}"'
            conv.state.in_table += 1
            try:
                body = conv.children(cell).strip("\n").strip(BREAK)
            finally:
                conv.state.in_table -= 1
            if body and _PLAIN.match(body) and not _BLOCK_START.match(body):
                lines.append(f"<{tag}{attrs}>{body}</{tag}>")
            elif body:
                lines.append(f"<{tag}{attrs}{cell_extra}>\n\n{body}\n\n</{tag}>")
            else:
                lines.append(f"<{tag}{attrs}></{tag}>")
        lines.append("</tr>")
    if section is not None:
        lines.append(f"</{section}>")
    lines.append("</table>")
    return "\n".join(lines)
