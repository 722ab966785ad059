"""Reading a page's past versions from REST v2 (Atlassian's ``getPageVersions`` and
``getPageById?version=N``).

The version list is asked for with ``body-format=storage`` and used as is when a body comes
back in it; Atlassian's spec offers ``body-format`` there, but whether Cloud fills in past
bodies is unconfirmed (confluence-api.md section 9; mcp-atlassian #1373 found none), so every
version the list gives without a body is read alone with ``GET /pages/{id}?version=N``. The
version a page is at now needs no request: its body is the export's.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from exporter.confluence.client import ConfluenceClient

__all__ = ["LIST_LIMIT", "PageVersion", "fetch_bodies", "list_versions"]

LIST_LIMIT = 250  # the v2 maximum
FETCH_WINDOW = 16  # bodies in flight at once (the client's own concurrency limit applies)


@dataclass(frozen=True, slots=True)
class PageVersion:
    """One version of a page: who made it when, with what message, title and storage body."""

    page_id: str
    number: int
    author_id: str
    created_at: str  # ISO 8601 as Confluence gave it
    message: str = ""
    minor_edit: bool = False
    title: str = ""
    body: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "authorId": self.author_id,
            "createdAt": self.created_at,
            "message": self.message,
            "minorEdit": self.minor_edit,
            "title": self.title,
            "body": self.body,
        }

    @classmethod
    def from_json(cls, page_id: str, data: dict[str, Any]) -> PageVersion:
        """A version from the list's JSON (``page.title``/``page.body``) or the cache's."""
        page = data.get("page") or {}
        body = data.get("body")
        if body is None:
            body = ((page.get("body") or {}).get("storage") or {}).get("value")
        return cls(
            page_id=page_id,
            number=int(data["number"]),
            author_id=str(data.get("authorId") or ""),
            created_at=str(data.get("createdAt") or ""),
            message=str(data.get("message") or ""),
            minor_edit=bool(data.get("minorEdit", False)),
            title=str(data.get("title") or page.get("title") or ""),
            body=body if isinstance(body, str) else None,
        )


async def list_versions(
    client: ConfluenceClient,
    page_id: str,
    *,
    after: int,
    upto: int,
    since: date | None = None,
    keep: int | None = None,
) -> list[PageVersion]:
    """Versions ``after < number <= upto`` of a page, oldest first, newest-first pages of the
    list read only as far as needed; ``since`` drops versions made before that day, ``keep``
    all but the last ``keep``."""
    wanted = upto - after if keep is None else min(upto - after, keep)
    params: dict[str, Any] = {
        "limit": max(1, min(LIST_LIMIT, wanted)) if since is None else LIST_LIMIT,
        "sort": "-modified-date",
        "body-format": "storage",
    }
    found: list[PageVersion] = []
    pages = client.paginate_v2(f"/api/v2/pages/{page_id}/versions", params)
    try:
        async for item in pages:
            version = PageVersion.from_json(page_id, item)
            if version.number <= after or (since and version.created_at[:10] < since.isoformat()):
                break
            if version.number <= upto:
                found.append(version)
            if len(found) >= wanted:
                break
    finally:
        await pages.aclose()  # type: ignore[attr-defined]
    return sorted(found, key=lambda v: v.number)


async def fetch_bodies(
    client: ConfluenceClient, versions: Iterable[PageVersion]
) -> list[PageVersion]:
    """The versions with their bodies: each one the list gave without a body is read alone."""
    todo = list(versions)
    window = asyncio.Semaphore(FETCH_WINDOW)

    async def one(version: PageVersion) -> PageVersion:
        if version.body is not None:
            return version
        async with window:
            data = await client.get_json(
                f"/api/v2/pages/{version.page_id}",
                {"version": version.number, "body-format": "storage"},
            )
        body = ((data.get("body") or {}).get("storage") or {}).get("value")
        title = data.get("title") or version.title
        return dataclasses.replace(version, title=str(title), body=str(body or ""))

    tasks = [asyncio.ensure_future(one(v)) for v in todo]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
