"""The mutable facts gathered while converting one page (warnings, attachments, headings).

Only the converter and its macro handlers touch this; what leaves the package is the frozen
``ConvertedPage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from exporter.warnings import NESTING_FLATTENED

if TYPE_CHECKING:
    from exporter.convert.emitter import Emitter
    from exporter.convert.resolve import PageRef, Resolver

__all__ = ["MAX_LIST_DEPTH", "MAX_QUOTE_DEPTH", "ConversionState"]

# Markdown renderers give up on deep nesting: markdown-it (the site) drops the text of lists
# nested 10 deep and of quotes nested 20 deep (its maxNesting of 20 counts a list level twice).
# Past these depths the converter flattens, so the text still renders.
MAX_LIST_DEPTH = 8
MAX_QUOTE_DEPTH = 16
_NESTING_BUDGET = 18


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

    def too_deep(self, *, quote: bool = False) -> bool:
        """Whether one more list (or quote) level would pass what renderers parse; warns once."""
        lists = self.list_depth + (0 if quote else 1)
        quotes = self.quote_depth + (1 if quote else 0)
        if (
            lists <= MAX_LIST_DEPTH
            and quotes <= MAX_QUOTE_DEPTH
            and 2 * lists + quotes <= _NESTING_BUDGET
        ):
            return False
        self.warn(
            NESTING_FLATTENED,
            f"lists nested over {MAX_LIST_DEPTH} or quotes over {MAX_QUOTE_DEPTH} levels deep "
            "were flattened so that Markdown renderers still show their text",
        )
        return True
