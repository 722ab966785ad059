"""The change scan: what each selected space looks like now, fetching as little as it can.

A full scan (the first run, ``--full``, new selection settings, other export options, or the
periodic reconcile) lists every page; otherwise only what changed since the space's last scan,
plus the trash (pages that left it since were restored: they are fetched), plus the places of
the siblings of pages that arrived or moved (Confluence renumbers them without a new version).
The listings ask once per batch of spaces (``exporter.confluence.changes``), so a run over
hundreds of spaces costs a few requests, not a few per space. Fetched bodies go to the state's
body cache (not on a dry run), so rendering need not hold them in memory. A space's scan time
advances only when none of its pages failed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from exporter.confluence.changes import (
    changed_attachments,
    changed_pages,
    removed_ids,
    space_batches,
)
from exporter.confluence.trash import AttachmentTrash, trashed_attachments
from exporter.confluence.walker import SelectedSpace, Walker, mentioned_users
from exporter.logs import group as log_group
from exporter.models import Attachment, Page
from exporter.run.manifest import AttachmentRecord, PageRecord, SpaceRecord, State
from exporter.run.summary import ProgressFn

__all__ = ["Scan", "Scanner"]


@dataclasses.dataclass
class Scan:
    """What one space looks like now: the manifest plus this run's change scan."""

    selected: SelectedSpace
    full: bool
    started: datetime
    pages: dict[str, Page]  # every current page, folder and post; metadata only
    fetched: set[str]  # ids whose bodies were fetched (and cached) this run
    removed: set[str]  # manifest ids gone from Confluence
    listing: dict[str, dict[str, Attachment]]  # page id -> filename -> current attachment
    failed: bool = False
    trashed: set[tuple[str, str]] = dataclasses.field(default_factory=set)  # (page id, name)
    # An incremental scan that found nothing: ``pages`` and ``listing`` stay empty (reading
    # every record is the cost of a big space) until ``Scanner.materialize`` fills them.
    quiet: bool = False
    pending: _Pending | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass
class _Pending:
    """One space while its batch is listed: what the manifest knows and what came in."""

    sel: SelectedSpace
    full: bool
    started: datetime
    rec: SpaceRecord | None
    since: datetime | None
    state: State
    pages: dict[str, Page]  # what the listings brought; the recorded pages join in ``load``
    fetched: set[str] = dataclasses.field(default_factory=set)
    trash: set[str] = dataclasses.field(default_factory=set)
    attachments: list[Attachment] = dataclasses.field(default_factory=list)
    _known: dict[str, PageRecord] | None = None

    @property
    def known(self) -> dict[str, PageRecord]:
        """The space's records (read on first use: every record of the state)."""
        if self._known is None:
            key = self.sel.space.key
            self._known = {pid: r for pid, r in self.state.pages.items() if r.space_key == key}
        return self._known

    def load(self) -> None:
        """An incremental scan starts from the recorded pages (those listed replace theirs)."""
        if not self.full:
            taken = self.pages
            self.pages = {pid: r.to_page() for pid, r in self.known.items()}
            self.pages.update(taken)

    def recorded(self, page_id: str) -> bool:
        """Whether the space has a record of ``page_id`` (one row read, not every record)."""
        rec = self.state.pages.get(page_id)
        return rec is not None and rec.space_key == self.sel.space.key


@dataclasses.dataclass(kw_only=True)
class Scanner:
    """Scans one run's spaces and collects the users its pages name (mentions, authors)."""

    state: State
    options: dict[str, Any]  # the run's export options; other recorded ones mean a full scan
    full: bool  # ``--full``
    reconcile_every: timedelta
    mode: str  # the ``attachments`` setting: "none" lists none
    dry_run: bool
    progress: ProgressFn
    wanted_users: set[str] = dataclasses.field(default_factory=set)
    trash: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # per space
    attachment_trash: AttachmentTrash | None = None  # this run's listing (None: not read)
    batch: int = 250  # the walker's list size, set when the listing is read

    async def scan_attachment_trash(
        self, walker: Walker, selected: Sequence[SelectedSpace]
    ) -> None:
        """Read the site's trashed attachments once for every space (one request a run when
        fewer than a page of files was trashed since the oldest space's last scan)."""
        if self.mode == "none" or not selected:
            return
        heads = [
            rec.attachment_trash
            for sel in selected
            if not self._needs_full(sel.space.key, _fingerprint(sel))
            and (rec := self.state.spaces.get(sel.space.key)) is not None
        ]
        marks = [set(head) for head in heads]
        stop = None if not heads else (lambda att_id: all(att_id in m for m in marks))
        self.batch = walker.batch
        self.attachment_trash = await trashed_attachments(walker.client, walker.batch, stop)

    def _needs_full(self, scan_key: str, fingerprint: str) -> bool:
        rec = self.state.spaces.get(scan_key)
        if self.full or rec is None or rec.last_scan is None or rec.settings != fingerprint:
            return True
        if self.state.options != self.options:
            return True
        last_full = _parse_time(rec.last_full)
        return last_full is None or _utcnow() - last_full >= self.reconcile_every

    async def scan_all(self, walker: Walker, selected: Sequence[SelectedSpace]) -> list[Scan]:
        """List what changed in every selected space (everything on a full scan), caching
        bodies: one query per batch of spaces (``exporter.confluence.changes``), then each
        space's own follow-ups (restored pages, renumbered siblings)."""
        pending = [self._pending(sel) for sel in selected]
        for full in (True, False):
            group = [p for p in pending if p.full is full]
            by_key = {p.sel.space.key: p for p in group}
            for batch in space_batches([p.sel.space for p in group]):
                sinces = [by_key[s.key].since for s in batch]
                # the batch starts from its earliest space (a space with none lists it all)
                since = None if None in sinces else min(t for t in sinces if t is not None)
                await self._list(walker, [by_key[s.key] for s in batch], since)
        scans = []
        for p in pending:
            with log_group(f"Space {p.sel.space.key}"):  # ::group:: in GitHub logs
                scans.append(await self._finish(walker, p))
        return scans

    def _pending(self, sel: SelectedSpace) -> _Pending:
        space = sel.space
        full = self._needs_full(space.key, _fingerprint(sel))
        rec = self.state.spaces.get(space.key)
        since = None if full or rec is None else _parse_time(rec.last_scan)
        return _Pending(sel, full, _utcnow(), rec, since, self.state, {})

    async def _list(self, walker: Walker, batch: list[_Pending], since: datetime | None) -> None:
        """One batch's listings: its pages, attachments and trash, routed to their spaces."""
        spaces = [p.sel.space for p in batch]
        by_key = {p.sel.space.key: p for p in batch}

        async def list_attachments() -> None:
            if self.mode != "none":
                async for key, att in changed_attachments(walker, spaces, since):
                    by_key[key].attachments.append(att)

        # Attachments are listed while pages stream in: two lists, one wait.
        attachments = asyncio.ensure_future(list_attachments())
        try:
            fetched = 0
            async for page in changed_pages(walker, spaces, since):
                p = by_key[page.space_key]
                self._take(page, p.pages, p.fetched)
                fetched += 1
                self.progress("scan", fetched, None)
            trash = await removed_ids(walker, spaces)  # kept: a page leaving it was restored
            for key, ids in trash.items():
                by_key[key].trash = ids
                self.trash[key] = tuple(sorted(ids))
        except BaseException:
            attachments.cancel()
            await asyncio.gather(attachments, return_exceptions=True)
            raise
        await attachments

    async def _finish(self, walker: Walker, p: _Pending) -> Scan:
        """One space's scan from its listings: what is gone, restored and renumbered."""
        if self._quiet(p):
            return Scan(p.sel, False, p.started, {}, p.fetched, set(), {}, quiet=True, pending=p)
        p.load()
        sel, known, pages, fetched, trash = p.sel, p.known, p.pages, p.fetched, p.trash
        if p.full:
            removed = set(known) - set(pages)
        else:
            removed = (trash & set(pages)) - fetched
            for pid in removed:
                pages.pop(pid, None)
            await self._restored(walker, sel, p.rec, trash, pages, fetched)
            await self._refresh_places(walker, sel, known, pages, fetched, removed)
        listing = self._listing(p)
        trashed = set() if p.full else self._drop_trashed(listing)
        return Scan(sel, p.full, p.started, pages, fetched, removed, listing, trashed=trashed)

    def _listing(self, p: _Pending) -> dict[str, dict[str, Attachment]]:
        """Page id -> file name -> attachment: as recorded (incremental), then as listed."""
        listing: dict[str, dict[str, Attachment]] = {}
        if not p.full:
            for pid, r in p.known.items():
                if r.attachments:
                    listing[pid] = {a.filename: _attachment(pid, a) for a in r.attachments}
        for att in p.attachments:
            listing.setdefault(att.page_id, {})[att.filename] = att
        return listing

    def _quiet(self, p: _Pending) -> bool:
        """Whether an incremental scan found nothing: no page listed but as recorded (the
        listing starts a little before the last scan, so it lists recent edits again), no file
        listed, none of the space's pages in the trash (removed) or restored from it, no
        recorded file trashed. Each check reads only the records it names, never them all."""
        if p.full or p.attachments:
            return False
        for pid, page in p.pages.items():
            rec = self.state.pages.get(pid) if p.recorded(pid) else None
            if rec is None or rec.to_page() != dataclasses.replace(page, body=None):
                return False
        if any(p.recorded(pid) for pid in p.trash):  # removed: (trash & pages) - fetched
            return False
        left = set(p.rec.trash if p.rec is not None else ()) - p.trash
        if any(not p.recorded(pid) for pid in left):  # restored: fetched by id
            return False
        by_page = self.attachment_trash.by_page if self.attachment_trash is not None else {}
        for pid, files in by_page.items():
            rec = self.state.pages.get(pid) if p.recorded(pid) else None
            if rec is not None and any(files.get(a.id) == a.filename for a in rec.attachments):
                return False  # _drop_trashed would take it out of the listing
        return True

    def materialize(self, scan: Scan) -> None:
        """Fill a quiet scan's pages and listing: what ``_finish`` would have found (nothing
        removed, restored or renumbered, no file trashed: that is what quiet means)."""
        p = scan.pending
        if p is None:
            return
        p.load()
        scan.pages, scan.listing, scan.pending = p.pages, self._listing(p), None

    def _drop_trashed(self, listing: dict[str, dict[str, Attachment]]) -> set[tuple[str, str]]:
        """Take the files trashed since the last scan out of an incremental listing (the page
        keeps its version, so nothing else shows it); a same-named newer upload stays."""
        gone: set[tuple[str, str]] = set()
        by_page = self.attachment_trash.by_page if self.attachment_trash is not None else {}
        for pid, files in by_page.items():
            names = listing.get(pid)
            if not names:
                continue
            for att_id, name in files.items():
                if name in names and names[name].id == att_id:
                    del names[name]
                    gone.add((pid, name))
        return gone

    async def _restored(
        self,
        walker: Walker,
        sel: SelectedSpace,
        rec: SpaceRecord | None,
        trash: set[str],
        pages: dict[str, Page],
        fetched: set[str],
    ) -> None:
        """Fetch pages that left the trash since the last scan: restoring keeps a page's
        version and date, so the change scan does not list it (purged ones return nothing)."""
        left = sorted(set(rec.trash if rec is not None else ()) - trash - set(pages))
        if left:
            async for page in walker.pages_by_id(sel.space, left):
                self._take(page, pages, fetched)

    def _take(self, page: Page, pages: dict[str, Page], fetched: set[str]) -> None:
        if not self.dry_run and page.body is not None:
            self.state.put_body(page.id, page.version, page.body)
        self.wanted_users |= mentioned_users(page.body)
        if page.author_id:
            self.wanted_users.add(page.author_id)
        pages[page.id] = dataclasses.replace(page, body=None)
        fetched.add(page.id)

    async def _refresh_places(
        self,
        walker: Walker,
        sel: SelectedSpace,
        known: dict[str, PageRecord],
        pages: dict[str, Page],
        fetched: set[str],
        removed: set[str],
    ) -> None:
        """Re-read the parent and position of the siblings of pages that arrived, moved (both
        the siblings it joined and those it left) or were deleted with children: Confluence
        renumbers siblings without giving them a new version, and moves a deleted page's
        children up to its parent. Costs nothing when no page's place changed (edits keep
        theirs; a deleted page keeps its place in the trash, so its siblings keep theirs)."""
        groups: set[str | None] = set()
        for pid in fetched:
            page, old = pages[pid], known.get(pid)
            if page.kind != "blogpost" and (
                old is None or (old.parent_id, old.position) != (page.parent_id, page.position)
            ):
                groups.add(page.parent_id)
                if old is not None and old.parent_id != page.parent_id:
                    groups.add(old.parent_id)  # the siblings it left are renumbered
        parents = {r.parent_id for r in known.values()}
        groups |= {known[pid].parent_id for pid in removed if pid in parents}
        for parent in sorted(groups, key=lambda g: g or ""):
            if parent is not None and parent not in pages:
                continue
            for pid, (parent_id, position) in (await walker.places(sel.space, parent)).items():
                now = pages.get(pid)
                if now is None or (now.parent_id, now.position) == (parent_id, position):
                    continue
                pages[pid] = dataclasses.replace(now, parent_id=parent_id, position=position)
                old = self.state.pages.get(pid)
                if old is not None and pid not in fetched and not self.dry_run:
                    # Kept at once: the page is re-rendered only if its place in the docs
                    # changed, and later runs must start from the new numbers.
                    self.state.set_page(
                        dataclasses.replace(old, parent_id=parent_id, position=position)
                    )

    def finish_space(self, scan: Scan) -> None:
        """Advance the space's scan time, unless a page failed (so the next run retries it)."""
        space = scan.selected.space
        old = self.state.spaces.get(space.key)
        if scan.failed:
            return
        self.state.set_space(
            SpaceRecord(
                key=space.key,
                id=space.id,
                name=space.name,
                last_scan=_iso(scan.started),
                last_full=_iso(scan.started) if scan.full else (old.last_full if old else None),
                settings=_fingerprint(scan.selected),
                homepage_id=space.homepage_id,
                trash=self.trash.get(space.key, ()),
                attachment_trash=self._marks(scan, old),
            )
        )

    def _marks(self, scan: Scan, old: SpaceRecord | None) -> tuple[str, ...]:
        """Where the next run's trashed-attachment listing may stop for this space: the top of
        this run's, unless the old marks still serve and no file of the space was trashed."""
        listed, kept = self.attachment_trash, old.attachment_trash if old else ()
        if listed is None:
            return kept
        if kept and not scan.full and not scan.trashed and listed.keeps_marks(self.batch):
            return kept
        return listed.head


def _attachment(page_id: str, rec: AttachmentRecord) -> Attachment:
    """A recorded attachment as the listing holds it (an incremental scan lists only changes)."""
    return Attachment(
        id=rec.id,
        page_id=page_id,
        filename=rec.filename,
        media_type=rec.media_type,
        size=rec.size,
        version=rec.version,
        download_path=rec.download_path,
    )


def _fingerprint(sel: SelectedSpace) -> str:
    s = sel.selection
    return repr((s.root, s.include_labels, s.exclude_labels, s.exclude_titles))


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
