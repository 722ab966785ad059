"""The ``Emitter`` base: how Markdown spells each construct, with GitHub's spelling as default.

The converter decides *what* a page contains (a warning panel titled "Careful", a link to a page)
and asks the emitter *how* to spell it in the target dialect; the dialects that differ from
GitHub's are subclasses in :mod:`exporter.convert.flavors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

import yaml

from exporter.convert.blocks import fence_for, indent, quote_lines
from exporter.convert.escape import escape_inline, escape_line_starts, github_slug, unique_github
from exporter.convert.resolve import Link

__all__ = [
    "NAMED_KINDS",
    "STATUS_EMOJI",
    "Emitter",
    "attr_escape",
    "href_escape",
    "title_escape",
]

# Confluence panel kinds (macro names and ADF panel types) to each dialect's callout type;
# note = orange "!" and warning = red "x" in Confluence, hence the shift (ecosystem.md B1).
_GFM_KINDS = {"info": "NOTE", "tip": "TIP", "note": "WARNING", "warning": "CAUTION",
              "success": "TIP", "error": "CAUTION", "panel": "NOTE"}  # fmt: skip
NAMED_KINDS = {"info": "info", "tip": "tip", "note": "warning", "warning": "danger",
                "success": "success", "error": "danger", "panel": "note"}  # fmt: skip

# Status lozenge colours as coloured circles: plain text keeps the colour in every tool and
# through the site's sanitizer, with no CSS (tests/golden/README.md).
STATUS_EMOJI = {"grey": "⚪", "red": "🔴", "yellow": "🟡", "green": "🟢", "blue": "🔵",
                "purple": "🟣"}  # fmt: skip


def attr_escape(text: str) -> str:
    """Text inside a double-quoted HTML attribute."""
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
        return f'<a id="{attr_escape(name)}"></a>'

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
        return href_escape(anchor)

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
        return f"[{text}]({href_escape(link.href)})"

    def image(
        self, link: Link, alt: str = "", title: str | None = None, width: str | None = None
    ) -> str:
        """An image; ``width`` in pixels when the page sized it."""
        title_part = f' "{title_escape(title)}"' if title else ""
        if width:
            return f'<img src="{attr_escape(link.href)}" alt="{attr_escape(alt)}" width="{width}">'
        return f"![{self.escape(alt)}]({href_escape(link.href)}{title_part})"

    # --- front matter -------------------------------------------------------------------------
    def nav_keys(self, position: int | None) -> dict[str, object]:
        """Front-matter keys that order the page in the dialect's navigation."""
        return {}

    def front_matter(self, data: Mapping[str, object]) -> str:
        """A YAML front-matter block, keys in the given order."""
        body = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=1000)
        return f"---\n{body}---\n"


def title_escape(title: str) -> str:
    """Text inside a Markdown link title (``"..."``)."""
    return title.replace("\\", "\\\\").replace('"', '\\"')


def href_escape(href: str) -> str:
    """A URL as a Markdown link destination (spaces and parentheses encoded)."""
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
