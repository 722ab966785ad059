"""The change scan: what each selected space looks like now, fetching as little as it can.

A full scan (the first run, ``--full``, new selection settings, other export options, or the
periodic reconcile) lists every page; otherwise only what changed since the space's last scan,
plus the trash. Fetched bodies go to the state's body cache (not on a dry run), so rendering
need not hold them in memory. A space's scan time advances only when none of its pages failed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from exporter.models import Attachment, Page
from exporter.state import AttachmentRecord, SpaceRecord, State
from exporter.summary import ProgressFn
from exporter.walk import SelectedSpace, Walker, mentioned_users

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

    def _needs_full(self, scan_key: str, fingerprint: str) -> bool:
        rec = self.state.spaces.get(scan_key)
        if self.full or rec is None or rec.last_scan is None or rec.settings != fingerprint:
            return True
        if self.state.options != self.options:
            return True
        last_full = _parse_time(rec.last_full)
        return last_full is None or _utcnow() - last_full >= self.reconcile_every

    async def scan(self, walker: Walker, sel: SelectedSpace) -> Scan:
        """List what changed in one space (everything on a full scan), caching bodies."""
        space = sel.space
        full = self._needs_full(space.key, _fingerprint(sel))
        started = _utcnow()
        rec = self.state.spaces.get(space.key)
        since = None if full or rec is None else _parse_time(rec.last_scan)
        known = {pid: r for pid, r in self.state.pages.items() if r.space_key == space.key}
        pages = {} if full else {pid: r.to_page() for pid, r in known.items()}
        fetched: set[str] = set()

        async def list_attachments() -> list[Attachment]:
            if self.mode == "none":
                return []
            return [att async for att in walker.attachments(space, since)]

        # Attachments are listed while pages stream in: two lists, one wait.
        attachments = asyncio.ensure_future(list_attachments())
        try:
            async for page in walker.pages(space, since):
                if not self.dry_run and page.body is not None:
                    self.state.put_body(page.id, page.version, page.body)
                self.wanted_users |= mentioned_users(page.body)
                if page.author_id:
                    self.wanted_users.add(page.author_id)
                pages[page.id] = dataclasses.replace(page, body=None)
                fetched.add(page.id)
                self.progress("scan", len(fetched), None)
            if full:
                removed = set(known) - set(pages)
            else:
                removed = (await walker.removed_ids(space) & set(pages)) - fetched
                for pid in removed:
                    pages.pop(pid, None)
        except BaseException:
            attachments.cancel()
            await asyncio.gather(attachments, return_exceptions=True)
            raise
        listing: dict[str, dict[str, Attachment]] = {}
        if not full:
            for pid, r in known.items():
                if r.attachments:
                    listing[pid] = {a.filename: _attachment(pid, a) for a in r.attachments}
        for att in await attachments:
            listing.setdefault(att.page_id, {})[att.filename] = att
        return Scan(sel, full, started, pages, fetched, removed, listing)

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
            )
        )


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
