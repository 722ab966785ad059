"""Panels (info, note, tip, warning, panel), expand, and the newer editor's ADF extensions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.macros.registry import Macro, element, macro
from exporter.convert.parse import attr, plain_text, tag_of

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["adf_extension", "expand", "panel"]


def callout(conv: Converter, kind: str, title: str | None, body_el: etree._Element | None,
            fold: bool | None = None) -> str:  # fmt: skip
    """Render a body as a callout of a Confluence panel kind."""
    state = conv.state
    nested = bool(state.callout or state.list_depth or state.in_table)
    state.callout += 1
    state.quote_depth += 1
    try:
        body = conv.children(body_el).strip("\n") if body_el is not None else ""
    finally:
        state.callout -= 1
        state.quote_depth -= 1
    if state.cell:
        text = " ".join(part for part in (f"**{title}**" if title else "", body) if part)
        return f" {text} "
    if conv.state.too_deep(quote=True) and not conv.state.cell:
        heading = f"**{title}**" if title else ""
        return "\n\n" + "\n\n".join(part for part in (heading, body) if part) + "\n\n"
    return "\n\n" + conv.emit.callout(kind, title, body, fold, nested) + "\n\n"


@macro("info", "note", "tip", "warning")
def panel(conv: Converter, m: Macro) -> str:
    """info→note/info, tip→tip, note→warning, warning→caution/danger (ecosystem.md B1)."""
    return callout(conv, m.name, m.param("title"), m.body)


@macro("panel")
def custom_panel(conv: Converter, m: Macro) -> str:
    """A generic panel: a neutral callout, titled, its icon text kept in the title."""
    title = m.param("title")
    icon = m.param("panelIconText")
    if icon:
        title = f"{icon} {title}" if title else icon
    return callout(conv, "panel", title, m.body)


@macro("success", "error")
def status_panel(conv: Converter, m: Macro) -> str:
    """Panels some apps store as macros named after the newer editor's panel types."""
    return callout(conv, m.name, m.param("title"), m.body)


@macro("expand", "ui-expand")
def expand(conv: Converter, m: Macro) -> str:
    """A collapsible section; Confluence's default title when none was given."""
    title = m.param("title") or "Click here to expand..."
    state = conv.state
    if state.cell:
        return callout(conv, "panel", title, m.body)
    body = conv.children(m.body).strip("\n") if m.body is not None else ""
    return "\n\n" + conv.emit.details(title, body) + "\n\n"


@element("ac:adf-extension")
def adf_extension(conv: Converter, el: etree._Element) -> str:
    """Render the ADF node from its content; its fallback only when the node is unknown."""
    node = _first(el, "ac:adf-node")
    if node is not None:
        rendered = adf_node(conv, node)
        if rendered is not None:
            return rendered
    fallback = _first(el, "ac:adf-fallback")
    if fallback is not None:
        return "\n\n" + conv.children(fallback).strip("\n") + "\n\n"
    return ""


def adf_node(conv: Converter, node: etree._Element) -> str | None:
    """Markdown for a known ADF node type; None when the type is unknown."""
    kind = attr(node, "type") or ""
    attrs = _attributes(node)
    if kind == "panel":
        panel_type = attrs.get("panel-type", "info")
        if panel_type not in ("info", "note", "tip", "warning", "success", "error"):
            panel_type = "panel"
        # ADF's own names are literal colours: its "note" is purple, "warning" orange.
        mapped = {"note": "info", "warning": "note", "error": "warning"}.get(panel_type, panel_type)
        title = attrs.get("title")
        # A custom panel's emoji icon: its character, else its :shortname:.
        icon = attrs.get("panel-icon-text") or attrs.get("panel-icon") or ""
        if icon and mapped == "panel":
            title = f"{icon} {title}" if title else icon
        return callout(conv, mapped, title, _first(node, "ac:adf-content"))
    if kind == "decision-list":
        items = []
        for item in node:
            if tag_of(item) == "ac:adf-node" and attr(item, "type") == "decision-item":
                state = _attributes(item).get("state", "DECIDED")
                content = _first(item, "ac:adf-content")
                text = conv.inline(content) if content is not None else ""
                mark = "✅" if state.upper() == "DECIDED" else "❓"
                items.append(f"- {mark} {text}".rstrip())
        return "\n\n" + "\n".join(items) + "\n\n" if items else ""
    content = _first(node, "ac:adf-content")
    if kind in ("expand", "nested-expand") and content is not None:
        body = conv.children(content).strip("\n")
        return "\n\n" + conv.emit.details(attrs.get("title") or "Details", body) + "\n\n"
    return None


def _first(el: etree._Element, tag: str) -> etree._Element | None:
    for child in el:
        if tag_of(child) == tag:
            return child
    return None


def _attributes(node: etree._Element) -> dict[str, str]:
    return {
        attr(child, "key") or "": plain_text(child).strip()
        for child in node
        if tag_of(child) == "ac:adf-attribute"
    }
