"""Change queries across spaces: one request per batch of spaces, not one per space.

A run over hundreds of spaces asks the CQL search once per batch (``space in ("A","B",...)``,
as many keys as keep the URL short) for its pages and once for its attachments, and lists the
trash of up to ``MAX_SPACE_IDS`` spaces in one v2 listing (``space-id=1,2,...``). A batch of
one space sends exactly the requests ``Walker.pages``, ``.attachments`` and ``.removed_ids``
send. Each hit is routed to its space by the key Confluence gives with it; the selection rules
(root, labels, title globs) still apply per space, later (``build_tree``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from exporter.confluence.walker import (
    ATTACHMENT_EXPAND,
    PAGE_EXPAND,
    Walker,
    parse_attachment,
    parse_page,
)
from exporter.models import Attachment, Page, Space

__all__ = [
    "MAX_CQL_KEYS_CHARS",
    "MAX_SPACE_IDS",
    "changed_attachments",
    "changed_pages",
    "removed_ids",
    "space_batches",
    "space_of",
]

# The URL-encoded space list of one CQL query stays under this many characters: Atlassian
# documents no URL limit for /rest/api/search; proxies and its edge commonly refuse past 8 KB,
# so a query with its other clauses and the cursor stays well under that (the stricter reading).
MAX_CQL_KEYS_CHARS = 3000
# ``space-id`` values one v2 list request carries (the v2 spec's array limit for the filter is
# undocumented; 100 is the lowest limit its other multi-value filters have: stricter reading).
MAX_SPACE_IDS = 100


def space_batches(spaces: Sequence[Space], budget: int | None = None) -> list[list[Space]]:
    """``spaces`` in order, cut into batches whose ``space in (...)`` list fits ``budget``
    (the trash listing cuts a batch further, ``MAX_SPACE_IDS`` ids a request)."""
    budget = MAX_CQL_KEYS_CHARS if budget is None else budget
    batches: list[list[Space]] = []
    current: list[Space] = []
    used = 0
    for space in spaces:
        cost = len(quote(f'"{space.key}",', safe=""))
        if current and used + cost > budget:
            batches.append(current)
            current, used = [], 0
        current.append(space)
        used += cost
    if current:
        batches.append(current)
    return batches


def _in(spaces: Sequence[Space]) -> str:
    return "space in (" + ",".join(f'"{s.key}"' for s in spaces) + ")"


def space_of(item: dict[str, Any], hit: dict[str, Any] | None = None) -> str:
    """The key of the space a v1 content object (or search hit) belongs to, "" when unknown.

    Content carries it expanded (``space.key``) or as its link (``_expandable.space``:
    ``/rest/api/space/KEY``); an attachment also through its expanded ``container``; a search
    hit names it in ``resultGlobalContainer.displayUrl`` (``/spaces/KEY``).
    """
    space = item.get("space")
    if isinstance(space, dict) and space.get("key"):
        return str(space["key"])
    link = (item.get("_expandable") or {}).get("space") or ""
    if isinstance(link, str) and "/space/" in link:
        return link.rstrip("/").rpartition("/")[2]
    container = item.get("container")
    if isinstance(container, dict) and container is not item and container.get("type") != "space":
        key = space_of(container)
        if key:
            return key
    shown = ((hit or {}).get("resultGlobalContainer") or {}).get("displayUrl") or ""
    if isinstance(shown, str) and shown.startswith("/spaces/"):
        return shown.removeprefix("/spaces/").split("/")[0]
    return ""


async def changed_pages(
    walker: Walker, spaces: Sequence[Space], since: datetime | None = None
) -> AsyncIterator[Page]:
    """Every current page, folder (and blog post) of ``spaces``, with bodies; with ``since``
    only content modified at or after it (less the walker's margins)."""
    if len(spaces) == 1:
        async for page in walker.pages(spaces[0], since):
            yield page
        return
    types = "page,folder,blogpost" if walker.blogposts else "page,folder"
    cql = f"{_in(spaces)} and type in ({types})"
    if since is not None:
        cql += await walker.since_clause(since)
    params: dict[str, str | int] = {"cql": cql, "expand": PAGE_EXPAND, "limit": walker.batch}
    keys = {s.key for s in spaces}
    async for hit in walker.client.paginate_v1("/rest/api/search", params):
        item = hit.get("content") if isinstance(hit, dict) else None
        if not item:
            continue
        key = space_of(item, hit)
        if key in keys:
            page = parse_page(item, key, walker.site_url)
            if page.status == "current":
                yield page


async def changed_attachments(
    walker: Walker, spaces: Sequence[Space], since: datetime | None = None
) -> AsyncIterator[tuple[str, Attachment]]:
    """``(space key, attachment)`` for every current attachment of ``spaces`` (or those
    changed since ``since``)."""
    if len(spaces) == 1:
        async for att in walker.attachments(spaces[0], since):
            yield spaces[0].key, att
        return
    cql = f"{_in(spaces)} and type=attachment"
    if since is not None:
        cql += await walker.since_clause(since)
    params: dict[str, str | int] = {"cql": cql, "expand": ATTACHMENT_EXPAND, "limit": walker.batch}
    keys = {s.key for s in spaces}
    async for item in walker.client.paginate_v1("/rest/api/content/search", params):
        key = space_of(item)
        if key in keys and item.get("status", "current") == "current":
            yield key, parse_attachment(item)


async def removed_ids(walker: Walker, spaces: Sequence[Space]) -> dict[str, set[str]]:
    """By space key: ids of pages (and blog posts) in the trash or deleted (v2, no bodies)."""
    if len(spaces) == 1:
        return {spaces[0].key: await walker.removed_ids(spaces[0])}
    removed: dict[str, set[str]] = {s.key: set() for s in spaces}
    by_id = {str(s.id): s.key for s in spaces}
    kinds = ["pages", "blogposts"] if walker.blogposts else ["pages"]
    for start in range(0, len(spaces), MAX_SPACE_IDS):
        ids = ",".join(str(s.id) for s in spaces[start : start + MAX_SPACE_IDS])
        for kind in kinds:
            statuses = "trashed,deleted" if kind == "blogposts" else "trashed,deleted,archived"
            params: dict[str, str | int] = {"space-id": ids, "status": statuses}
            params["limit"] = walker.batch
            async for item in walker.client.paginate_v2(f"/api/v2/{kind}", params):
                key = by_id.get(str(item.get("spaceId")))
                if key is not None:
                    removed[key].add(str(item["id"]))
    return removed
