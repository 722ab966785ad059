"""Spaces by their names, and the home page: a card per space and the latest updated pages.

The docs folder knows a space only by the ``space:`` key in its pages' front matter; its name
and description come from Confluence. The export passes them (``models.Space``) and they are
recorded beside the render cache (``site-info.json``), so a later ``site`` command over the same
docs shows the same names. Each top-level folder whose pages belong to one space is labelled
with the space's name in the sidebar, the home page and breadcrumbs; the space's homepage
stays its first page, under its own title.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from exporter._fs import atomic_write
from exporter.models import Space
from exporter.site.links import relative_url
from exporter.site.source import DocPage, DocsTree, SiteNode

__all__ = [
    "INFO_NAME",
    "RECENT_PAGES",
    "HomeCard",
    "RecentPage",
    "SiteInfo",
    "home_cards",
    "is_plain_listing",
    "load_info",
    "name_spaces",
    "recent_pages",
    "save_info",
]

INFO_NAME = "site-info.json"
RECENT_PAGES = 10
_LISTING = re.compile(
    r'\A\s*<ul>\s*(?:<li><a href="[^"<>]*"(?: rel="[^"<>]*")?>[^<]*</a></li>\s*)*</ul>\s*\Z'
)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What Confluence knows and the docs folder does not: the site's and spaces' names."""

    site_name: str | None = None
    spaces: tuple[Space, ...] = ()

    def fingerprint(self) -> list[object]:
        """The parts that shape rendered pages, for the render cache's fingerprint."""
        return [self.site_name, [(s.key, s.name, s.description) for s in self.spaces]]


@dataclass(frozen=True, slots=True)
class HomeCard:
    """One space on the home page."""

    name: str
    description: str
    href: str
    pages: int
    updated: str  # YYYY-MM-DD, "" when no page says


@dataclass(frozen=True, slots=True)
class RecentPage:
    title: str
    href: str
    space: str
    updated: str  # YYYY-MM-DD


def save_info(cache_dir: Path, info: SiteInfo) -> None:
    """Record ``info`` beside the render cache (for a later ``site`` command)."""
    data = {
        "site_name": info.site_name,
        "spaces": [
            {"key": s.key, "name": s.name, "description": s.description, "id": s.id}
            for s in info.spaces
        ],
    }
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    cache_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(cache_dir / INFO_NAME, text)


def load_info(cache_dir: Path) -> SiteInfo:
    """The recorded info, or an empty one when there is none or it is unreadable."""
    try:
        data = json.loads((cache_dir / INFO_NAME).read_text(encoding="utf-8"))
        spaces = tuple(
            Space(
                id=str(s.get("id") or ""),
                key=str(s["key"]),
                name=str(s.get("name") or s["key"]),
                description=str(s.get("description") or ""),
            )
            for s in data.get("spaces", [])
        )
        name = data.get("site_name")
        return SiteInfo(site_name=str(name) if name else None, spaces=spaces)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return SiteInfo()


def _space_key(node: SiteNode) -> str:
    """The space of a top-level node: the ``space:`` of its first page that has one."""
    return next((n.page.space for n in node.walk() if n.page is not None and n.page.space), "")


def name_spaces(tree: DocsTree, spaces: Sequence[Space]) -> DocsTree:
    """The tree with each top-level space folder titled by its space's name."""
    names = {s.key: s.name for s in spaces if s.name}
    if not names:
        return tree
    children = tuple(
        replace(node, title=names.get(_space_key(node), node.title)) for node in tree.root.children
    )
    return replace(tree, root=replace(tree.root, children=children))


def home_cards(tree: DocsTree, spaces: Sequence[Space]) -> list[HomeCard]:
    """A card per top-level folder of a known space, in sidebar order (links from the root)."""
    known = {s.key: s for s in spaces}
    cards = []
    for node in tree.root.children:
        space = known.get(_space_key(node))
        if space is None:
            continue
        pages = [n.page for n in node.walk() if n.page is not None]
        target = node.page or pages[0]
        cards.append(
            HomeCard(
                name=node.title,
                description=space.description,
                href=relative_url(target.output, "index.html"),
                pages=len(pages),
                updated=max((p.updated for p in pages), default="")[:10],
            )
        )
    return cards


def recent_pages(
    tree: DocsTree, spaces: Sequence[Space], limit: int = RECENT_PAGES
) -> list[RecentPage]:
    """The ``limit`` most recently updated pages of the export, newest first."""
    names = {s.key: s.name for s in spaces}
    home = tree.root.page
    dated: list[DocPage] = [p for p in tree.pages if p.updated and p is not home]
    dated.sort(key=lambda p: (p.updated, p.source), reverse=True)
    return [
        RecentPage(
            p.title,
            relative_url(p.output, "index.html"),
            names.get(p.space, p.space),
            p.updated[:10],
        )
        for p in dated[:limit]
    ]


def is_plain_listing(html: str) -> bool:
    """True when a page body is only a list of links (the docs folder's generated index),
    which the home page's space cards replace."""
    return _LISTING.match(html) is not None
