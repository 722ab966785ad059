"""The tree walker: storage elements to Markdown text, HTML elements handled here.

``StorageConverter`` follows markdownify's model (every element becomes a string; block strings
carry blank lines at their edges that the parent collapses) but walks the lxml tree itself:
building a BeautifulSoup tree costs more than our whole conversion. markdownify converts HTML
that Confluence renders (:mod:`exporter.convert.rendered`). ``ac:``/``ri:`` elements and macros
are dispatched to the registry in :mod:`exporter.convert.macros`, whose handlers see this class
only as the :class:`~exporter.convert.protocol.Converter` Protocol.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from exporter.convert.blocks import finish_inline, join_blocks, quote_lines
from exporter.convert.inline import InlineMarks
from exporter.convert.macros import ELEMENTS
from exporter.convert.macros.embeds import html_image
from exporter.convert.macros.links import html_link
from exporter.convert.macros.lists import render_list
from exporter.convert.macros.tables import render_table
from exporter.convert.marks import BREAK, PARAGRAPH
from exporter.convert.nodes import is_block
from exporter.convert.parse import NotStreamable, parse_storage, plain_text, stream_storage, tag_of
from exporter.convert.state import ConversionState
from exporter.warnings import MALFORMED_STORAGE

__all__ = ["STREAM_MIN_CHARS", "NotStreamable", "StorageConverter"]

# Bodies this long (characters) are converted as they are parsed (bench/convert_large.py).
STREAM_MIN_CHARS = 1_000_000

Handler = Callable[["StorageConverter", etree._Element], str]

_WS = re.compile(r"[\t\r\n ]+")
_CLOSING_HASHES = re.compile(r"(\s)(#+)$")
_NON_TAG = ("", "#comment")


class StorageConverter(InlineMarks):
    """Converts one parsed storage body; all per-page facts live in ``state``."""

    def __init__(self, state: ConversionState) -> None:
        self.state = state
        self.emit = state.emitter
        self._cache: dict[str, Handler] = {}

    # --- driving ------------------------------------------------------------------------------
    def convert(self, html: str, *, stream: bool = False) -> str:
        """Markdown of a page's storage body; one that is not XML is read anyway, with a warning.

        ``stream``: convert top-level blocks as they are parsed, so a huge body never stands
        as one tree (the same Markdown; :class:`NotStreamable` when the body needs the
        forgiving whole-tree parse: start over with a fresh state and ``stream=False``).
        """
        if stream:
            return self._streamed(html)
        return self.children(parse_storage(html, self._recovered))

    def _streamed(self, html: str) -> str:
        """:meth:`children` of the root, one top-level element at a time as the parser
        reaches the next one; each converted element leaves the tree once the one after it
        is converted (handlers look at their previous sibling)."""
        parts: list[str] = []
        done: etree._Element | None = None  # converted, kept as the next one's previous sibling
        current: etree._Element | None = None  # complete once the next one starts
        current_block = False
        for root, el in stream_storage(html):
            following = is_block(el) if el is not None else True  # the root is a block
            if current is None:
                if root.text:
                    parts.append(self.text(root.text, True, following))
            else:
                parts.append(self.node(current))
                tail = current.tail
                if tail:
                    after = current_block or current.tag == "br"
                    parts.append(self.text(tail, after, following))
                if done is not None:
                    root.remove(done)
                done = current
            current, current_block = el, following
        if len(parts) == 1 and done is None:
            return parts[0]  # text without elements: children() returns it as it is
        return self._joined(parts)

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
        if tag in ELEMENTS:
            return ELEMENTS[tag]
        if tag in _NON_TAG:
            return _nothing
        name = "convert_" + re.sub(r"[:\-\[\]]", "_", tag)
        method: Handler | None = getattr(type(self), name, None)
        if method is not None:
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
        return self._joined(parts)

    def _joined(self, parts: list[str]) -> str:
        for i in range(len(parts) - 1):
            # "!" right before a link would turn it into an image (or an Obsidian embed).
            if parts[i].endswith("!") and parts[i + 1].startswith("[") and not self.state.code:
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
        if state.too_deep(quote=True):
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
        return html_link(self, el)

    def convert_img(self, el: etree._Element) -> str:
        return html_image(self, el)

    def convert_script(self, el: etree._Element) -> str:
        return ""

    convert_style = convert_colgroup = convert_col = convert_script

    def convert_ul(self, el: etree._Element) -> str:
        return render_list(self, el, ordered=False)

    def convert_ol(self, el: etree._Element) -> str:
        return render_list(self, el, ordered=True)

    def convert_li(self, el: etree._Element) -> str:
        return self.convert_block(el)

    def convert_table(self, el: etree._Element) -> str:
        return render_table(self, el)


def _nothing(conv: StorageConverter, el: etree._Element) -> str:
    return ""


def _passthrough(conv: StorageConverter, el: etree._Element) -> str:
    return conv.children(el)
