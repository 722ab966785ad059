"""The tree walker: storage elements to Markdown text, HTML elements handled here.

``StorageConverter`` keeps markdownify's model (every element becomes a string; block strings
carry blank lines at their edges that the parent collapses) but walks the lxml tree directly:
building a BeautifulSoup tree costs more than our whole conversion. ``ac:``/``ri:`` elements
and macros are dispatched to the registry in :mod:`exporter.convert.macros`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree
from markdownify import MarkdownConverter

from exporter.convert.blocks import finish_inline, join_blocks, quote_lines, too_deep
from exporter.convert.inline import InlineMarks
from exporter.convert.parse import attr, names, parse_storage, plain_text, tag_of
from exporter.convert.state import BREAK, PARAGRAPH, ConversionState
from exporter.warnings import MALFORMED_STORAGE

if TYPE_CHECKING:
    from collections.abc import Callable

    Handler = Callable[["StorageConverter", etree._Element], str]

__all__ = ["BLOCK_TAGS", "FILE_MACROS", "StorageConverter", "is_block"]

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
_WS = re.compile(r"[\t\r\n ]+")
_CLOSING_HASHES = re.compile(r"(\s)(#+)$")
_NON_TAG = ("", "#comment")


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


class StorageConverter(InlineMarks, MarkdownConverter):
    """Converts one parsed storage body; all per-page facts live in ``state``."""

    def __init__(self, state: ConversionState) -> None:
        super().__init__(heading_style="atx", bullets="-")
        self.state = state
        self.emit = state.emitter
        self._cache: dict[str, Handler] = {}

    # --- driving ------------------------------------------------------------------------------
    def convert(self, html: str) -> str:
        """Markdown of a page's storage body; one that is not XML is read anyway, with a warning."""
        return self.children(parse_storage(html, self._recovered))

    def _recovered(self, what: str) -> None:
        self.state.warn(MALFORMED_STORAGE, f"{what}; check the page in Confluence")

    def node(self, el: etree._Element) -> str:
        """Markdown of one element and its subtree (its tail excluded)."""
        tag = tag_of(el)
        handler = self._cache.get(tag)
        if handler is None:
            handler = self._lookup(tag)
            self._cache[tag] = handler
        return handler(self, el)

    def _lookup(self, tag: str) -> Handler:
        from exporter.convert.macros import ELEMENTS

        if tag in ELEMENTS:
            return ELEMENTS[tag]
        if tag in _NON_TAG:
            return _nothing
        name = "convert_" + re.sub(r"[:\-\[\]]", "_", tag)
        method = getattr(type(self), name, None)
        # markdownify's own handlers take other arguments (text, parent_tags): never call them.
        if method is not None and method is not getattr(MarkdownConverter, name, None):
            return method
        if tag.startswith("ri:"):
            return ELEMENTS["ri:*"]
        if tag.startswith(("ac:", "at:")):
            return ELEMENTS["ac:*"]
        return _passthrough

    def children(self, el: etree._Element) -> str:
        """Markdown of an element's content: its text, children and their tails."""
        state = self.state
        kids = [k for k in el if isinstance(k.tag, str)]
        text = el.text
        if not kids:
            if not text:
                return ""
            edge = is_block(el)
            return self.text(text, edge, edge)
        parent_block = is_block(el)
        flags = [is_block(k) for k in kids]
        parts: list[str] = []
        if text:
            parts.append(self.text(text, parent_block, flags[0]))
        last = len(kids) - 1
        for i, kid in enumerate(kids):
            parts.append(self.node(kid))
            tail = kid.tail
            if tail:
                after = flags[i] or kid.tag == "br"
                parts.append(self.text(tail, after, parent_block if i == last else flags[i + 1]))
        if state.pre:
            return "".join(parts)
        for i in range(len(parts) - 1):
            # "!" right before a link would turn it into an image (or an Obsidian embed).
            if parts[i].endswith("!") and parts[i + 1].startswith("[") and not state.code:
                parts[i] = parts[i][:-1] + "\\!"
        return join_blocks(parts)

    def text(self, text: str, after_block: bool, before_block: bool) -> str:
        """One run of character data: whitespace collapsed, syntax escaped."""
        state = self.state
        if state.pre:
            return text
        if "\n" in text or "  " in text or "\t" in text or "\r" in text:
            text = _WS.sub(" ", text)
        if after_block:
            text = text.lstrip(" ")
        if before_block:
            text = text.rstrip(" ")
        if not text or text == " ":
            return text
        if state.code:
            return text
        text = self.emit.escape(text)
        if after_block:
            text = self.emit.escape_line_starts(text)
        if state.cell:
            text = text.replace("|", "\\|")
        return text

    def inline(self, el: etree._Element) -> str:
        """The element's content as one paragraph's inline text, edges trimmed."""
        return finish_inline(self.children(el))

    # --- blocks -------------------------------------------------------------------------------
    def convert_p(self, el: etree._Element) -> str:
        text = self.inline(el)
        if not text:
            return ""
        state = self.state
        if state.cell:
            return " " + text + PARAGRAPH
        if state.heading:
            return " " + text + " "
        edge = "\n" if state.tight else "\n\n"
        return edge + self.emit.escape_line_starts(text) + edge

    def convert_block(self, el: etree._Element) -> str:
        body = self.children(el).strip("\n")
        if self.state.cell or self.state.heading:
            return " " + body.strip() + " "
        return "\n\n" + body + "\n\n" if body else ""

    convert_div = convert_section = convert_article = convert_main = convert_aside = convert_block
    convert_header = convert_footer = convert_nav = convert_figure = convert_body = convert_block
    convert_html = convert_root = convert_ac_rich_text_body = convert_figcaption = convert_block
    convert_dl = convert_caption = convert_block
    # Rows and cells outside a <table> (tables render whole in macros/tables.py): blocks.
    convert_tr = convert_td = convert_th = convert_thead = convert_tbody = convert_block
    convert_tfoot = convert_block

    def convert_dt(self, el: etree._Element) -> str:
        text = self.inline(el)
        return f"\n\n**{text}**\n\n" if text else ""

    def convert_dd(self, el: etree._Element) -> str:
        return self.convert_block(el)

    def convert_hn(self, el: etree._Element, level: int) -> str:
        state = self.state
        state.heading += 1
        try:
            text = self.inline(el).replace("\n", " ").replace(BREAK, " ")
        finally:
            state.heading -= 1
        if not text.strip():
            return ""
        if state.cell:
            return f" **{text}** "
        text = _CLOSING_HASHES.sub(r"\1\\\2", text)
        state.headings.append((level, text))
        return "\n\n" + "#" * min(6, level + self.emit.heading_shift) + " " + text + "\n\n"

    def convert_h1(self, el: etree._Element) -> str:
        return self.convert_hn(el, 1)

    def convert_h2(self, el: etree._Element) -> str:
        return self.convert_hn(el, 2)

    def convert_h3(self, el: etree._Element) -> str:
        return self.convert_hn(el, 3)

    def convert_h4(self, el: etree._Element) -> str:
        return self.convert_hn(el, 4)

    def convert_h5(self, el: etree._Element) -> str:
        return self.convert_hn(el, 5)

    def convert_h6(self, el: etree._Element) -> str:
        return self.convert_hn(el, 6)

    def convert_blockquote(self, el: etree._Element) -> str:
        state = self.state
        state.quote_depth += 1
        try:
            body = self.children(el).strip("\n")
        finally:
            state.quote_depth -= 1
        if not body:
            return ""
        if state.cell or state.heading:
            return " " + body + " "
        if too_deep(self, quote=True):
            return "\n\n" + body + "\n\n"
        return "\n\n" + quote_lines(body) + "\n\n"

    def convert_pre(self, el: etree._Element) -> str:
        code = plain_text(el).strip("\n")
        if not code.strip():
            return ""
        if self.state.cell:
            return " " + self.code_span(code.replace("\n", " ")) + " "
        return "\n\n" + self.emit.code_block(code, "") + "\n\n"

    def convert_hr(self, el: etree._Element) -> str:
        return " " if self.state.cell else "\n\n---\n\n"

    def convert_br(self, el: etree._Element) -> str:
        state = self.state
        if state.cell:
            return "<br />" if self.emit.mdx else "<br>"
        if state.heading:
            return " "
        return BREAK + "\n"

    # --- inline -------------------------------------------------------------------------------
    def convert_time(self, el: etree._Element) -> str:
        return self.emit.escape(el.get("datetime") or plain_text(el))

    def convert_a(self, el: etree._Element) -> str:
        from exporter.convert.macros.links import html_link

        return html_link(self, el)

    def convert_img(self, el: etree._Element) -> str:
        from exporter.convert.macros.links import html_image

        return html_image(self, el)

    def convert_script(self, el: etree._Element) -> str:
        return ""

    convert_style = convert_colgroup = convert_col = convert_script

    def convert_ul(self, el: etree._Element) -> str:
        from exporter.convert.macros.lists import render_list

        return render_list(self, el, ordered=False)

    def convert_ol(self, el: etree._Element) -> str:
        from exporter.convert.macros.lists import render_list

        return render_list(self, el, ordered=True)

    def convert_li(self, el: etree._Element) -> str:
        return self.convert_block(el)

    def convert_table(self, el: etree._Element) -> str:
        from exporter.convert.macros.tables import render_table

        return render_table(self, el)


def _nothing(conv: StorageConverter, el: etree._Element) -> str:
    return ""


def _passthrough(conv: StorageConverter, el: etree._Element) -> str:
    return conv.children(el)
