"""How the converter reaches outside one page body: links, attachments, users, includes.

The converter never talks to the network or the output tree. Everything it needs to know about
the world beyond the storage XHTML it is converting goes through a :class:`Resolver`.
``OfflineResolver`` serves the ``convert`` command (no network); ``ExportResolver`` in
``exporter/docs/resolver.py`` serves real exports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol
from urllib.parse import quote, urljoin, urlsplit

from exporter.slugs import slugify

__all__ = ["Link", "OfflineResolver", "PageRef", "Resolver", "TreeItem", "jql_url", "vetted_url"]


@dataclass(frozen=True, slots=True)
class PageRef:
    """A reference to a page or blog post as storage format names it."""

    title: str | None = None
    space_key: str | None = None  # None: the current page's space
    page_id: str | None = None  # from site URLs (/wiki/spaces/K/pages/<id>/) or ri:content-entity
    kind: Literal["page", "blogpost"] = "page"
    posting_day: str | None = None  # blog posts: "2023/01/01"


@dataclass(frozen=True, slots=True)
class Link:
    """Where a reference points: a relative path inside the export or an absolute URL."""

    href: str  # relative path from the current page's file (percent-encoded) or an absolute URL
    exported: bool  # True when the target is part of this export (a local file)
    target_title: str | None = None  # the target's title (link text when the body has none)


@dataclass(frozen=True, slots=True)
class TreeItem:
    """One entry of a children/pagetree listing."""

    title: str
    link: Link
    children: tuple[TreeItem, ...] = ()
    created: str = ""  # ISO 8601, for the children macro's sort=creation
    updated: str = ""  # ISO 8601, for sort=modified


class Resolver(Protocol):
    """Everything the converter needs to know about the world outside one page body."""

    def page(self, ref: PageRef, anchor: str | None = None) -> Link: ...

    def attachment(self, filename: str, owner: PageRef | None = None) -> Link: ...

    def space(self, key: str) -> Link: ...

    def user(self, account_id: str) -> str: ...

    def url(self, href: str) -> Link: ...

    def page_body(self, ref: PageRef) -> str | None: ...

    def children(self, ref: PageRef | None, depth: int | None = None) -> tuple[TreeItem, ...]: ...

    def jira(self, key: str, server: str | None = None) -> str | None: ...

    def jira_query(self, jql: str, server: str | None = None) -> str | None: ...

    def attachments(self, owner: PageRef | None = None) -> tuple[tuple[str, Link], ...]: ...


@dataclass(frozen=True, slots=True)
class OfflineResolver:
    """Resolves references without network, for the ``convert`` command.

    Page links become ``<slug>.md`` of their titles, attachments ``attachments/<filename>``,
    users their account id unless ``users`` maps it, site URLs stay as they are.
    """

    users: dict[str, str] = field(default_factory=dict)
    jira_base: str | None = None

    def page(self, ref: PageRef, anchor: str | None = None) -> Link:
        """A link to ``<slug>.md`` (with ``#anchor``); the current page when no title."""
        fragment = f"#{quote(anchor, safe='-_.~')}" if anchor else ""
        if not ref.title:
            return Link(href=fragment or "#", exported=True, target_title=None)
        return Link(
            href=quote(slugify(ref.title) + ".md") + fragment,
            exported=True,
            target_title=ref.title,
        )

    def attachment(self, filename: str, owner: PageRef | None = None) -> Link:
        """``attachments/<filename>``, percent-encoded."""
        return Link(href="attachments/" + quote(filename), exported=True, target_title=filename)

    def space(self, key: str) -> Link:
        """A link to the space's folder index."""
        return Link(href=quote(key.lower()) + "/", exported=True, target_title=key)

    def user(self, account_id: str) -> str:
        """The mapped display name, else the account id."""
        return self.users.get(account_id, account_id)

    def url(self, href: str) -> Link:
        """Plain URLs stay unchanged offline."""
        return Link(href=href, exported=False)

    def page_body(self, ref: PageRef) -> str | None:
        """Offline there are no other pages to include."""
        return None

    def children(self, ref: PageRef | None, depth: int | None = None) -> tuple[TreeItem, ...]:
        """Offline there is no page tree."""
        return ()

    def jira(self, key: str, server: str | None = None) -> str | None:
        """The issue's browse URL on ``server`` or ``jira_base``; None (plain text) without one.

        Offline the site is unknown, so a key must not link to somebody else's Jira.
        """
        base = _jira_url(server) or self.jira_base
        return f"{base.rstrip('/')}/browse/{quote(key)}" if base else None

    def jira_query(self, jql: str, server: str | None = None) -> str | None:
        """The issue search for a JQL query on ``server`` or ``jira_base``, else None."""
        base = _jira_url(server) or self.jira_base
        return jql_url(base, jql) if base else None

    def attachments(self, owner: PageRef | None = None) -> tuple[tuple[str, Link], ...]:
        """Offline no page's attachment list is known."""
        return ()


def _jira_url(server: str | None) -> str | None:
    """The macro's ``server`` parameter when it is a URL (it is usually a server's name)."""
    return server if server and server.startswith(("http://", "https://")) else None


def jql_url(base: str, jql: str) -> str:
    """Jira's issue search for ``jql`` on ``base`` (``{base}/issues/?jql=...``)."""
    return f"{base.rstrip('/')}/issues/?jql={quote(jql, safe='')}"


_NOT_IN_SCHEME = re.compile(r"[\x00-\x20]+")
_ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


def vetted_url(
    resolver: Resolver, href: str, base_url: str = "", *, image: bool = False
) -> Link | None:
    """A URL from a body through the resolver; None when it must not become a link.

    Script and file URLs are dropped. A relative URL the resolver did not map into the export
    resolves against ``base_url`` (the page's Confluence URL); when that URL is unknown (the
    offline ``convert`` command) it stays only if it cannot climb out of the docs (no ``..``,
    no ``/``).
    """
    squeezed = _NOT_IN_SCHEME.sub("", href).lower()
    if squeezed.startswith(_ACTIVE_SCHEMES) and not (image and squeezed.startswith("data:image/")):
        return None
    try:
        link = resolver.url(href.strip())
        if link.exported or urlsplit(link.href).scheme or link.href.startswith("//"):
            return link
        if base_url:
            return Link(urljoin(base_url, link.href), False, link.target_title)
        path = urlsplit(link.href).path
    except ValueError:  # not a URL at all (e.g. "https://[x]/"): keep the text, drop the link
        return None
    climbs = path.startswith("/") or ".." in path.split("/")
    return None if climbs else link
