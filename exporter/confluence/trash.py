"""Attachments trashed since the last scan: one site-wide REST v2 listing a run.

Trashing a file leaves its page's version and date alone, and the CQL change listing shows only
current files, so without this an incremental run kept a trashed file (and the links to it)
until the periodic full reconcile. ``GET /wiki/api/v2/attachments?status=trashed`` sorted by
``-modified-date`` puts the newest trash first; a run reads it back to the ids that topped it at
each scanned space's last scan (``SpaceRecord.attachment_trash``), which is one request unless
more than a page of files was trashed since. Ids, not dates: no field of the attachment object
shows when it was trashed (its version keeps the upload time; docs/sandbox.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from exporter.confluence.client import ConfluenceClient

__all__ = ["TRASH_HEAD", "AttachmentTrash", "trashed_attachments"]

TRASH_HEAD = 50  # trashed attachment ids a space records: where the next run's listing stops


@dataclasses.dataclass(frozen=True)
class AttachmentTrash:
    """What the listing showed: trashed files by page or blog post, and the list's top ids."""

    by_page: dict[str, dict[str, str]]  # page or blog post id -> attachment id -> file name
    head: tuple[str, ...]
    depth: int | None = None  # ids read before a stop mark (None: no mark met, or no stop)

    def keeps_marks(self, batch: int) -> bool:
        """Whether last run's marks still stop the next run's listing early in its first page.

        A space where nothing was trashed keeps them, so the tracked manifest does not change
        because files were trashed elsewhere on the site.
        """
        return self.depth is not None and self.depth <= batch // 2


async def trashed_attachments(
    client: ConfluenceClient, batch: int, stop: Callable[[str], bool] | None
) -> AttachmentTrash:
    """The site's trashed attachments, newest first, until ``stop`` accepts an id (one that
    was trashed before every scanned space's last scan), and always the top ``TRASH_HEAD``
    ids; with ``stop`` None only those (a run whose spaces all list everything)."""
    found: dict[str, dict[str, str]] = {}
    head: list[str] = []
    keep = min(TRASH_HEAD, batch)
    reached = stop is None
    depth: int | None = None
    read = 0
    params: dict[str, str | int] = {"status": "trashed", "sort": "-modified-date", "limit": batch}
    async for item in client.paginate_v2("/api/v2/attachments", params):
        att_id = str(item.get("id") or "") if isinstance(item, dict) else ""
        owner = (item.get("pageId") or item.get("blogPostId")) if att_id else None
        if owner:
            found.setdefault(str(owner), {})[att_id] = str(item.get("title") or "")
        if len(head) < keep and att_id:
            head.append(att_id)
        read += 1
        if not reached and stop is not None and stop(att_id):
            reached, depth = True, read
        if reached and len(head) >= keep:
            break
    return AttachmentTrash(found, tuple(head), depth)
