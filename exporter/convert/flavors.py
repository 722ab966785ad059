"""Flavor emitters: the only place that knows how gfm, mkdocs, docusaurus and obsidian differ.

The converter decides *what* a page contains (a warning panel titled "Careful", a link to a page)
and asks the emitter *how* to spell it in the target dialect. Adding a dialect is one subclass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote

import yaml

from exporter.convert.blocks import fence_for, indent, quote_lines
from exporter.convert.escape import (
    escape_inline,
    escape_line_starts,
    github_slug,
    plain_markdown,
    python_markdown_slug,
    unique_github,
    unique_python_markdown,
)
from exporter.convert.resolve import Link

__all__ = ["FLAVORS", "STATUS_EMOJI", "Emitter", "emitter_for"]

FLAVORS = ("gfm", "mkdocs", "docusaurus", "obsidian")

# Confluence panel kinds (macro names and ADF panel types) to each dialect's callout type;
# note = orange "!" and warning = red "x" in Confluence, hence the shift (ecosystem.md B1).
_GFM_KINDS = {"info": "NOTE", "tip": "TIP", "note": "WARNING", "warning": "CAUTION",
              "success": "TIP", "error": "CAUTION", "panel": "NOTE"}  # fmt: skip
_NAMED_KINDS = {"info": "info", "tip": "tip", "note": "warning", "warning": "danger",
                "success": "success", "error": "danger", "panel": "note"}  # fmt: skip
_DOCUSAURUS_KINDS = dict(_NAMED_KINDS, success="tip")

# Status lozenge colours as coloured circles: plain text keeps the colour in every tool and
# through the site's sanitizer, with no CSS (tests/golden/README.md).
STATUS_EMOJI = {"grey": "⚪", "red": "🔴", "yellow": "🟡", "green": "🟢", "blue": "🔵",
                "purple": "🟣"}  # fmt: skip

_AMP_LIKE = re.compile(r"&(?=[#A-Za-z0-9])")
_COLON_FENCE = re.compile(r"^(:{3,})", re.M)


def _attr_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


class Emitter:
    """How one Markdown dialect spells callouts, details, links, images and escapes."""

    name = "gfm"
    hard_break = "\\\n"
    list_indent = 0
    commonmark = True  # emphasis follows CommonMark's flanking rules
    in_pipe_cell = False  # set by the table renderer while it renders pipe-table cells
    mdx = False
    obsidian = False
    heading_shift = 0  # levels added to every heading (a flavor whose h1 is the page title)

    # --- text -------------------------------------------------------------------------------
    def escape(self, text: str) -> str:
        """Escape a run of prose so Markdown syntax in it renders literally."""
        return escape_inline(text, mdx=self.mdx, obsidian=self.obsidian)

    def escape_line_starts(self, text: str) -> str:
        """Escape block syntax at the start of prose lines."""
        return escape_line_starts(text)

    def comment(self, text: str) -> str:
        """An invisible note in the output (unknown macros, dynamic content)."""
        return "<!-- " + text.replace("--", "- -") + " -->"

    def anchor(self, name: str) -> str:
        """A link target inside the page."""
        return f'<a id="{_attr_escape(name)}"></a>'

    def list_item(self, marker: str, body: str) -> str:
        """A list item: the marker, then the body with continuation lines indented under it."""
        width = max(len(marker) + 1, self.list_indent)
        if not body:
            return marker
        return indent(body, " " * width, first=marker + " ")

    def html_attr(self, name: str) -> str:
        """The spelling of an HTML attribute in raw HTML blocks (JSX differs)."""
        return name

    def html_markdown_attr(self, cell: bool) -> str:
        """Extra attribute that makes a renderer parse Markdown inside raw HTML table parts."""
        return ""

    # --- headings -----------------------------------------------------------------------------
    def heading_id(self, text: str, used: dict[str, int]) -> str:
        """The id the target renderer gives a heading with this text."""
        return unique_github(github_slug(text), used)

    def heading_link(self, text: str, heading_id: str) -> str:
        """A link to a heading of this page (tables of contents)."""
        return f"[{self.escape(text)}](#{self.fragment(heading_id)})"

    def fragment(self, anchor: str) -> str:
        """An id as it goes after ``#`` in this dialect's links."""
        return _href(anchor)

    # --- blocks -------------------------------------------------------------------------------
    def callout(
        self,
        kind: str,
        title: str | None,
        body: str,
        fold: bool | None = None,
        nested: bool = False,
    ) -> str:
        """An admonition of Confluence panel kind ``kind``; ``fold`` True=open, False=closed.

        ``nested``: inside a list, table or another callout. GitHub renders alerts only at the
        top level, so there the label becomes a bold first line of a plain quote.
        """
        label = _GFM_KINDS.get(kind, "NOTE")
        if nested:
            head = label.capitalize() + (f": {self.escape(title)}" if title else "")
            return quote_lines(f"**{head}**\n\n{body}".rstrip())
        inner = f"**{self.escape(title)}**\n\n{body}" if title else body
        return quote_lines(f"[!{label}]\n{inner}".rstrip())

    def details(self, summary: str, body: str, open: bool = False) -> str:
        """A collapsible section (Confluence's expand)."""
        attr = " open" if open else ""
        summary = self.html_text(summary)
        return f"<details{attr}>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"

    def html_text(self, text: str) -> str:
        """Text placed inside raw HTML, where Markdown escapes do not apply."""
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def code_block(
        self, code: str, language: str, title: str | None = None, line_numbers: bool = False
    ) -> str:
        """A fenced code block; the title becomes a bold line where the dialect has none."""
        fence = fence_for(code)
        block = f"{fence}{language}\n{code}\n{fence}"
        return f"**{self.escape(title)}**\n\n{block}" if title else block

    def math(self, tex: str, block: bool) -> str:
        """A TeX formula: ``$$`` blocks and ``$`` inline (GitHub, Obsidian, arithmatex)."""
        if block:
            return f"$$\n{tex}\n$$"
        return f"${tex}$" if "$" not in tex else f"$`{tex}`$"

    def status(self, label: str, colour: str | None) -> str:
        """A status lozenge: ``label`` (Markdown, e.g. a code span) after its colour's circle."""
        circle = STATUS_EMOJI.get((colour or "grey").strip().lower(), STATUS_EMOJI["grey"])
        return f"{circle} {label}"

    # --- links --------------------------------------------------------------------------------
    def link(self, text: str, link: Link) -> str:
        """A Markdown link; ``text`` is already Markdown."""
        if not text:
            text = self.escape(link.target_title or unquote(link.href))
        return f"[{text}]({_href(link.href)})"

    def image(
        self, link: Link, alt: str = "", title: str | None = None, width: str | None = None
    ) -> str:
        """An image; ``width`` in pixels when the page sized it."""
        title_part = f' "{_title(title)}"' if title else ""
        if width:
            return (
                f'<img src="{_attr_escape(link.href)}" alt="{_attr_escape(alt)}" width="{width}">'
            )
        return f"![{self.escape(alt)}]({_href(link.href)}{title_part})"

    # --- front matter -------------------------------------------------------------------------
    def nav_keys(self, position: int | None) -> dict[str, object]:
        """Front-matter keys that order the page in the dialect's navigation."""
        return {}

    def front_matter(self, data: Mapping[str, object]) -> str:
        """A YAML front-matter block, keys in the given order."""
        body = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=1000)
        return f"---\n{body}---\n"


def _title(title: str) -> str:
    return title.replace("\\", "\\\\").replace('"', '\\"')


def _href(href: str) -> str:
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


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
        head = f"{marker} {_NAMED_KINDS.get(kind, 'note')}"
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
        title_part = f' "{_title(title)}"' if title else ""
        attrs = f'{{ width="{width}" }}' if width else ""
        return f"![{self.escape(alt)}]({_href(link.href)}{title_part}){attrs}"


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
        title_part = f' "{_title(title)}"' if title else ""
        return f"![{self.escape(alt)}]({_href(link.href)}{title_part})"

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
        head = f"[!{_NAMED_KINDS.get(kind, 'note')}]{sign}"
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
