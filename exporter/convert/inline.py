"""Inline marks (strong, emphasis, strike, code, ...) and the delimiter rules they need.

CommonMark only honours ``**`` or ``~~`` when they "flank" their text properly and do not run
into a neighbour's delimiters, so the mixin falls back to HTML tags where Markdown delimiters
would not parse as intended (``**‘x’**을``, two adjacent bold runs, adjacent code spans).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.parse import plain_text, tag_of

if TYPE_CHECKING:
    from exporter.convert.emitter import Emitter
    from exporter.convert.state import ConversionState

__all__ = ["InlineMarks"]

_WS = re.compile(r"[\t\r\n ]+")
_BACKTICKS = re.compile(r"`+")
_ENTITY_LIKE = re.compile(r"&(?:#|[0-9A-Za-z]|$)")
# Characters that take no room: dropped at a mark's edges, where they would only stop the
# delimiter from flanking its text (Confluence's editor leaves them after pasted text).
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_EDGE = re.compile(f"^([ \u00a0{_ZERO_WIDTH}]*)(.*?)([ \u00a0{_ZERO_WIDTH}]*)$", re.S)


def chomp(text: str) -> tuple[str, str, str]:
    """Split a mark's content into (space before, text, space after).

    Spaces move outside the delimiters (``** x**`` would not parse). A non-breaking space
    stays one, so ``<strong>Port&nbsp;</strong>8080`` keeps its gap; zero-width characters at
    the edges are dropped.
    """
    match = _EDGE.match(text)
    if match is None:  # pragma: no cover - the pattern matches every string
        return "", "", text
    return _edge_space(match.group(1)), _edge_space(match.group(3)), match.group(2)


def _edge_space(run: str) -> str:
    if "\u00a0" in run:
        return "\u00a0"
    return " " if " " in run else ""


class InlineMarks:
    """Converter methods for inline markup; mixed into ``StorageConverter``."""

    state: ConversionState
    emit: Emitter

    def children(self, el: etree._Element) -> str:
        raise NotImplementedError

    def wrap(self, el: etree._Element, mark: str, close: str | None = None) -> str:
        """Inline markup around the element's content, spaces moved outside the markers.

        CommonMark ignores ``**`` that sits between punctuation and a letter (``**‘x’**을``),
        so there the HTML tag is used instead.
        """
        prefix, suffix, text = chomp(self.children(el).replace("\n\n", " "))
        if not text:
            return prefix or suffix
        if close is None:
            touching = not prefix and _touches_marks(el, mark[0])
            if touching or self.emit.commonmark and _unflanked(el, text, prefix, suffix, mark[0]):
                tag = _HTML_MARKS[mark]
                return f"{prefix}<{tag}>{text}</{tag}>{suffix}"
            close = mark
        return f"{prefix}{mark}{text}{close}{suffix}"

    def convert_strong(self, el: etree._Element) -> str:
        state = self.state
        if state.strong or state.heading:
            return self.children(el)
        state.strong += 1
        try:
            return self.wrap(el, "**")
        finally:
            state.strong -= 1

    convert_b = convert_strong

    def convert_em(self, el: etree._Element) -> str:
        state = self.state
        if state.em:
            return self.children(el)
        state.em += 1
        try:
            return self.wrap(el, "*")
        finally:
            state.em -= 1

    convert_i = convert_cite = convert_em

    def convert_s(self, el: etree._Element) -> str:
        state = self.state
        if state.strike:
            return self.children(el)
        state.strike += 1
        try:
            return self.wrap(el, "~~")
        finally:
            state.strike -= 1

    convert_del = convert_strike = convert_s

    def convert_u(self, el: etree._Element) -> str:
        return self.wrap(el, "<u>", "</u>")

    convert_ins = convert_u

    def convert_sub(self, el: etree._Element) -> str:
        return self.wrap(el, "<sub>", "</sub>")

    def convert_sup(self, el: etree._Element) -> str:
        return self.wrap(el, "<sup>", "</sup>")

    def convert_span(self, el: etree._Element) -> str:
        style = (el.get("style") or "").replace(" ", "").lower()
        if "line-through" in style:
            return self.convert_s(el)
        if "underline" in style:
            return self.convert_u(el)
        if "background-color" in style and plain_text(el).strip():
            return self.wrap(el, "<mark>", "</mark>")
        return self.children(el)

    convert_font = convert_small = convert_big = convert_abbr = convert_q = convert_span

    def code_span(self, text: str) -> str:
        """An inline code span whose delimiter is longer than any backtick run inside."""
        if not self.emit.commonmark and _ENTITY_LIKE.search(text) and not self.state.cell:
            # Python-Markdown decodes "&#1"-like text even inside code spans.
            return "<code>" + _PUNCT_REFS.sub(_char_ref, text) + "</code>"
        longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
        tick = "`" * (longest + 1)
        if longest or text.startswith(" ") or text.endswith(" "):
            text = f" {text} "
        if self.state.cell:
            text = text.replace("|", "\\|")
        return f"{tick}{text}{tick}"

    def convert_code(self, el: etree._Element) -> str:
        if self.state.pre:
            return plain_text(el)
        text = _WS.sub(" ", plain_text(el))
        prefix, suffix, text = chomp(text)
        if not text:
            return prefix or suffix
        if not prefix and _touches_marks(el, "`") and not self.state.cell:
            return "<code>" + _PUNCT_REFS.sub(_char_ref, text) + "</code>" + suffix
        return prefix + self.code_span(text) + suffix

    convert_kbd = convert_samp = convert_tt = convert_var = convert_code


_PUNCT_REFS = re.compile(r"[!-/:-@\[-`{-~]")


def _char_ref(match: re.Match[str]) -> str:
    return f"&#{ord(match.group(0))};"


_HTML_MARKS = {"**": "strong", "*": "em", "~~": "del"}


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


_DELIMITERS = {"strong": "*", "b": "*", "em": "*", "i": "*", "cite": "*", "s": "~", "del": "~",
               "strike": "~", "code": "`", "kbd": "`", "samp": "`", "tt": "`", "var": "`"}  # fmt: skip


def _touches_marks(el: etree._Element, char: str) -> bool:
    """Whether the element directly follows one whose delimiters use the same character."""
    previous = el.getprevious()
    return previous is not None and not previous.tail and _DELIMITERS.get(tag_of(previous)) == char


def _unflanked(el: etree._Element, text: str, prefix: str, suffix: str, char: str) -> bool:
    """Whether ``char`` delimiter runs around ``text`` would not parse as intended.

    True when CommonMark's flanking rules reject them (punctuation inside, a letter outside)
    or when a literal ``char`` (an unescaped tilde) sits next to them and would lengthen the run.
    """
    if char == "~" and "~" in (text[0], text[-1]):
        return True
    tail = "" if suffix else (el.tail or "")
    if tail and (tail[0] == char or (_is_punctuation(text[-1]) and _is_letter(tail[0]))):
        return True
    if prefix:
        return False
    previous = el.getprevious()
    parent = el.getparent()
    if previous is not None:
        before = previous.tail or ""
    else:
        before = (parent.text if parent is not None else None) or ""
    return bool(before) and (
        before[-1] == char or (_is_punctuation(text[0]) and _is_letter(before[-1]))
    )


def _is_letter(char: str) -> bool:
    return not char.isspace() and not _is_punctuation(char)
