"""What a macro handler may ask of the converter: the ``Converter`` Protocol.

Handlers in :mod:`exporter.convert.macros` are typed against this, never against
``StorageConverter`` itself, so the macro modules do not import the walker that dispatches to
them (the walker imports the registry, the registry never imports back).
"""

from __future__ import annotations

from typing import Protocol

from lxml import etree

from exporter.convert.emitter import Emitter
from exporter.convert.state import ConversionState

__all__ = ["Converter"]


class Converter(Protocol):
    """One page's conversion as macro handlers see it: its state, its emitter, the walk."""

    state: ConversionState
    emit: Emitter

    def node(self, el: etree._Element) -> str:
        """Markdown of one element and its subtree (its tail excluded)."""
        ...

    def children(self, el: etree._Element) -> str:
        """Markdown of an element's content: its text, children and their tails."""
        ...

    def inline(self, el: etree._Element) -> str:
        """The element's content as one paragraph's inline text, edges trimmed."""
        ...

    def code_span(self, text: str) -> str:
        """An inline code span whose delimiter is longer than any backtick run inside."""
        ...
