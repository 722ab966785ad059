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
    "Change",
    "ChangeAction",
    "ContentKind",
    "ConvertedPage",
    "FLAVORS",
    "Flavor",
    "NavNode",
    "NavTree",
    "Page",
    "RunChanges",
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
    version_message: str = ""  # the current version's message ("" when none was given)


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


ChangeAction = Literal["added", "edited", "updated", "moved", "deleted", "changed", "removed"]


@dataclass(frozen=True, slots=True)
class Change:
    """One change a run made to the docs folder: a page added, edited (a new Confluence
    version), updated (same version, but what it shows of other pages changed), moved or
    deleted, or
    one of its attachments (``filename``) added, changed or removed. Paths are relative to OUT
    (``docs/eng/setup.md``); ``author`` (a display name) and ``message`` are the Confluence
    version's, when the API gave them."""

    kind: Literal["page", "attachment"]
    action: ChangeAction
    page_id: str
    title: str
    space_key: str = ""
    path: str = ""
    old_path: str = ""
    filename: str = ""
    version: int = 0
    updated: str = ""  # ISO 8601, the Confluence version's date
    author: str = ""
    message: str = ""

    def to_json(self) -> dict[str, object]:
        """The change as ``--summary-json`` and the changes log write it (empty values left out
        but for the identifying ones)."""
        keep = ("kind", "action", "page_id", "title", "path")
        return {
            name: getattr(self, name)
            for name in self.__slots__
            if name in keep or getattr(self, name) not in ("", 0)
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Change:
        """The change from ``to_json``'s form (unknown keys ignored, from a newer version)."""
        known = {k: v for k, v in data.items() if k in cls.__slots__}
        return cls(**known)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class RunChanges:
    """The changes of one run, for the site's Recent changes page and feed. ``run`` is the
    run's time (ISO 8601 UTC, seconds: ``2026-12-02T05:00:00Z``); ``more`` counts the changes
    left out of ``changes`` (a long list is capped)."""

    run: str
    changes: tuple[Change, ...] = ()
    more: int = 0
