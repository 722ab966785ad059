"""Which storage elements are blocks: the one rule the walker, the lists and the embeds share.

A block renders with blank lines around it; an inline element flows with the text. Images and
macros depend on their parent (inside a paragraph they flow, outside one they stand alone).
"""

from __future__ import annotations

from lxml import etree

from exporter.convert.parse import attr, names, tag_of

__all__ = ["BLOCK_TAGS", "FILE_MACROS", "INLINE_MACROS", "is_block"]

BLOCK_TAGS = names(
    "p div section article aside header footer main nav figure figcaption blockquote pre ul ol "
    "li dl dt dd table thead tbody tfoot tr td th caption colgroup col h1 h2 h3 h4 h5 h6 hr "
    "ac:task-list ac:task ac:layout ac:layout-section ac:layout-cell ac:adf-extension "
    "ac:rich-text-body ac:plain-text-body ac:image-block root body html"
)
_INLINE_PARENTS = names("p span strong b em i u s del sub sup a code h1 h2 h3 h4 h5 h6 font")
INLINE_MACROS = names(
    "status jira anchor emoticon mention view-file viewpdf viewdoc viewxls viewppt "
    "profile-picture profile cheese eazy-math-inline easy-math-inline mathinline math-inline "
    "mathjax-inline"
)
# File embeds flow with the text inside a paragraph and are blocks of their own outside one.
FILE_MACROS = names("view-file viewfile viewpdf viewdoc viewxls viewppt multimedia widget")


def is_block(el: etree._Element | None) -> bool:
    """Whether an element renders as its own block (blank lines around it)."""
    if el is None:
        return False
    tag = tag_of(el)
    if tag in BLOCK_TAGS:
        return True
    if tag == "ac:image":
        # An image outside a paragraph is a block of its own (Cloud's editor writes them so).
        parent = el.getparent()
        return parent is not None and tag_of(parent) not in _INLINE_PARENTS
    if tag == "ac:structured-macro" or tag == "ac:macro":
        name = (attr(el, "ac:name") or "").lower()
        if name in INLINE_MACROS and name not in FILE_MACROS:
            return False
        # A macro inside a paragraph or inline markup flows with the text around it.
        parent = el.getparent()
        return parent is None or tag_of(parent) not in _INLINE_PARENTS
    return False
