"""Page structure: layouts and columns, page properties, excerpts, includes, toc and trees."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.escape import plain_markdown
from exporter.convert.macros.placeholder import not_exported
from exporter.convert.macros.registry import Macro, element, macro, parse_macro
from exporter.convert.macros.tables import table_rows
from exporter.convert.macros.targets import page_ref, unexported
from exporter.convert.marks import BREAK, PARAGRAPH, TOC_MARK
from exporter.convert.parse import attr, names, parse_storage, plain_text, tag_of
from exporter.convert.resolve import PageRef, TreeItem
from exporter.warnings import INVALID_PARAMETER

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["include", "page_properties", "render_tree", "toc"]

MAX_INCLUDE_DEPTH = 4
_RESERVED = names(
    "title confluence_id space version updated source_url labels tags aliases id slug "
    "sidebar_position sidebar_label description draft template hide"
)
_KEY = re.compile(r"[^\w]+")
_TITLED = names("tab-pane horizontal-nav-item localtab ui-tab card")


@element("ac:layout", "ac:layout-section", "ac:layout-cell")
def layout(conv: Converter, el: etree._Element) -> str:
    """Layout sections and cells: their content in reading order, one block each."""
    body = conv.children(el).strip("\n")
    return "\n\n" + body + "\n\n" if body else ""


@macro(
    "section", "column", "excerpt", "multiexcerpt", "multiexcerpt-macro", "div", "span",
    "center", "align", "auibutton-group", "tabs-group", "tab-pane", "horizontal-nav-group",
    "horizontal-nav-item", "localtabgroup", "localtab", "ui-tabs", "ui-tab", "deck", "card",
)  # fmt: skip
def container(conv: Converter, m: Macro) -> str:
    """Macros that only group content (columns, excerpts, tabs): the content, tabs titled."""
    if m.name == "excerpt" and m.flag("hidden"):
        return ""
    if m.body is None:
        return ""
    body = conv.children(m.body).strip("\n")
    label = m.param("title") or m.param("name") if m.name in _TITLED else None
    if label and not conv.state.cell:
        body = f"**{conv.emit.escape(label)}**\n\n{body}"
    if conv.state.cell:
        return f" {body} "
    return "\n\n" + body + "\n\n" if body else ""


@macro("details", "page-properties")
def page_properties(conv: Converter, m: Macro) -> str:
    """Page properties: the table as on the page, and each key/value into front matter."""
    if m.body is None:
        return ""
    for table in m.body.iter("table"):
        for _, tr in table_rows(table):
            cells = [c for c in tr if tag_of(c) in ("td", "th")]
            if len(cells) < 2:
                continue
            key = _front_matter_key(plain_text(cells[0]))
            value = _cell_value(conv, cells[1])
            if key and key not in conv.state.front_matter:
                conv.state.front_matter[key] = value
    if m.flag("hidden"):
        return ""
    return "\n\n" + conv.children(m.body).strip("\n") + "\n\n"


def _cell_value(conv: Converter, cell: etree._Element) -> str:
    """A property's value as text: dates, mentions and link texts as the page shows them."""
    state = conv.state
    state.cell += 1
    state.plain += 1
    try:
        markdown = conv.children(cell)
    finally:
        state.cell -= 1
        state.plain -= 1
    return plain_markdown(markdown.replace(PARAGRAPH, " ").replace(BREAK, " ").replace("\\|", "|"))


def _front_matter_key(label: str) -> str:
    key = _KEY.sub("_", label.strip().lower()).strip("_")
    return f"property_{key}" if key in _RESERVED else key


def _target(m: Macro) -> PageRef | None:
    holder = next((m.params[k] for k in ("", "page", "root") if k in m.params), None)
    if holder is None:
        return None
    for el in holder.iter():
        ref = page_ref(el)
        if ref is not None:
            return None if ref.title == "@self" else ref
    text = plain_text(holder).strip()
    if not text or text == "@self":
        return None
    space, _, title = text.rpartition(":")
    return PageRef(title=title, space_key=space or None)


@macro("include", "excerpt-include", "include-page")
def include(conv: Converter, m: Macro) -> str:
    """The included page's body (or its excerpt) inlined when exported, else a link to it."""
    ref = _target(m)
    if ref is None:
        return ""
    state = conv.state
    key = (ref.space_key, ref.title, ref.page_id)
    body = None
    if key not in state.including and len(state.including) < MAX_INCLUDE_DEPTH:
        body = state.resolver.page_body(ref)
    if body is None:
        link = state.resolver.page(ref)
        if not link.exported:
            unexported(conv, ref, "includes")
        return "\n\n" + conv.emit.link("", link) + "\n\n"
    root = parse_storage(body)
    if m.name == "excerpt-include":
        excerpt = _excerpt(root, m.param("name"))
        if excerpt is None:
            return ""
        root = excerpt
    state.including.append(key)
    state.owners.append(ref)
    try:
        text = conv.children(root).strip("\n")
    finally:
        state.including.pop()
        state.owners.pop()
    return "\n\n" + text + "\n\n" if text else ""


def _excerpt(root: etree._Element, name: str | None) -> etree._Element | None:
    for el in root.iter():
        if tag_of(el) in ("ac:structured-macro", "ac:macro"):
            found = parse_macro(el)
            wanted = name is None or found.param("name") in (None, name)
            if found.name in ("excerpt", "multiexcerpt") and found.body is not None and wanted:
                return found.body
    return None


@macro("toc", "toc-zone")
def toc(conv: Converter, m: Macro) -> str:
    """A table of contents, filled in from the page's headings once they are all known."""
    low = _int(m.param("minLevel"), 1)
    high = _int(m.param("maxLevel"), 6)
    state = conv.state
    patterns = []
    for name in ("include", "exclude"):
        pattern = m.param(name)
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                state.warn(
                    INVALID_PARAMETER,
                    f"toc {name} pattern {pattern!r} is not a regular expression ({exc})",
                )
                pattern = None
        patterns.append(pattern)
    state.tocs.append((low, high, patterns[0], patterns[1]))
    mark = f"{TOC_MARK}{len(state.tocs) - 1}{TOC_MARK}"
    body = conv.children(m.body).strip("\n") if m.body is not None else ""
    return "\n\n" + mark + "\n\n" + (body + "\n\n" if body else "")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


@macro("children", "pagetree", "children-display")
def children(conv: Converter, m: Macro) -> str:
    """The child pages as a nested list of links, from the exported tree.

    Roots may be Confluence's aliases ``@self``, ``@parent`` and ``@home``; the resolver maps
    them (pagetree's ``spaces`` parameter names the space of ``@home``).
    """
    ref = _target(m)
    space = m.param("spaces") or m.param("spaceKey")
    if ref is not None and ref.space_key is None and space and "," not in space:
        ref = PageRef(ref.title, space.strip(), ref.page_id, ref.kind, ref.posting_day)
    everything = m.name == "pagetree" or m.flag("all")
    # Confluence: "depth has no effect if Show Descendants (all) is enabled".
    depth = None if everything else _int(m.param("depth"), 1)
    items = _ordered(m, conv.state.resolver.children(ref, depth))
    if not items:
        return (
            "\n\n" + conv.emit.comment(f"confluence macro: {m.name} (no exported pages)") + "\n\n"
        )
    return "\n\n" + _apart_from_list(conv, m.el) + render_tree(conv, items) + "\n\n"


_SORT_KEYS = {
    "title": lambda item: (item.title.casefold(), item.title),
    "creation": lambda item: item.created,
    "created": lambda item: item.created,
    "modified": lambda item: item.updated,
}


def _ordered(m: Macro, items: tuple[TreeItem, ...]) -> tuple[TreeItem, ...]:
    """The children macro's ``sort`` (title, creation, modified; else Confluence's order),
    ``reverse`` and ``first`` (only the first N at the top level), applied at every level."""
    key = _SORT_KEYS.get((m.param("sort") or "").lower())
    reverse = m.flag("reverse")

    def arrange(level: tuple[TreeItem, ...]) -> tuple[TreeItem, ...]:
        kids = [replace(item, children=arrange(item.children)) for item in level]
        if key is not None:
            kids.sort(key=key)
        if reverse:
            kids.reverse()
        return tuple(kids)

    result = arrange(items) if key is not None or reverse else items
    first = _int(m.param("first"), 0)
    return result[:first] if first > 0 else result


_LISTS = frozenset({"ul", "ol", "ac:task-list"})


def _apart_from_list(conv: Converter, el: etree._Element) -> str:
    """An invisible separator when a list comes right before, so the two lists stay two
    (Markdown joins adjacent lists with the same marker into one)."""
    previous = el.getprevious()
    if previous is None or (previous.tail or "").strip():
        return ""
    tag = tag_of(previous)
    is_list = tag in _LISTS or (
        tag in ("ac:structured-macro", "ac:macro")
        and (attr(previous, "ac:name") or "").lower() in ("children", "pagetree")
    )
    return conv.emit.comment("") + "\n\n" if is_list else ""


def render_tree(conv: Converter, items: tuple[TreeItem, ...]) -> str:
    """A nested bulleted list of links."""
    lines = []
    for item in items:
        text = conv.emit.link(conv.emit.escape(item.title), item.link)
        sub = render_tree(conv, item.children) if item.children else ""
        lines.append(conv.emit.list_item("-", text + ("\n" + sub if sub else "")))
    return "\n".join(lines)


_DYNAMIC = (
    "detailssummary", "contentbylabel", "recently-updated", "livesearch", "tasks-report-macro",
    "pagetreesearch", "blog-posts", "popular-labels", "listlabels", "related-labels",
    "recently-updated-dashboard", "create-from-template", "create-space-button", "network",
    "spaces", "space-details", "page-index", "index", "content-report-table", "search",
)  # fmt: skip


@macro(*_DYNAMIC)
def dynamic(conv: Converter, m: Macro) -> str:
    """Macros Confluence computes on view: a visible placeholder says what was there."""
    return not_exported(conv, m)
