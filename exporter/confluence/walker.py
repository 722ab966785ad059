"""What to export: spaces, every page with its body, attachments and users, in few requests.

Pages come from one bulk v1 CQL search per 250 pages, expanded with everything the later stages
need (storage body, version, labels, ancestors; ``extensions.position`` gives the manual order), so each page object is fetched exactly once; the same search with ``lastmodified >=``
finds what changed since the last run. Attachments are listed per space with CQL too, users in
v2 ``users-bulk`` batches (v1 ``user/bulk`` for a token with only the classic user scope). :func:`build_tree` applies the selection (subtree, labels, title globs)
and orders the tree as Confluence's manual order does (``exporter.confluence.tree``). Bodies missing
from the run's cache come back by id in v2 batches (:func:`storage_bodies`). Confluence JSON is
parsed here (and in ``spaces``, ``trash``): later stages see only models.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exporter.config.settings import DEFAULT_SPACE_TYPES, SpaceSelection
from exporter.confluence.client import ConfluenceClient
from exporter.confluence.spaces import (
    GoneSpace,
    SelectedSpace,
    SpaceChoice,
    readable_spaces,
    select_spaces,
    space_from_json,
)
from exporter.confluence.tree import build_tree
from exporter.errors import ApiError, NetworkUnavailable
from exporter.models import Attachment, Page, Space

__all__ = [
    "SAFETY_LAG",
    "GoneSpace",
    "SelectedSpace",
    "SpaceChoice",
    "StorageBody",
    "Walker",
    "build_tree",
    "cql_time",
    "download_route",
    "mentioned_users",
    "page_attachments",
    "parse_attachment",
    "parse_page",
    "readable_spaces",
    "space_from_json",
    "storage_bodies",
]

log = logging.getLogger(__name__)

PAGE_EXPAND = "content.body.storage,content.version,content.metadata.labels,content.ancestors"
PLACE_EXPAND = "content.version,content.ancestors"
ATTACHMENT_EXPAND = "version,container"
PAGE_BATCH = 250  # objects a list request asks for (v2 maximum; CQL search honours it)
SAFETY_LAG = timedelta(minutes=10)  # CQL indexing lags writes; re-read a margin before last scan
# CQL reads dates in the caller's time zone; without it (no classic read:confluence-user to read
# user/current) a UTC date is moved back by the largest offset west of UTC, so no zone misses any.
UNKNOWN_ZONE_MARGIN = timedelta(hours=12)
USER_BATCH = 100  # ids per users-bulk request (its limit is undocumented; 100 is safe)
UsersApi = Literal["v2", "v1"]
_ACCOUNT_ID = re.compile(r'ri:account-id="([^"]+)"')


class Walker:
    """Reads what to export through a :class:`ConfluenceClient`; holds a per-run user cache."""

    def __init__(
        self,
        client: ConfluenceClient,
        *,
        site_url: str,
        blogposts: bool = False,
        batch: int = PAGE_BATCH,
        users_api: UsersApi = "v2",
        read_zone: bool = True,
    ) -> None:
        self.client = client
        self.batch = batch
        self.site_url = site_url.rstrip("/")
        self.blogposts = blogposts
        self.users_api = users_api
        self.read_zone = read_zone  # False: the token may not call v1 user/current
        self.users: dict[str, str] = {}
        self._zone: tzinfo | None = None
        self._zone_known = False

    async def zone(self) -> tzinfo | None:
        """The time zone CQL dates are read in: the user's profile zone, None when unknown.

        Confluence reads ``lastmodified >= "yyyy-MM-dd HH:mm"`` in the calling user's time
        zone, so a UTC timestamp could miss hours of changes west of Greenwich.
        """
        if not self._zone_known:
            self._zone_known = True
            if not self.read_zone:
                log.info("No scope to read the time zone: CQL dates go in UTC, 12 hours early")
                return None
            self._zone = UTC
            try:
                me = await self.client.get_json("/rest/api/user/current")
                name = me.get("timeZone") if isinstance(me, dict) else None
                if name:
                    self._zone = ZoneInfo(str(name))
            except NetworkUnavailable:
                raise
            except (ApiError, ZoneInfoNotFoundError, ValueError):
                log.info("Could not read the user's time zone; CQL dates are sent in UTC")
        return self._zone

    async def since_clause(self, since: datetime) -> str:
        """The CQL clause for "modified at or after ``since``" (less the margins)."""
        zone = await self.zone()
        start = since - SAFETY_LAG - (UNKNOWN_ZONE_MARGIN if zone is None else timedelta(0))
        return f' and lastmodified >= "{cql_time(start, zone or UTC)}"'

    # -- spaces -------------------------------------------------------------------------------

    async def select_spaces(
        self,
        wanted: tuple[SpaceSelection, ...] | Literal["all"] | None,
        only: list[str] | None = None,
        known: Iterable[str] = (),
        types: Iterable[str] = DEFAULT_SPACE_TYPES,
    ) -> SpaceChoice:
        """The spaces to export and the chosen ones that are gone (see ``exporter.confluence.spaces``)."""
        return await select_spaces(
            self.client, self.site_url, wanted, only, known, self.batch, types
        )

    def _space(self, item: dict[str, Any]) -> Space:
        return space_from_json(item, self.site_url)

    # -- pages --------------------------------------------------------------------------------

    async def pages(self, space: Space, since: datetime | None = None) -> AsyncIterator[Page]:
        """Every page and folder (and blog post, when enabled) of a space, with bodies.

        With ``since``, only content modified at or after ``since - SAFETY_LAG``.
        """
        types = "page,folder,blogpost" if self.blogposts else "page,folder"
        cql = f'space="{space.key}" and type in ({types})'
        if since is not None:
            cql += await self.since_clause(since)
        params: dict[str, str | int] = {"cql": cql, "expand": PAGE_EXPAND, "limit": self.batch}
        # /rest/api/search, not /content/search: the latter caps results at 50 a request when
        # bodies are expanded (KB-50), which would cost five times the requests.
        async for hit in self.client.paginate_v1("/rest/api/search", params):
            item = hit.get("content") if isinstance(hit, dict) else None
            if not item:
                continue
            page = parse_page(item, space.key, self.site_url)
            if page.status == "current":
                yield page

    async def pages_by_id(self, space: Space, ids: list[str]) -> AsyncIterator[Page]:
        """The current pages among ``ids``, with bodies (restored pages), a batch at a time."""
        for start in range(0, len(ids), self.batch):
            chunk = ",".join(ids[start : start + self.batch])
            cql = f'space="{space.key}" and id in ({chunk})'
            params: dict[str, str | int] = {"cql": cql, "expand": PAGE_EXPAND, "limit": self.batch}
            async for hit in self.client.paginate_v1("/rest/api/search", params):
                item = hit.get("content") if isinstance(hit, dict) else None
                if item:
                    page = parse_page(item, space.key, self.site_url)
                    if page.status == "current":
                        yield page

    async def places(
        self, space: Space, parent_id: str | None
    ) -> dict[str, tuple[str | None, int | None]]:
        """Parent and position of every page and folder under ``parent_id`` (the space's top
        level when None), without bodies: siblings' positions change without a new version.
        """
        cql = f'space="{space.key}" and type in (page,folder)'
        if parent_id is not None:
            cql += f" and parent = {parent_id}"
        params: dict[str, str | int] = {"cql": cql, "expand": PLACE_EXPAND, "limit": self.batch}
        found: dict[str, tuple[str | None, int | None]] = {}
        async for hit in self.client.paginate_v1("/rest/api/search", params):
            item = hit.get("content") if isinstance(hit, dict) else None
            if not item or item.get("status", "current") != "current":
                continue
            page = parse_page(item, space.key)
            if parent_id is None and page.parent_id is not None:
                continue
            found[page.id] = (page.parent_id, page.position)
        return found

    async def removed_ids(self, space: Space) -> set[str]:
        """Ids of pages and blog posts in the trash or deleted (cheap v2 listings, no bodies)."""
        removed: set[str] = set()
        kinds = ["pages", "blogposts"] if self.blogposts else ["pages"]
        for kind in kinds:
            statuses = "trashed,deleted" if kind == "blogposts" else "trashed,deleted,archived"
            path = f"/api/v2/spaces/{space.id}/{kind}"
            async for item in self.client.paginate_v2(
                path, {"status": statuses, "limit": self.batch}
            ):
                removed.add(str(item["id"]))
        return removed

    # -- attachments --------------------------------------------------------------------------

    async def attachments(
        self, space: Space, since: datetime | None = None
    ) -> AsyncIterator[Attachment]:
        """Every current attachment in a space (or those changed since ``since``)."""
        cql = f'space="{space.key}" and type=attachment'
        if since is not None:
            cql += await self.since_clause(since)
        params: dict[str, str | int] = {
            "cql": cql,
            "expand": ATTACHMENT_EXPAND,
            "limit": self.batch,
        }
        async for item in self.client.paginate_v1("/rest/api/content/search", params):
            if item.get("status", "current") == "current":
                yield parse_attachment(item)

    # -- users --------------------------------------------------------------------------------

    async def fetch_users(self, account_ids: Iterable[str]) -> dict[str, str]:
        """Display names for account ids, fetched in batches and cached for the run."""
        todo = sorted({a for a in account_ids if a and a not in self.users})
        for start in range(0, len(todo), USER_BATCH):
            batch = todo[start : start + USER_BATCH]
            if self.users_api == "v2":
                data = await self.client.post_json("/api/v2/users-bulk", {"accountIds": batch})
            else:
                query = "&".join(f"accountId={_q(a)}" for a in batch)
                data = await self.client.get_json(f"/rest/api/user/bulk?{query}&limit={len(batch)}")
            for user in data.get("results", []) if isinstance(data, dict) else []:
                name = user.get("displayName") or user.get("publicName")
                if user.get("accountId") and name:
                    self.users[user["accountId"]] = name
            for account_id in batch:
                self.users.setdefault(account_id, account_id)
        return self.users


def parse_page(item: dict[str, Any], space_key: str, site_url: str = "") -> Page:
    """A v1 content object (page, folder or blog post) as a :class:`Page`."""
    version = item.get("version") or {}
    ancestors = item.get("ancestors") or []
    labels = ((item.get("metadata") or {}).get("labels") or {}).get("results") or []
    body = ((item.get("body") or {}).get("storage") or {}).get("value")
    position = (item.get("extensions") or {}).get("position")
    webui = (item.get("_links") or {}).get("webui", "")
    kind = item.get("type", "page")
    return Page(
        id=str(item["id"]),
        space_key=space_key,
        title=item.get("title", ""),
        kind=kind if kind in ("page", "folder", "blogpost") else "page",
        parent_id=str(ancestors[-1]["id"]) if ancestors and kind != "blogpost" else None,
        position=int(position)
        if isinstance(position, int | str) and str(position).lstrip("-").isdigit()
        else None,
        version=int(version.get("number", 1)),
        created=((item.get("history") or {}).get("createdDate") or ""),
        updated=version.get("when", ""),
        author_id=(version.get("by") or {}).get("accountId"),
        status=item.get("status", "current"),
        labels=tuple(sorted(label["name"] for label in labels if label.get("name"))),
        url=f"{site_url}/wiki{webui}" if webui else "",
        body=body if kind != "folder" else (body or ""),
        version_message=str(version.get("message") or ""),
    )


def parse_attachment(item: dict[str, Any]) -> Attachment:
    """A v1 attachment content object as an :class:`Attachment`."""
    ext = item.get("extensions") or {}
    container = item.get("container") or {}
    download = (item.get("_links") or {}).get("download", "")
    page_id = container.get("id") or _container_from_download(download)
    return Attachment(
        id=str(item["id"]),
        page_id=str(page_id),
        filename=item.get("title", ""),
        media_type=ext.get("mediaType") or (item.get("metadata") or {}).get("mediaType") or "",
        size=int(ext.get("fileSize") or 0),
        version=int((item.get("version") or {}).get("number", 1)),
        download_path=download,
        file_id=str(ext.get("fileId") or ""),
        comment=str(ext.get("comment") or ""),
    )


def download_route(att: Attachment) -> str:
    """The REST route that downloads one attachment version (a redirect to the media host).

    Not ``_links.download``: that servlet path answers 401 to API tokens and OAuth since 2026
    (changelog CHANGE-2735/CHANGE-3007, reference section 9).
    """
    version = f"?version={att.version}" if att.version else ""
    return f"/rest/api/content/{_q(att.page_id)}/child/attachment/{_q(att.id)}/download{version}"


async def page_attachments(client: ConfluenceClient, page_id: str) -> list[Attachment]:
    """Every current attachment of one page or blog post (v1 child listing, 250 a request)."""
    path = f"/rest/api/content/{_q(page_id)}/child/attachment"
    params: dict[str, str | int] = {"expand": ATTACHMENT_EXPAND, "limit": PAGE_BATCH}
    found = []
    async for item in client.paginate_v1(path, params):
        if isinstance(item, dict) and item.get("status", "current") == "current":
            att = parse_attachment(item)
            found.append(att if att.page_id else dataclasses.replace(att, page_id=page_id))
    return found


@dataclasses.dataclass(frozen=True, slots=True)
class StorageBody:
    """The storage-format body of one version of a page or blog post."""

    page_id: str
    version: int
    value: str


async def storage_bodies(
    client: ConfluenceClient, kind: Literal["pages", "blogposts"], ids: Sequence[str]
) -> AsyncIterator[StorageBody]:
    """The current storage bodies of pages (or blog posts) by id, 250 ids a v2 request."""
    for start in range(0, len(ids), PAGE_BATCH):
        chunk = ",".join(ids[start : start + PAGE_BATCH])
        params: dict[str, str | int] = {"id": chunk, "body-format": "storage", "limit": PAGE_BATCH}
        async for item in client.paginate_v2(f"/api/v2/{kind}", params):
            body = ((item.get("body") or {}).get("storage") or {}).get("value")
            number = (item.get("version") or {}).get("number")
            if body is not None and number is not None:
                yield StorageBody(str(item["id"]), int(number), body)


def _container_from_download(download: str) -> str:
    match = re.match(r"/download/attachments/(\d+)/", download)
    return match.group(1) if match else ""


def mentioned_users(body: str | None) -> set[str]:
    """Account ids a storage body mentions (``ri:user ri:account-id``)."""
    return set(_ACCOUNT_ID.findall(body or ""))


def cql_time(when: datetime, zone: tzinfo = UTC) -> str:
    """CQL's date format, ``yyyy-MM-dd HH:mm``, in ``zone`` (rounded down to the minute)."""
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def utcnow() -> datetime:
    """Now, in UTC (a seam for tests)."""
    return datetime.now(UTC)
