"""Attachment downloads for one run, and the page records that list them.

A rendered page's attachments download in the background while later pages render; its
manifest entry is set only once they are on disk, so a killed run fetches them again. A page
that did not change still gets new versions of its files (and, for ``attachments: all``, new
files), and pages that link to another page's attachment get that file too. A failed download
keeps its older file or is recorded without a path; either way the next run retries it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from exporter.confluence.client import ConfluenceClient
from exporter.confluence.walker import download_route, page_attachments
from exporter.errors import ApiError, NetworkUnavailable
from exporter.models import Attachment, Page
from exporter.run.changes import attachment_changes
from exporter.run.context import RunContext
from exporter.run.manifest import AttachmentRecord, PageRecord
from exporter.run.scan import Scan
from exporter.warnings import ATTACHMENT_CODES, MISSING_ATTACHMENT, for_page

if TYPE_CHECKING:
    from exporter.docs.writer import DocsWriter

__all__ = ["AttachmentDownloads", "gather_all"]

# The run logs under one name, as it did before its stages had modules (JSON lines show it).
log = logging.getLogger("exporter.run.pipeline")

FLUSH_EVERY_S = 5.0  # how often finished pages are saved to the manifest during a run


class AttachmentDownloads:
    """Downloads attachments in background tasks, at most one open temp file per request slot."""

    def __init__(
        self,
        context: RunContext,
        client: ConfluenceClient,
        writer: DocsWriter,
        scans: dict[str, Scan],
        listing: dict[str, dict[str, Attachment]],
        io: Executor,
    ) -> None:
        self.context = context
        self.mode = context.attachments
        self.state = context.state
        self.client = client
        self.writer = writer
        self.scans = scans
        self.listing = listing
        self.io = io
        self.pending: set[asyncio.Task[None]] = set()
        self.errors: list[BaseException] = []  # errors of finished background tasks
        # Downloads holding an open temp file: no more than the client can run at once.
        self.slots = asyncio.Semaphore(client.concurrency)
        # Pages whose attachment listing was fetched to resolve name-only references.
        self._listings: dict[str, asyncio.Future[list[Attachment]]] = {}

    def spawn(self, coro: Any) -> None:
        """Run ``coro`` in the background; ``drain`` waits for it, ``cancel_pending`` stops it."""
        task = asyncio.ensure_future(coro)
        self.pending.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        """A background task ended: keep its error (retrieved now) for ``drain`` to raise."""
        self.pending.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.errors.append(error)

    async def drain(self) -> None:
        """Wait for every background task; raise the first error any of them ended with."""
        while self.pending:
            await gather_all(list(self.pending))
        if self.errors:
            raise self.errors[0]

    async def cancel_pending(self) -> None:
        """Cancel background downloads and collect their outcomes (no unretrieved errors)."""
        while self.pending:
            tasks = list(self.pending)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.pending.difference_update(tasks)

    async def complete(self, record: PageRecord, wanted: set[str]) -> None:
        """Download a rendered page's attachments, then record the page (files are on disk)."""
        old = self.state.pages.get(record.id)
        kept = {a.filename: a for a in (old.attachments if old else ())}
        notes: list[tuple[str, str]] = []
        atts = await self._attachments(record.id, wanted, kept, notes)
        self.context.summary.changes.extend(attachment_changes(record, kept.values(), atts))
        self.state.set_page(_with_files(record, atts, notes))
        self.state.maybe_flush(FLUSH_EVERY_S)

    def stale_attachments(self, page_id: str) -> set[str]:
        """For an unchanged page: attachments to fetch (new versions; new files for ``all``)."""
        rec = self.state.pages.get(page_id)
        if rec is None or self.mode == "none":
            return set()
        listing = self.listing.get(page_id, {})
        kept = {a.filename: a for a in rec.attachments}
        wanted = set(kept) | (set(listing) if self.mode == "all" else set())
        # A record without a path is an attachment whose download failed: fetch it again.
        if all(fn in kept and kept[fn].path and fn in listing
               and listing[fn].version == kept[fn].version for fn in wanted):  # fmt: skip
            self.context.summary.attachments_unchanged += len(kept)
            return set()
        return wanted

    async def refresh_attachments(self, page_id: str, wanted: set[str]) -> None:
        """Download an unchanged page's stale attachments, then update its record."""
        rec = self.state.pages[page_id]
        listing = self.listing.get(page_id, {})
        kept = {a.filename: a for a in rec.attachments}
        self.writer.register_attachments(page_id, listing)
        # the page does not name a file trashed since (it would have been re-rendered): drop it
        wanted = {fn for fn in wanted if not self._trashed(page_id, fn)}
        notes: list[tuple[str, str]] = []
        atts = await self._attachments(page_id, wanted, kept, notes)
        self.context.summary.changes.extend(attachment_changes(rec, kept.values(), atts))
        self.state.set_page(_with_files(rec, atts, notes))

    async def extra_attachments(self, refs: set[tuple[str, str]]) -> None:
        """Attachments of other pages that rendered pages link to (``refs``: owner id, filename)."""
        by_owner: dict[str, set[str]] = {}
        for owner, fn in refs:
            rec = self.state.pages.get(owner)
            done = {a.filename for a in rec.attachments if a.path} if rec is not None else set()
            if rec is not None and rec.path and fn not in done:
                by_owner.setdefault(owner, set()).add(fn)
        for owner, names in by_owner.items():
            rec = self.state.pages[owner]
            kept = {a.filename: a for a in rec.attachments}
            notes: list[tuple[str, str]] = []
            atts = await self._attachments(owner, names | set(kept), kept, notes)
            self.state.set_page(_with_files(rec, atts, notes))

    async def _attachments(
        self,
        page_id: str,
        wanted: set[str],
        kept: dict[str, AttachmentRecord],
        notes: list[tuple[str, str]],
    ) -> tuple[AttachmentRecord, ...]:
        """The page's attachment records once ``wanted`` are on disk; warnings go to ``notes``."""
        listing = self.listing.get(page_id, {})
        full = any(s.full for s in self.scans.values() if page_id in s.pages)
        jobs = []
        for fn in sorted(wanted):
            att = listing.get(fn)
            # a file trashed since the last scan: its copy goes, as a full export has none
            trashed = self._trashed(page_id, fn)
            on_disk = fn in kept and bool(kept[fn].path) and not trashed
            if (att is not None and not att.id) or (
                att is None and not full and not on_disk and not trashed
            ):
                att = await self._look_up(page_id, fn)  # referenced by name only: find its id
            if att is None or not att.id:
                if on_disk:
                    jobs.append(_done(kept[fn]))
                else:
                    notes.append((MISSING_ATTACHMENT, f"links to attachment {fn!r}, which "
                                  "Confluence does not have"))  # fmt: skip
                continue
            jobs.append(self._download(page_id, att, kept.get(fn), notes))
        results = await gather_all(jobs)
        return tuple(r for r in results if r is not None)

    def _trashed(self, page_id: str, filename: str) -> bool:
        """Whether the scan saw this file of an exported page trashed since the last run."""
        return any((page_id, filename) in s.trashed for s in self.scans.values())

    async def _look_up(self, page_id: str, filename: str) -> Attachment | None:
        """An attachment known only by page and name, from that page's listing (fetched once).

        Downloads go by attachment id; a name-only reference (``ri:attachment`` on another
        page, a page outside this run's full listings) is resolved here instead of building
        a ``/download/attachments/`` path, which Confluence refuses.
        """
        task = self._listings.get(page_id)
        if task is None:
            task = self._listings[page_id] = asyncio.ensure_future(
                page_attachments(self.client, page_id)
            )
        try:
            found = await asyncio.shield(task)
        except ApiError as exc:
            if exc.status_code != 404:
                raise
            found = []  # the page is gone or not visible: it has no attachments to fetch
        known = self.listing.setdefault(page_id, {})
        for att in found:
            if not known.get(att.filename) or not known[att.filename].id:
                known[att.filename] = att
        return known.get(filename)

    async def _download(
        self,
        page_id: str,
        att: Attachment,
        old: AttachmentRecord | None,
        notes: list[tuple[str, str]],
    ) -> AttachmentRecord | None:
        rel = f"docs/{self.writer.attachment_path(page_id, att.filename)}"
        if (
            old is not None
            and old.path
            and old.version == att.version
            and (self.context.out / rel).is_file()
        ):
            self.context.summary.attachments_unchanged += 1
            return old
        loop = asyncio.get_running_loop()
        try:
            # The temp file is opened only once a slot is held, so open files stay bounded.
            async with self.slots:
                # Comparing and renaming the finished file is disk work: off the event loop.
                target = self.writer.open_attachment(page_id, att.filename)
                fh = target.__enter__()
                try:
                    size = await self.client.download_into(
                        download_route(att), fh, att.size or None
                    )
                except BaseException as exc:
                    await loop.run_in_executor(self.io, target.__exit__, type(exc), exc, None)
                    raise
                await loop.run_in_executor(self.io, target.__exit__, None, None, None)
        except NetworkUnavailable:
            raise  # the host is gone for every download: end the run, the next one resumes
        except (ApiError, OSError) as exc:
            if isinstance(exc, ApiError) and exc.status_code == 404 and await self._gone(att):
                notes.append((MISSING_ATTACHMENT, f"links to attachment {att.filename!r}, which "
                              "Confluence no longer has (its download answers 404)"))  # fmt: skip
                return None
            page = Page(id=page_id, space_key="", title=f"attachment {att.filename}")
            self.context.fail(page, str(exc), attachment=True)
            for scan in self.scans.values():
                if page_id in scan.pages:
                    scan.failed = True
            if old is not None and old.path and (self.context.out / old.path).is_file():
                return old  # its older version stays on disk; the next run sees it is stale
            # Recorded without a path: the next run sees it as missing and fetches it again.
            return AttachmentRecord(att.id, att.filename, att.version, 0, "", att.media_type,
                                    att.download_path)  # fmt: skip
        self.context.summary.attachments_downloaded += 1
        return AttachmentRecord(att.id, att.filename, att.version, size, rel, att.media_type,
                                att.download_path)  # fmt: skip

    async def _gone(self, att: Attachment) -> bool:
        """Whether an attachment whose download answered 404 is also gone from its listing."""
        try:
            found = await self.client.get_json(f"/api/v2/attachments/{quote(att.id)}")
        except NetworkUnavailable:
            raise
        except ApiError as exc:
            return exc.status_code == 404
        # A trashed file still answers by id, with its status: it is gone all the same.
        return isinstance(found, dict) and found.get("status", "current") != "current"


async def gather_all(aws: list[Any]) -> list[Any]:
    """``asyncio.gather``, but when one fails the others are cancelled and awaited first.

    Plain gather leaves the siblings running, and their later errors are never retrieved.
    """
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _done(value: AttachmentRecord) -> AttachmentRecord | None:
    return value


def _with_files(
    rec: PageRecord, atts: tuple[AttachmentRecord, ...], notes: list[tuple[str, str]]
) -> PageRecord:
    """``rec`` listing ``atts`` and their files; its attachment warnings replaced by ``notes``."""
    files = (rec.path, *(a.path for a in atts if a.path))
    kept = tuple(w for w in rec.warnings if w.code not in ATTACHMENT_CODES)
    found = for_page(sorted(set(notes)), rec.id, rec.title, rec.path, rec.url)
    return dataclasses.replace(rec, attachments=atts, files=files, warnings=kept + found)
