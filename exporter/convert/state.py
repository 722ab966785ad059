"""The mutable facts gathered while converting one page (warnings, attachments, headings).

Only the converter and its macro handlers touch this; what leaves the package is the frozen
``ConvertedPage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exporter.convert.flavors import Emitter
    from exporter.convert.resolve import PageRef, Resolver

__all__ = ["ANCHOR_MARK", "BREAK", "PARAGRAPH", "TOC_MARK", "ConversionState"]

BREAK = "\x02"  # a hard line break, spelled per flavor once the page is done
PARAGRAPH = "\x04"  # a paragraph end inside a table cell: <br><br> unless it ends the cell
ANCHOR_MARK = "\x05"  # "\x05<name>\x05" is a same-page anchor, matched to headings at the end
TOC_MARK = "\x03"  # "\x03<n>\x03" stands for the n-th table of contents until headings are known


@dataclass(eq=False)
class ConversionState:
    """Per-page conversion context: flavor, resolver, nesting flags and what was found."""

    emitter: Emitter
    resolver: Resolver
    page: PageRef | None = None
    base_url: str = ""  # the page's web URL: relative links in the body resolve against it
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    attachments: set[str] = field(default_factory=set)
    front_matter: dict[str, object] = field(default_factory=dict)
    headings: list[tuple[int, str]] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)  # names of anchor macros on the page
    # (min level, max level, include regex, exclude regex) of each toc macro
    tocs: list[tuple[int, int, str | None, str | None]] = field(default_factory=list)
    including: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)
    owners: list[PageRef] = field(default_factory=list)  # pages whose included body is converting
    # (space, title, id) of a linked page -> its headings and anchor names (cross-page anchors)
    outlines: dict[tuple[str | None, str | None, str | None], tuple[list[str], set[str]] | None] = (
        field(default_factory=dict)
    )
    pre: int = 0
    code: int = 0
    cell: int = 0
    heading: int = 0
    strong: int = 0
    em: int = 0
    strike: int = 0
    callout: int = 0
    list_depth: int = 0
    quote_depth: int = 0  # blockquotes and callouts around the element being converted
    tight: int = 0
    in_table: int = 0  # inside an HTML table's cell
    plain: int = 0  # rendering a page property's value for front matter: text, no decoration

    def warn(self, code: str, message: str) -> None:
        """Record a warning once per page (codes: ``exporter.warnings``)."""
        if (code, message) not in self.warnings:
            self.warnings.append((code, message))
