"""The macro registry: a Confluence macro or storage element is one decorated function.

``@macro("info", "note")`` registers a handler for ``ac:structured-macro`` (and legacy
``ac:macro``) by ``ac:name``; ``@element("ac:link")`` one for a storage element. Handlers get the
converter and return Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.parse import attr, plain_text, tag_of
from exporter.warnings import UNKNOWN_MACRO

if TYPE_CHECKING:
    from exporter.convert.converter import StorageConverter

__all__ = ["ELEMENTS", "MACROS", "Macro", "element", "macro", "parse_macro"]

ElementHandler = Callable[["StorageConverter", etree._Element], str]
MacroHandler = Callable[["StorageConverter", "Macro"], str]

ELEMENTS: dict[str, ElementHandler] = {}
MACROS: dict[str, MacroHandler] = {}


def element(*tags: str) -> Callable[[ElementHandler], ElementHandler]:
    """Register a handler for storage elements by prefixed name (``ac:link``)."""

    def register(fn: ElementHandler) -> ElementHandler:
        for tag in tags:
            ELEMENTS[tag] = fn
        return fn

    return register


def macro(*names: str) -> Callable[[MacroHandler], MacroHandler]:
    """Register a handler for macros by ``ac:name`` (case-insensitive)."""

    def register(fn: MacroHandler) -> MacroHandler:
        for name in names:
            MACROS[name.lower()] = fn
        return fn

    return register


@dataclass(frozen=True, slots=True)
class Macro:
    """One macro occurrence: its name, parameters and body."""

    name: str
    el: etree._Element
    params: dict[str, etree._Element]
    body: etree._Element | None  # ac:rich-text-body
    plain: str | None  # ac:plain-text-body (CDATA), verbatim

    def param(self, key: str, default: str | None = None) -> str | None:
        """A parameter's text, stripped; ``default`` when absent or empty."""
        el = self.params.get(key)
        if el is None:
            return default
        value = plain_text(el).strip()
        return value or default

    def flag(self, key: str) -> bool:
        """Whether a boolean parameter is set to true."""
        return (self.param(key) or "").lower() == "true"


def parse_macro(el: etree._Element) -> Macro:
    """Read a ``ac:structured-macro``/``ac:macro`` element into a :class:`Macro`."""
    params: dict[str, etree._Element] = {}
    body = None
    plain = None
    for child in el:
        tag = tag_of(child)
        if tag == "ac:parameter":
            params[attr(child, "ac:name") or ""] = child
        elif tag == "ac:default-parameter":
            params.setdefault("", child)
        elif tag == "ac:rich-text-body":
            body = child
        elif tag == "ac:plain-text-body":
            plain = child.text or ""
    name = (attr(el, "ac:name") or "").strip().lower()
    return Macro(name=name, el=el, params=params, body=body, plain=plain)


@element("ac:structured-macro", "ac:macro")
def structured_macro(conv: StorageConverter, el: etree._Element) -> str:
    """Dispatch a macro to its handler, or keep an unknown macro's body with its name."""
    m = parse_macro(el)
    handler = MACROS.get(m.name)
    if handler is None:
        return unknown_macro(conv, m)
    return handler(conv, m)


@element("ac:*")
def unknown_element(conv: StorageConverter, el: etree._Element) -> str:
    """A storage element we do not know: its content, never its tag."""
    return conv.children(el)


def unknown_macro(conv: StorageConverter, m: Macro) -> str:
    """An unknown macro: its body kept under a comment naming it, a warning recorded; one with
    nothing to keep leaves a visible placeholder instead."""
    from exporter.convert.converter import is_block
    from exporter.convert.macros.placeholder import display_name, placeholder

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
