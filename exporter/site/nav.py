"""Per-page navigation: the sidebar tree, breadcrumbs and previous/next links.

The sidebar is built as HTML strings rather than a recursive template because it is rendered
once per page over the whole export; every href is relative to the page being rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from exporter.site.links import URL_SAFE, relative_url
from exporter.site.source import DocPage, DocsTree, SiteNode

__all__ = ["PRUNE_OVER", "Crumb", "NavContext", "Sidebar"]

PRUNE_OVER = 1000  # sidebar nodes; bigger trees show only the current branch per page
_ROOT = "\x00root\x00"
_PLACEHOLDER = re.compile("\\x00[loc][0-9]+\\x00")


@dataclass(frozen=True, slots=True)
class Crumb:
    """A titled link relative to the current page; ``href`` is empty for a plain group."""

    title: str
    href: str


class NavContext:
    """Tree lookups shared by every page: nodes by key, ancestors, tree order."""

    def __init__(self, tree: DocsTree) -> None:
        self.tree = tree
        self.nodes = {node.key: node for node in tree.root.walk()}
        self.order = {page.source: i for i, page in enumerate(tree.pages)}

    def ancestors(self, key: str) -> list[SiteNode]:
        """Ancestors of the node ``key``, root first, without the node itself."""
        chain: list[SiteNode] = []
        parent = self.tree.parents.get(key)
        while parent is not None:
            chain.append(self.nodes[parent])
            parent = self.tree.parents.get(parent)
        return chain[::-1]

    def breadcrumbs(self, page: DocPage) -> list[Crumb]:
        """Home → ancestors → (the current page is shown as the heading, not linked)."""
        return [
            Crumb(node.title, relative_url(node.page.output, page.output) if node.page else "")
            for node in self.ancestors(page.source)
        ]

    def neighbours(self, page: DocPage) -> tuple[Crumb | None, Crumb | None]:
        """The previous and next pages in tree order."""
        i = self.order[page.source]
        pages = self.tree.pages
        prev = pages[i - 1] if i > 0 else None
        nxt = pages[i + 1] if i + 1 < len(pages) else None
        return (
            Crumb(prev.title, relative_url(prev.output, page.output)) if prev else None,
            Crumb(nxt.title, relative_url(nxt.output, page.output)) if nxt else None,
        )

    def children(self, page: DocPage) -> list[Crumb]:
        """Direct children of ``page`` (for section pages without a body of their own)."""
        node = self.nodes[page.source]
        return [
            Crumb(c.title, relative_url(c.page.output, page.output) if c.page else "")
            for c in node.children
        ]


class Sidebar:
    """The sidebar tree for each page: current page marked, its ancestors open.

    Hrefs go up to the site root and down again (``../../eng/x.html``), so every page at the
    same depth shares one rendering with placeholders where the marks go; only the marks change
    per page. Past ``prune_over`` nodes a page shows only the branches on its path (collapsed
    sections are plain links), which keeps big exports from growing as pages x tree.
    """

    def __init__(self, ctx: NavContext, *, prune_over: int = PRUNE_OVER) -> None:
        self.ctx = ctx
        nodes = list(ctx.tree.root.walk())
        self.ids = {node.key: i for i, node in enumerate(nodes)}
        self.pruned = len(self.ids) > prune_over
        self._labels = {node.key: _label(node, self.ids[node.key]) for node in nodes}
        self._templates: dict[int, str] = {}

    def html(self, page: DocPage) -> str:
        """The sidebar HTML for ``page`` with hrefs relative to it."""
        open_keys = {node.key for node in self.ctx.ancestors(page.source)} | {page.source}
        depth = page.output.count("/")
        if self.pruned:
            parts: list[str] = []
            self._items(self.ctx.tree.root.children, parts, 1, open_keys)
            html = "".join(parts).replace(_ROOT, "../" * depth)
        else:
            if depth not in self._templates:
                parts = []
                self._items(self.ctx.tree.root.children, parts, 1, None)
                self._templates[depth] = "".join(parts).replace(_ROOT, "../" * depth)
            html = self._templates[depth]
        for key in open_keys - {page.source}:
            i = self.ids[key]
            html = html.replace(f"\x00l{i}\x00", " nav-active", 1)
            html = html.replace(f"\x00o{i}\x00", " open", 1)
        i = self.ids[page.source]
        html = html.replace(f"\x00l{i}\x00", " nav-current", 1)
        html = html.replace(f"\x00o{i}\x00", " open", 1)
        html = html.replace(f"\x00c{i}\x00", ' aria-current="page"', 1)
        return _PLACEHOLDER.sub("", html)

    def _items(
        self, nodes: tuple[SiteNode, ...], out: list[str], depth: int, open_keys: set[str] | None
    ) -> None:
        """Append the list of ``nodes``; ``open_keys`` set means: expand only those (pruned)."""
        out.append(f'<ul class="nav-list nav-level-{depth}">')
        for node in nodes:
            i = self.ids[node.key]
            expand = bool(node.children) and (open_keys is None or node.key in open_keys)
            collapsed = " nav-collapsed" if node.children and not expand else ""
            out.append(f'<li class="nav-item{collapsed}\x00l{i}\x00">')
            if expand:
                out.append(f"<details\x00o{i}\x00><summary>{self._labels[node.key]}</summary>")
                self._items(node.children, out, depth + 1, open_keys)
                out.append("</details>")
            else:
                out.append(self._labels[node.key])
            out.append("</li>")
        out.append("</ul>")


def _label(node: SiteNode, i: int) -> str:
    title = escape(node.title)
    if node.page is None:
        return f'<span class="nav-group">{title}</span>'
    href = escape(quote(node.page.output, safe=URL_SAFE))
    return f'<a class="nav-link" href="{_ROOT}{href}"\x00c{i}\x00>{title}</a>'
