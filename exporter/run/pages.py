"""Rendering the docs folder: carrying out the run's plan, converting and writing pages.

``exporter.run.plan`` decides which pages to render (new, changed, moved, or anything they were
rendered from changed: ``exporter.docs.deps``) and which to delete; ``Render`` carries the plan
out. Pages convert in a thread, or in worker processes for big runs (``exporter.run.workers``), a
bounded window at a time, and are written atomically while their attachments download.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from collections.abc import Sequence
from concurrent.futures import BrokenExecutor, Executor, ThreadPoolExecutor
from typing import Any, Literal

from exporter.confluence.client import ConfluenceClient
from exporter.confluence.walker import storage_bodies
from exporter.docs.deps import DependencyView
from exporter.docs.layout import Entry
from exporter.docs.writer import DocsWriter
from exporter.errors import DeletionRefused, ExportError
from exporter.models import Attachment, ConvertedPage, NavTree, Page
from exporter.run.attachments import AttachmentDownloads, gather_all
from exporter.run.changes import deleted_page, page_change
from exporter.run.context import RunContext
from exporter.run.manifest import PageRecord
from exporter.run.plan import Placed, PlanRules, Step, plan_pages
from exporter.run.scan import Scan
from exporter.run.workers import convert_in_worker, process_pool, set_writer

__all__ = ["Render"]

# The run logs under one name, as it did before its stages had modules (JSON lines show it).
log = logging.getLogger("exporter.run.pipeline")

PROCESS_POOL_MIN = 200  # pages to render before conversion moves to worker processes
IO_THREADS = 4  # file writes and compares, off the event loop
RENDER_WINDOW = 32


class Render:
    """Writes the docs folder for one run: plans which pages to render, then renders them.

    ``tree`` is the exported tree (the scanned spaces and the recorded ones this run keeps);
    ``rules`` what the plan depends on. Implements ``exporter.run.plan.Observed``.
    """

    def __init__(
        self,
        context: RunContext,
        client: ConfluenceClient,
        scans: Sequence[Scan],
        tree: NavTree,
        rules: PlanRules,
        *,
        site_url: str,
        users: dict[str, str],
    ) -> None:
        self.context = context
        self.users = users
        self.old_paths: dict[str, str] = {}  # page id -> its file before the run (plan steps)
        self.rules = rules
        self.state = context.state
        self.client = client
        self.scans = {s.selected.space.key: s for s in scans}
        self.listing: dict[str, dict[str, Attachment]] = {}
        for scan in scans:
            self.listing.update(scan.listing)
        managed = set(self.state.managed)
        for rec in self.state.pages.values():
            managed.update(rec.files)
        self.tree = tree
        self.writer = DocsWriter(
            context.out / "docs",
            tree,
            context.flavor,
            site_url=site_url,
            users=users,
            managed=sorted(managed),
            body_provider=self.state.get_body,
            attachments=context.attachments != "none",
            dry_run=context.dry_run,
            media_types=self._media_types(),
        )
        # attachment names of pages this run did not list come from their records, so an
        # unchanged page's dependencies read the same as when it was rendered
        names: dict[str, Any] = {
            rec.id: {a.filename: None for a in rec.attachments} for rec in self.state.pages.values()
        }
        names.update(self.listing)
        self.view = DependencyView(self.writer.layout, names)
        self.extra_refs: set[tuple[str, str]] = set()  # (owner, filename) of other pages' files
        self.io = ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="write")
        self.done = 0
        self.downloads = AttachmentDownloads(
            context, client, self.writer, self.scans, self.listing, self.io
        )

    def _docs_path(self, entry: Entry) -> str:
        return f"docs/{entry.path}"

    def placed(self) -> list[Placed]:
        """Every exported page where the layout puts it, in the layout's order."""
        return [
            Placed(e.page, self._docs_path(e), e.position, e.children)
            for e in self.writer.layout.walk()
            if e.page is not None
        ]

    # -- what the plan observes (exporter.run.plan.Observed) ---------------------------------

    def has_file(self, path: str) -> bool:
        """Whether the page file ``path`` (relative to OUT) is on disk."""
        return (self.context.out / path).is_file()

    def digest(self, links: tuple[str, ...]) -> str:
        """What the dependency keys ``links`` look like in this run's layout."""
        return self.view.digest(links)

    def lost_attachment(self, rec: PageRecord) -> bool:
        """Whether a full scan no longer lists a file the page has: it was deleted in Confluence.

        Deleting an attachment leaves its page's version alone, so only a full scan (a periodic
        reconcile) sees it; re-rendering the page drops the file unless the page still links it.
        """
        scan = self.scans.get(rec.space_key)
        if scan is None or not scan.full or self.context.attachments == "none":
            return False
        listed = self.listing.get(rec.id, {})
        return any(a.path and a.filename not in listed for a in rec.attachments)

    async def execute(self) -> None:
        """Render what the plan says; with ``--dry-run`` only report it."""
        context, summary = self.context, self.context.summary
        plan = plan_pages(self.state.pages, self.placed(), self.rules, self)
        summary.pages_unchanged += plan.unchanged
        summary.plan.extend(plan.items())
        summary.pages_deleted = len(plan.deletions)
        if context.dry_run:
            summary.pages_exported = len(plan.steps)
        if plan.refusal:  # the safety rail: before any change
            raise DeletionRefused(plan.refusal, summary=summary)
        if context.dry_run:
            return
        self.old_paths = {step.placed.page.id: step.old_path for step in plan.steps}
        for rec in plan.deletions:
            self.state.drop_page(rec.id)
            self.state.drop_body(rec.id)
            summary.changes.append(deleted_page(rec))
        for scan in self.scans.values():
            for pid in scan.removed:  # listed-but-unexported pages that are gone
                if pid in self.state.pages and not self.state.pages[pid].path:
                    self.state.drop_page(pid)
        self._record_excluded()
        self.state.save()
        try:
            todo = [self.writer.entry(step.placed.page.id) for step in plan.steps]
            await self._fetch_missing_bodies(self._bodies_needed(plan.steps))
            await self._render_all(todo)
            elapsed = time.monotonic() - context.started
            log.info("Rendered %d page(s) at %.1f s", len(todo), elapsed)
            rendered = {e.key for e in todo}
            for e in self.writer.layout.walk():
                if e.page is not None and e.key not in rendered:
                    wanted = self.downloads.stale_attachments(e.key)
                    if wanted:
                        self.downloads.spawn(self.downloads.refresh_attachments(e.key, wanted))
            await self.downloads.drain()
            await self.downloads.extra_attachments(self.extra_refs)
        except BaseException:
            # RateLimited (or Ctrl-C) ends the run: stop the other downloads and collect them.
            await self.downloads.cancel_pending()
            self.io.shutdown(wait=False)
            raise
        expected = [
            name.removeprefix("docs/")
            for rec in self.state.pages.values()
            for name in rec.files
            if name.startswith("docs/")
        ]
        report = await asyncio.get_running_loop().run_in_executor(
            self.io, self.writer.finish, expected
        )
        owned = set(expected)
        # Page files are in their records; keep only the rest (indexes, nav files) here.
        self.state.managed = [m for m in report.managed if m.removeprefix("docs/") not in owned]
        self.io.shutdown(wait=False)
        log.info("Docs folder finished at %.1f s", time.monotonic() - context.started)

    def _record_excluded(self) -> None:
        """Keep metadata of listed but unexported pages, so later trees keep their children."""
        layout = self.writer.layout
        for scan in self.scans.values():
            for pid, page in scan.pages.items():
                rec = self.state.pages.get(pid)
                if layout.get(pid) is None and (rec is None or rec.path or pid in scan.fetched):
                    self.state.set_page(PageRecord.from_page(page))

    def _bodies_needed(self, steps: Sequence[Step]) -> list[Page]:
        """The pages to render, and the pages whose bodies they included last time."""
        layout, pages = self.writer.layout, {}
        for step in steps:
            page = step.placed.page
            pages[page.id] = page
            rec = self.state.pages.get(page.id)
            for dep in rec.links if rec is not None else ():
                entry = layout.get(dep[2:]) if dep.startswith("b:") else None
                if entry is not None and entry.page is not None:
                    pages.setdefault(entry.key, entry.page)
        return list(pages.values())

    async def _fetch_missing_bodies(self, pages: list[Page]) -> None:
        """Bodies not in the cache (cache lost, or never fetched) in bulk v2 batches."""
        missing: dict[Literal["pages", "blogposts"], list[str]] = {}
        for page in pages:
            if page.kind != "folder" and self.state.get_body(page.id, page.version) is None:
                kind: Literal["pages", "blogposts"] = (
                    "blogposts" if page.kind == "blogpost" else "pages"
                )
                missing.setdefault(kind, []).append(page.id)
        for kind, ids in missing.items():
            async for body in storage_bodies(self.client, kind, ids):
                self.state.put_body(body.page_id, body.version, body.value)

    async def _render_all(self, entries: list[Entry]) -> None:
        """Convert and write pages, a bounded window at a time, while downloads proceed.

        Big runs convert in worker processes (conversion is pure string-in, string-out); small
        ones in a thread, where starting processes would cost more than it saves.
        """
        set_writer(self.writer)
        self.fallback = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convert")
        processes = None
        if len(entries) >= PROCESS_POOL_MIN:
            processes = process_pool(self.writer, self.tree, self.context.out)
        pool: Executor = processes or self.fallback
        # Pages in flight (converting or being written): enough to keep the workers busy, few
        # enough that bodies held in memory stay small.
        window = asyncio.Semaphore(RENDER_WINDOW)
        running: set[asyncio.Task[None]] = set()  # finished tasks are let go (20,000 add up)
        failed: list[asyncio.Task[None]] = []  # an unexpected error ends the run

        def finished(task: asyncio.Task[None]) -> None:
            window.release()
            running.discard(task)
            if task.cancelled() or task.exception() is not None:
                failed.append(task)

        try:
            for e in entries:
                await window.acquire()
                if failed:
                    break
                task = asyncio.ensure_future(self._render(e, pool, len(entries)))
                running.add(task)
                task.add_done_callback(finished)
            if running or failed:
                await gather_all([*running, *failed])
        finally:
            # Also on Ctrl-C or SIGTERM: drop queued conversions and wait for the workers to
            # exit, so none outlives the run (they would keep its pipes and CPU for minutes).
            pool.shutdown(wait=True, cancel_futures=True)
            self.fallback.shutdown()
            set_writer(None)

    def _media_types(self) -> dict[tuple[str, str], str]:
        """Media types of the attachments whose names have no extension, from the state's
        records and this run's listings: their files get an extension (``DocsWriter``), and
        the same one whether or not this run listed their page."""
        found: dict[tuple[str, str], str] = {}
        for rec in self.state.pages.values():
            for kept in rec.attachments:
                if "." not in kept.filename and kept.media_type:
                    found[(rec.id, kept.filename)] = kept.media_type
        for page_id, listing in self.listing.items():
            for name, listed in listing.items():
                if "." not in name and listed.media_type:
                    found[(page_id, name)] = listed.media_type
        return found

    async def _render(self, e: Entry, pool: Executor, total: int) -> None:
        page = e.page
        assert page is not None
        listing = self.listing.get(page.id, {})
        self.writer.register_attachments(page.id, listing)
        deps: set[str] = set()
        refs: set[tuple[str, str]] = set()
        loop = asyncio.get_running_loop()
        if page.kind == "folder":
            converted = ConvertedPage(page=page, markdown="")
        else:
            body = self.state.get_body(page.id, page.version)
            if body is None:
                self._fail(page, "its body could not be fetched")
                return
            job = functools.partial(
                convert_in_worker, dataclasses.replace(page, body=body), sorted(listing)
            )
            try:
                try:
                    converted, deps, refs = await loop.run_in_executor(pool, job)
                except BrokenExecutor:
                    log.warning("A conversion process died; converting in this process instead")
                    converted, deps, refs = await loop.run_in_executor(self.fallback, job)
            except Exception as exc:  # one page's failure must not stop the run
                self._fail(page, f"conversion failed: {type(exc).__name__}: {exc}")
                return
        try:
            status = await loop.run_in_executor(self.io, self.writer.write_page, converted)
        except ExportError as exc:
            self._fail(page, str(exc))
            return
        path = self._docs_path(e)
        if status == "unchanged":
            self.context.summary.pages_unchanged += 1
        else:
            self.context.summary.pages_exported += 1
            author = self.users.get(page.author_id, "") if page.author_id else ""
            old = self.state.pages.get(page.id)  # still the last run's record
            change = page_change(
                page,
                path=path,
                old_path=self.old_paths.get(page.id, ""),
                old_version=old.version if old is not None else 0,
                author=author,
            )
            self.context.summary.changes.append(change)
        own = {fn for owner, fn in refs if owner == page.id} | set(converted.attachments)
        self.extra_refs |= {(o, fn) for o, fn in refs if o != page.id}
        mode = self.context.attachments
        wanted = set(listing) if mode == "all" else own
        if mode == "none":
            wanted = set()
        record = PageRecord.from_page(
            page,
            path=path,
            links=tuple(sorted(deps)),
            seen=self.view.digest(deps),
            slot=e.position,
            children=e.children,
            warnings=tuple(dataclasses.replace(w, path=path) for w in converted.warnings),
        )
        self.downloads.spawn(self.downloads.complete(record, wanted))
        self.done += 1
        self.context.progress("pages", self.done, total)

    def _fail(self, page: Page, reason: str) -> None:
        self.context.fail(page, reason)
        scan = self.scans.get(page.space_key)
        if scan is not None:
            scan.failed = True
