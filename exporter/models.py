"""Typed models passed between pipeline stages.

JSON from Confluence is parsed into these at the client's edge (``walk``); later stages
(``convert``, ``write``, ``site``) never see raw API dicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from exporter.warnings import PageWarning

__all__ = [
    "FLAVORS",
    "Attachment",
    "ContentKind",
    "ConvertedPage",
    "FLAVORS",
    "Flavor",
    "NavNode",
    "NavTree",
    "Page",
    "Site",
    "Space",
    "SpaceTree",
    "User",
]

ContentKind = Literal["page", "folder", "blogpost"]
Flavor = Literal["gfm", "mkdocs", "docusaurus", "obsidian"]
FLAVORS: tuple[Flavor, ...] = ("gfm", "mkdocs", "docusaurus", "obsidian")


@dataclass(frozen=True, slots=True)
class Site:
    """An Atlassian site the token can reach (one entry of accessible-resources)."""

    cloud_id: str
    url: str
    name: str
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class User:
    account_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Space:
    id: str
    key: str
    name: str
    type: str = "global"
    homepage_id: str | None = None
    url: str = ""  # absolute web URL of the space in Confluence
    status: str = "current"  # or "archived"
    description: str = ""  # plain text, as the space's overview shows it


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a page or blog post."""

    id: str
    page_id: str
    filename: str
    media_type: str = "application/octet-stream"
    size: int = 0
    version: int = 1
    # ``_links.download`` as listed (/download/attachments/...): kept for the record, never
    # requested (that servlet answers 401 since 2026); downloads use walk.download_route.
    download_path: str = ""
    file_id: str = ""
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Page:
    """A page, folder or blog post with its metadata and (when fetched) its storage body."""

    id: str
    space_key: str
    title: str
    kind: ContentKind = "page"
    parent_id: str | None = None
    position: int | None = None
    version: int = 1
    created: str = ""  # ISO 8601
    updated: str = ""  # ISO 8601, the current version's date
    author_id: str | None = None  # who made the current version
    status: str = "current"
    labels: tuple[str, ...] = ()
    url: str = ""  # absolute web URL in Confluence ("view in Confluence")
    body: str | None = None  # storage-format XHTML; None when not fetched


@dataclass(frozen=True, slots=True)
class ConvertedPage:
    """The Markdown of one page and what the writer needs to place it."""

    page: Page
    markdown: str  # body only; the writer adds front matter
    front_matter: dict[str, object] = field(default_factory=dict)  # extra keys (page properties)
    attachments: frozenset[str] = frozenset()  # filenames of this page's attachments it references
    warnings: tuple[PageWarning, ...] = ()  # path empty: the writer's stage knows it


@dataclass(frozen=True, slots=True)
class NavNode:
    """One entry of the exported tree, children in Confluence's manual order."""

    page: Page
    children: tuple[NavNode, ...] = ()

    def walk(self) -> Iterator[NavNode]:
        """This node, then its descendants, depth first in order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class SpaceTree:
    space: Space
    roots: tuple[NavNode, ...] = ()
    blogposts: tuple[Page, ...] = ()

    def walk(self) -> Iterator[NavNode]:
        for root in self.roots:
            yield from root.walk()


@dataclass(frozen=True, slots=True)
class NavTree:
    """Every exported space's page tree."""

    spaces: tuple[SpaceTree, ...] = ()

    def walk(self) -> Iterator[NavNode]:
        for space in self.spaces:
            yield from space.walk()
