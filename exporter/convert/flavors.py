"""Flavor emitters: the only place that knows how gfm, mkdocs, docusaurus and obsidian differ.

Each dialect is one subclass of :class:`~exporter.convert.emitter.Emitter` overriding what it
spells differently from GitHub; adding a dialect is one subclass and one entry in ``_EMITTERS``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from exporter.convert.blocks import fence_for, indent, quote_lines
from exporter.convert.emitter import NAMED_KINDS, STATUS_EMOJI, Emitter, href_escape, title_escape
from exporter.convert.escape import (
    escape_line_starts,
    plain_markdown,
    python_markdown_slug,
    unique_python_markdown,
)
from exporter.convert.resolve import Link
from exporter.models import FLAVORS

__all__ = ["FLAVORS", "STATUS_EMOJI", "Emitter", "emitter_for"]


_DOCUSAURUS_KINDS = dict(NAMED_KINDS, success="tip")
_AMP_LIKE = re.compile(r"&(?=[#A-Za-z0-9])")
_COLON_FENCE = re.compile(r"^(:{3,})", re.M)


class GfmEmitter(Emitter):
    """GitHub Flavored Markdown: alerts, ``<details>``, HTML for sized images."""


class MkdocsEmitter(Emitter):
    """MkDocs Material: admonitions, ``pymdownx.details``, attribute lists, md_in_html."""

    name = "mkdocs"
    hard_break = "  \n"
    list_indent = 4
    commonmark = False

    def heading_id(self, text: str, used: dict[str, int]) -> str:
        return unique_python_markdown(python_markdown_slug(text), used)

    def escape_line_starts(self, text: str) -> str:
        return escape_line_starts(text, loose_headings=True)

    def escape(self, text: str) -> str:
        # Python-Markdown knows no backslash escape for "<", "&" and "~";
        # pymdownx.tilde (common in Material sites) reads a pair of single tildes as subscript.
        text = super().escape(text)
        if "&" in text:
            text = _AMP_LIKE.sub("&amp;", text).replace("\\&amp;", "&amp;")
        if "\\" in text:
            text = text.replace("\\<", "&lt;").replace("\\~", "~")
        return text.replace("~", "&#126;") if "~" in text else text

    def html_markdown_attr(self, cell: bool) -> str:
        # md_in_html: every enclosing tag needs the attribute, cells as "block" (not inline).
        return ' markdown="block"' if cell else ' markdown="1"'

    def callout(
        self,
        kind: str,
        title: str | None,
        body: str,
        fold: bool | None = None,
        nested: bool = False,
    ) -> str:
        marker = "!!!" if fold is None else ("???+" if fold else "???")
        head = f"{marker} {NAMED_KINDS.get(kind, 'note')}"
        if title:
            head += ' "' + title.replace('"', "'") + '"'
        return head + "\n\n" + indent(body, "    ")

    def details(self, summary: str, body: str, open: bool = False) -> str:
        return self.callout("panel", summary or "Details", body, fold=open)

    def code_block(
        self, code: str, language: str, title: str | None = None, line_numbers: bool = False
    ) -> str:
        fence = fence_for(code)
        opts = [language] if language else []
        if title:
            opts.append('title="' + title.replace('"', "'") + '"')
        if line_numbers:
            opts.append('linenums="1"')
        info = " ".join(opts) if language or not opts else "text " + " ".join(opts)
        return f"{fence}{info}\n{code}\n{fence}"

    def image(
        self, link: Link, alt: str = "", title: str | None = None, width: str | None = None
    ) -> str:
        title_part = f' "{title_escape(title)}"' if title else ""
        attrs = f'{{ width="{width}" }}' if width else ""
        return f"![{self.escape(alt)}]({href_escape(link.href)}{title_part}){attrs}"


class DocusaurusEmitter(Emitter):
    """Docusaurus v3 (MDX): ``:::`` admonitions, JSX-safe HTML, ``{``/``}``/``<`` escaped."""

    name = "docusaurus"
    mdx = True
    # Docusaurus gives an ``h1`` no id (the page title is the h1), so a link to a page's
    # top-level heading would be dead: every heading moves one level down (h6 stays h6).
    heading_shift = 1

    def comment(self, text: str) -> str:
        return "{/* " + text.replace("*/", "* /") + " */}"

    def html_text(self, text: str) -> str:
        return super().html_text(text).replace("{", "&#123;").replace("}", "&#125;")

    def html_attr(self, name: str) -> str:
        return {"colspan": "colSpan", "rowspan": "rowSpan", "class": "className"}.get(name, name)

    def callout(
        self,
        kind: str,
        title: str | None,
        body: str,
        fold: bool | None = None,
        nested: bool = False,
    ) -> str:
        inner = max((len(m) for m in _COLON_FENCE.findall(body)), default=2)
        fence = ":" * max(3, inner + 1)
        head = f"{fence}{_DOCUSAURUS_KINDS.get(kind, 'note')}"
        if title:
            head += "[" + self.escape(title) + "]"
        return f"{head}\n\n{body}\n\n{fence}"

    def code_block(
        self, code: str, language: str, title: str | None = None, line_numbers: bool = False
    ) -> str:
        fence = fence_for(code)
        meta = ""
        if title:
            meta += ' title="' + title.replace('"', "'") + '"'
        if line_numbers:
            meta += " showLineNumbers"
        return f"{fence}{language or ('text' if meta else '')}{meta}\n{code}\n{fence}"

    def image(
        self, link: Link, alt: str = "", title: str | None = None, width: str | None = None
    ) -> str:
        title_part = f' "{title_escape(title)}"' if title else ""
        return f"![{self.escape(alt)}]({href_escape(link.href)}{title_part})"

    def math(self, tex: str, block: bool) -> str:
        # Without remark-math, MDX would read "{" in TeX as JSX: keep formulas as code.
        fence = fence_for(tex)
        return f"{fence}math\n{tex}\n{fence}" if block else f"`{tex}`"

    def nav_keys(self, position: int | None) -> dict[str, object]:
        return {} if position is None else {"sidebar_position": position + 1}


class ObsidianEmitter(Emitter):
    """Obsidian: callouts with titles and folding, wikilinks and embeds for vault files."""

    name = "obsidian"
    obsidian = True

    def heading_id(self, text: str, used: dict[str, int]) -> str:
        return text.strip()

    def heading_link(self, text: str, heading_id: str) -> str:
        return f"[[#{_wiki_safe(heading_id)}]]"

    def fragment(self, anchor: str) -> str:
        return _wiki_safe(anchor)

    def callout(
        self,
        kind: str,
        title: str | None,
        body: str,
        fold: bool | None = None,
        nested: bool = False,
    ) -> str:
        sign = "" if fold is None else ("+" if fold else "-")
        head = f"[!{NAMED_KINDS.get(kind, 'note')}]{sign}"
        if title:
            head += " " + self.escape(title)
        return quote_lines(f"{head}\n{body}".rstrip())

    def details(self, summary: str, body: str, open: bool = False) -> str:
        return self.callout("panel", summary or "Details", body, fold=open)

    def link(self, text: str, link: Link) -> str:
        if not link.exported or "://" in link.href:
            return super().link(text, link)
        if text.startswith("!["):
            # Obsidian cannot wrap an embed in a link: the image, then a link to the target.
            return f"{text} {self.link('', link)}"
        target = _wiki_target(link.href)
        shown = plain_markdown(text) if text else (link.target_title or "")
        if any(c in shown + target for c in "[]|"):
            return super().link(text, link)  # a wikilink cannot hold these; Markdown links can
        # Inside a pipe table Obsidian wants the wikilink's own "|" escaped.
        bar = "\\|" if self.in_pipe_cell else "|"
        return f"[[{target}{bar}{shown}]]" if shown and shown != target else f"[[{target}]]"

    def image(
        self, link: Link, alt: str = "", title: str | None = None, width: str | None = None
    ) -> str:
        if not link.exported or "://" in link.href:
            return super().image(link, alt, title, None)
        # One "|" part: a number is the width, other text the alt text (Obsidian's own rule).
        text = " ".join(_wiki_safe(alt).split())
        extra = f"|{width}" if width else (f"|{text}" if text and not text.isdigit() else "")
        return f"![[{unquote(link.href)}{extra}]]"


def _wiki_target(href: str) -> str:
    path, _, anchor = href.partition("#")
    path = unquote(path)
    if path.endswith(".md"):
        path = path[:-3]
    return path + (f"#{unquote(anchor)}" if anchor else "")


def _wiki_safe(text: str) -> str:
    return text.replace("|", "-").replace("[[", "[").replace("]]", "]")


_EMITTERS: dict[str, type[Emitter]] = {
    "gfm": GfmEmitter,
    "mkdocs": MkdocsEmitter,
    "docusaurus": DocusaurusEmitter,
    "obsidian": ObsidianEmitter,
}


def emitter_for(flavor: str) -> Emitter:
    """The emitter of a flavor name; ``ValueError`` names the valid ones."""
    try:
        return _EMITTERS[flavor]()
    except KeyError:
        raise ValueError(f"unknown flavor {flavor!r}: use one of {', '.join(FLAVORS)}") from None
