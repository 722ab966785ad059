"""Markdown → safe HTML for one page: markdown-it-py, flavor callouts, Pygments, sanitizing.

One :class:`MarkdownRenderer` per flavor is built once and reused for every page; the page's
links are rewritten and its HTML sanitized in the same pass (``sanitize.clean``), and the
headings it collected become the on-page table of contents.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import escape, unescape

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from exporter.site.callouts import (
    GFM_ALERTS,
    blockquote_callouts_plugin,
    docusaurus_plugin,
    mkdocs_plugin,
)
from exporter.site.links import LinkIndex
from exporter.site.sanitize import clean
from exporter.site.source import DocPage
from exporter.site.wikilinks import wikilinks_plugin

__all__ = ["Heading", "MarkdownRenderer", "RenderedBody", "pygments_css"]

_TAGS = re.compile(r"<[^>]*>")
_HEADING = re.compile(r'(<h([1-6]) id="([^"<>]+)">)(.*?)(</h\2>)', re.DOTALL)
_SPACE = re.compile(r"\s+")
_FORMATTER = HtmlFormatter(nowrap=True)


@dataclass(frozen=True, slots=True)
class Heading:
    """One table-of-contents entry."""

    level: int
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """A page body ready for the template: sanitized HTML, its headings and its plain text."""

    html: str
    toc: tuple[Heading, ...]
    text: str  # plain text for the search index


@functools.lru_cache(maxsize=256)
def _lexer(name: str) -> Lexer | None:
    try:
        return get_lexer_by_name(name) if name else None
    except ClassNotFound:
        return None


def _highlight(code: str, lang: str, attrs: str) -> str:
    """Pygments with CSS classes (light and dark styles live in pygments.css)."""
    name = (lang or "").split()[0] if lang else ""
    lexer = _lexer(name)
    body = highlight(code, lexer, _FORMATTER) if lexer is not None else escape(code)
    css = f" language-{escape(name, quote=True)}" if name else ""
    return f'<pre class="highlight"><code class="highlight{css}">{body}</code></pre>\n'


def pygments_css(light: str = "default", dark: str = "monokai") -> str:
    """Stylesheet for highlighted code: the light style, and the dark one for a dark scheme
    (the system's, unless the reader chose light with the theme toggle) or a chosen dark."""
    light_css = HtmlFormatter(style=light).get_style_defs(".highlight")
    chosen = HtmlFormatter(style=dark).get_style_defs(':root[data-theme="dark"] .highlight')
    system = HtmlFormatter(style=dark).get_style_defs(':root:not([data-theme="light"]) .highlight')
    system_block = "\n".join("  " + line for line in system.splitlines())
    return f"{light_css}\n{chosen}\n@media (prefers-color-scheme: dark) {{\n{system_block}\n}}\n"


def _permalinks(html: str) -> str:
    """A ``#`` link at the end of every heading with an id, to copy or follow its address."""

    def link(match: re.Match[str]) -> str:
        open_tag, _, anchor, inner, close = match.groups()
        permalink = (
            f'<a class="headerlink" href="#{anchor}" aria-label="Link to this section">#</a>'
        )
        return f"{open_tag}{inner}{permalink}{close}"

    return _HEADING.sub(link, html)


class MarkdownRenderer:
    """Renders pages of one flavor; build once per site, call :meth:`render` per page."""

    def __init__(self, flavor: str) -> None:
        self.flavor = flavor
        md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight, "typographer": False})
        md.enable(["table", "strikethrough"])
        md.use(front_matter_plugin)
        md.use(tasklists_plugin)
        md.use(footnote_plugin)
        md.use(anchors_plugin, min_level=1, max_level=6)
        if flavor == "gfm":
            md.use(blockquote_callouts_plugin, types=GFM_ALERTS)
        elif flavor == "obsidian":
            md.use(blockquote_callouts_plugin)
            md.use(wikilinks_plugin)
        elif flavor == "mkdocs":
            md.use(mkdocs_plugin)
            md.use(attrs_plugin)  # Material's attr_list: ![img](x.png){ width="400" }
        elif flavor == "docusaurus":
            md.use(docusaurus_plugin)
        self.md = md

    def render(self, page: DocPage, links: LinkIndex, body: str | None = None) -> RenderedBody:
        """Render ``page`` (or its Markdown ``body`` when given) to sanitized HTML, with links
        relative to its site path."""
        env = {"links": links, "source": page.source}
        tokens = self.md.parse(page.body if body is None else body, env)
        toc = tuple(
            Heading(int(tok.tag[1]), str(tok.attrGet("id") or ""), _inline_text(tokens[i + 1]))
            for i, tok in enumerate(tokens)
            if tok.type == "heading_open" and tok.tag in ("h2", "h3")
        )
        raw = self.md.renderer.render(tokens, self.md.options, env)
        html = clean(raw, lambda url: links.rewrite(url, source=page.source, output=page.output))
        text = _SPACE.sub(" ", unescape(_TAGS.sub(" ", html))).strip()
        return RenderedBody(html=_permalinks(html), toc=toc, text=text)


def _inline_text(token: object) -> str:
    children = getattr(token, "children", None) or []
    return "".join(c.content for c in children if c.type in ("text", "code_inline")).strip()
