"""The visible stand-in for a macro the export cannot render, and the warning that goes with it.

One home, so a later rendered view of a macro (a static Page Properties Report, say) replaces
``not_exported`` for that macro's name and nothing else changes. A placeholder is always
visible text (a callout, or emphasis inside a table cell), never only an HTML comment, so a
section that held a report does not silently turn empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exporter.convert.macros.registry import Macro
from exporter.convert.nodes import is_block
from exporter.warnings import MACRO_NOT_EXPORTED, UNKNOWN_MACRO

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["DISPLAY_NAMES", "display_name", "not_exported", "placeholder", "unknown_macro"]

# Names as Confluence's macro browser shows them.
DISPLAY_NAMES = {
    "detailssummary": "Page Properties Report",
    "contentbylabel": "Content by Label",
    "recently-updated": "Recently Updated",
    "recently-updated-dashboard": "Recently Updated Dashboard",
    "livesearch": "Live Search",
    "tasks-report-macro": "Task Report",
    "pagetreesearch": "Page Tree Search",
    "blog-posts": "Blog Posts",
    "popular-labels": "Popular Labels",
    "listlabels": "Labels List",
    "related-labels": "Related Labels",
    "create-from-template": "Create from Template",
    "create-space-button": "Create Space Button",
    "network": "Network",
    "spaces": "Spaces List",
    "space-details": "Space Details",
    "page-index": "Page Index",
    "index": "Index",
    "content-report-table": "Content Report Table",
    "search": "Search",
}


def display_name(name: str) -> str:
    """The macro's name as Confluence shows it, or ``<name> macro`` for one we do not know."""
    return DISPLAY_NAMES.get(name) or f"{name or '?'} macro"


def placeholder(conv: Converter, label: str, why: str, *, inline: bool = False) -> str:
    """``<label>: not exported`` as a callout (emphasis inline or in a cell), ``why`` as its body.

    No link to the page in Confluence: links into the export stay relative (the page's
    ``source_url`` front matter, shown by the site, is that link).
    """
    head = f"{label}: not exported"
    if inline or conv.state.cell or conv.state.plain:
        return f"*{conv.emit.escape(head)}*"
    body = conv.emit.escape(why)
    nested = bool(conv.state.callout or conv.state.list_depth or conv.state.in_table)
    return "\n\n" + conv.emit.callout("info", head, body, None, nested) + "\n\n"


def not_exported(conv: Converter, m: Macro) -> str:
    """A macro Confluence computes when the page is viewed: a placeholder and a warning."""
    label = display_name(m.name)
    conv.state.warn(MACRO_NOT_EXPORTED, f"macro '{m.name}' ({label}) not exported: Confluence "
                    "computes it on view")  # fmt: skip
    why = "Confluence computes this content when the page is viewed; open the page there to see it."
    return placeholder(conv, label, why)


def unknown_macro(conv: Converter, m: Macro) -> str:
    """An unknown macro: its body kept under a comment naming it, a warning recorded; one with
    nothing to keep leaves a visible placeholder instead."""
    name = m.name or "?"
    conv.state.warn(UNKNOWN_MACRO, f"unknown macro '{name}'")
    note = conv.emit.comment(f"confluence macro: {name}")
    plain = (m.plain or "").strip("\n")
    why = "The exporter has no rendering for this macro."
    if not is_block(m.el) or conv.state.cell:
        if m.body is not None:
            inner = conv.inline(m.body)
        else:
            inner = conv.code_span(" ".join(plain.split())) if plain.strip() else ""
        if not inner.strip():
            return placeholder(conv, display_name(name), why, inline=True)
        return f"{note} {inner}".rstrip()
    if m.body is not None:
        body = conv.children(m.body).strip("\n")
        if body:
            return f"\n\n{note}\n\n{body}\n\n"
    elif plain.strip():
        return f"\n\n{note}\n\n" + conv.emit.code_block(plain, "") + "\n\n"
    return placeholder(conv, display_name(name), why)
