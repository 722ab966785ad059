"""The macro registry: a Confluence macro or storage element is one decorated function.

``@macro("info", "note")`` registers a handler for ``ac:structured-macro`` (and legacy
``ac:macro``) by ``ac:name``; ``@element("ac:link")`` one for a storage element. Handlers get the
converter (typed as :class:`~exporter.convert.protocol.Converter`) and return Markdown. The
registry is a leaf: the macro modules fill it when ``exporter.convert.macros`` is imported, and
:mod:`exporter.convert.macros.dispatch` routes a macro element to its handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.parse import attr, plain_text, tag_of

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["ELEMENTS", "MACROS", "Macro", "element", "macro", "parse_macro"]

ElementHandler = Callable[["Converter", etree._Element], str]
MacroHandler = Callable[["Converter", "Macro"], str]

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
