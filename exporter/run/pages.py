"""Planning and rendering the docs folder: which pages to (re)write, then converting them.

The plan compares the tree with the manifest: a page is rendered when it is new, changed or
moved, or when its place, title, labels or children changed, or anything it was rendered from
(``exporter.docs.deps``: link targets, listed children, included bodies, attachment names). Pages convert in a
thread, or in worker processes for big runs (conversion is pure string-in, string-out), a
bounded window at a time, and are written atomically while their attachments download.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import multiprocessing
import os
import time
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from exporter.confluence.client import ConfluenceClient
from exporter.convert import convert_page
from exporter.docs.deps import DependencyView
from exporter.docs.layout import Entry
from exporter.errors import ExportError
from exporter.models import Attachment, ConvertedPage, Page
from exporter.run.attachments import AttachmentDownloads, gather_all
from exporter.run.manifest import PageRecord, State
from exporter.run.scan import Scan
from exporter.run.summary import PlanItem
from exporter.signals import worker_signals

if TYPE_CHECKING:
    from exporter.run.pipeline import Run

__all__ = ["Render"]

# The run logs under one name, as it did before its stages had modules (JSON lines show it).
log = logging.getLogger("exporter.run.pipeline")

PROCESS_POOL_MIN = 200  # pages to render before conversion moves to worker processes
MAX_WORKERS = 4
IO_THREADS = 4  # file writes and compares, off the event loop
RENDER_WINDOW = 32


class Render:
    """Plans and writes the docs folder for one run: which pages to render, then renders them."""

    def __init__(
        self,
        run: Run,
        client: ConfluenceClient,
        scans: list[Scan],
        site_url: str,
        users: dict[str, str],
    ) -> None:
        self.run = run
        self.state = run.state
        self.client = client
        self.scans = {s.selected.space.key: s for s in scans}
        self.listing: dict[str, dict[str, Attachment]] = {}
        for scan in scans:
            self.listing.update(scan.listing)
        managed = set(self.state.managed)
        for rec in self.state.pages.values():
            managed.update(rec.files)
        from exporter.docs.writer import DocsWriter

        self.tree = run.tree(scans)
        self.writer = DocsWriter(
            run.out / "docs",
            self.tree,
            run.flavor,
            site_url=site_url,
            users=users,
            managed=sorted(managed),
            body_provider=self.state.get_body,
            attachments=run.mode != "none",
            dry_run=run.dry_run,
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
            run, client, self.writer, self.scans, self.listing, self.io
        )

    def _in_scope(self, rec: PageRecord) -> bool:
        """Whether this run may delete the page: its space is scanned, or it left the selection."""
        return rec.space_key in self.scans or not (self.run.only or rec.space_key in self.run.kept)

    def _docs_path(self, entry: Entry) -> str:
        return f"docs/{entry.path}"

    def plan(self) -> tuple[list[tuple[Entry, str]], list[PageRecord]]:
        """Entries to render with why (add, change, move), and records whose pages are gone."""
        entries = [e for e in self.writer.layout.walk() if e.page is not None]
        paths = {e.key: self._docs_path(e) for e in entries}
        gone = [
            rec
            for pid, rec in self.state.pages.items()
            if rec.path and pid not in paths and self._in_scope(rec)
        ]
        todo: list[tuple[Entry, str]] = []
        for e in entries:
            action = self._action(e, paths[e.key])
            if action:
                todo.append((e, action))
            else:
                self.run.summary.pages_unchanged += 1
        return todo, gone

    def _action(self, e: Entry, path: str) -> str | None:
        page, rec = e.page, self.state.pages.get(e.key)
        assert page is not None
        if rec is None or not rec.path:
            return "add"
        if rec.version != page.version:
            return "change"
        if rec.path != path:
            return "move"
        forced = self.run.options_changed if self.run.dry_run else self.run.rerender_all
        if forced or not (self.run.out / path).is_file():
            return "change"
        if (
            rec.slot != e.position
            or rec.children != e.children
            or rec.title != page.title
            or rec.labels != page.labels
            or not rec.seen
            or self.view.digest(rec.links) != rec.seen
            or self._lost_attachment(rec)
        ):
            return "change"
        return None

    def _lost_attachment(self, rec: PageRecord) -> bool:
        """Whether a full scan no longer lists a file the page has: it was deleted in Confluence.

        Deleting an attachment leaves its page's version alone, so only a full scan (a periodic
        reconcile) sees it; re-rendering the page drops the file unless the page still links it.
        """
        scan = self.scans.get(rec.space_key)
        if scan is None or not scan.full or self.run.mode == "none":
            return False
        listed = self.listing.get(rec.id, {})
        return any(a.path and a.filename not in listed for a in rec.attachments)

    async def execute(self) -> None:
        """Render what the plan says; with ``--dry-run`` only report it."""
        run, summary = self.run, self.run.summary
        todo, gone = self.plan()
        for e, action in todo:
            assert e.page is not None
            old = self.state.pages.get(e.key)
            summary.plan.append(
                PlanItem(action, e.key, e.page.title, self._docs_path(e), old.path if old else "")  # type: ignore[arg-type]
            )
        for rec in gone:
            summary.plan.append(PlanItem("delete", rec.id, rec.title, "", rec.path))
        summary.pages_deleted = len(gone)
        if run.dry_run:
            summary.pages_exported = len(todo)
        exported = [r for r in self.state.pages.values() if r.path and self._in_scope(r)]
        run.check_deletions(len(gone), len(exported))  # the safety rail: before any change
        if run.dry_run:
            return
        for rec in gone:
            self.state.drop_page(rec.id)
            self.state.drop_body(rec.id)
        for scan in self.scans.values():
            for pid in scan.removed:  # listed-but-unexported pages that are gone
                if pid in self.state.pages and not self.state.pages[pid].path:
                    self.state.drop_page(pid)
        self._record_excluded()
        self.state.save()
        try:
            await self._fetch_missing_bodies(self._bodies_needed(todo))
            await self._render_all([e for e, _ in todo])
            log.info("Rendered %d page(s) at %.1f s", len(todo), time.monotonic() - run.started)
            rendered = {e.key for e, _ in todo}
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
        log.info("Docs folder finished at %.1f s", time.monotonic() - run.started)

    def _record_excluded(self) -> None:
        """Keep metadata of listed but unexported pages, so later trees keep their children."""
        layout = self.writer.layout
        for scan in self.scans.values():
            for pid, page in scan.pages.items():
                rec = self.state.pages.get(pid)
                if layout.get(pid) is None and (rec is None or rec.path or pid in scan.fetched):
                    self.state.set_page(PageRecord.from_page(page))

    def _bodies_needed(self, todo: list[tuple[Entry, str]]) -> list[Page]:
        """The pages to render, and the pages whose bodies they included last time."""
        layout, pages = self.writer.layout, {}
        for e, _ in todo:
            assert e.page is not None
            pages[e.key] = e.page
            rec = self.state.pages.get(e.key)
            for dep in rec.links if rec is not None else ():
                entry = layout.get(dep[2:]) if dep.startswith("b:") else None
                if entry is not None and entry.page is not None:
                    pages.setdefault(entry.key, entry.page)
        return list(pages.values())

    async def _fetch_missing_bodies(self, pages: list[Page]) -> None:
        """Bodies not in the cache (cache lost, or never fetched) in bulk v2 batches."""
        missing: dict[str, list[Page]] = {}
        for page in pages:
            if page.kind != "folder" and self.state.get_body(page.id, page.version) is None:
                kind = "blogposts" if page.kind == "blogpost" else "pages"
                missing.setdefault(kind, []).append(page)
        for kind, group in missing.items():
            for start in range(0, len(group), 250):
                ids = ",".join(p.id for p in group[start : start + 250])
                params: dict[str, str | int] = {"id": ids, "body-format": "storage", "limit": 250}
                async for item in self.client.paginate_v2(f"/api/v2/{kind}", params):
                    body = ((item.get("body") or {}).get("storage") or {}).get("value")
                    number = (item.get("version") or {}).get("number")
                    if body is not None and number is not None:
                        self.state.put_body(str(item["id"]), int(number), body)

    async def _render_all(self, entries: list[Entry]) -> None:
        """Convert and write pages, a bounded window at a time, while downloads proceed.

        Big runs convert in worker processes (conversion is pure string-in, string-out); small
        ones in a thread, where starting processes would cost more than it saves.
        """
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        _WORKER["writer"] = self.writer
        self.fallback = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convert")
        pool: Executor = self.fallback
        if len(entries) >= PROCESS_POOL_MIN and workers > 1:
            # fork: workers must not re-run the caller's __main__ (spawn would, in scripts).
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_worker_init,
                initargs=(self._writer_args(),),
            )
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
            _WORKER.clear()

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

    def _writer_args(self) -> dict[str, Any]:
        w = self.writer
        return {
            "media_types": w.media_types,
            "docs_root": w.docs_root,
            "tree": self.tree,
            "flavor": w.flavor,
            "site_url": w.site_url,
            "users": w.users,
            "attachments": w.attachments,
            "out": self.run.out,
        }

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
                _worker_convert, dataclasses.replace(page, body=body), sorted(listing)
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
        if status == "unchanged":
            self.run.summary.pages_unchanged += 1
        else:
            self.run.summary.pages_exported += 1
        own = {fn for owner, fn in refs if owner == page.id} | set(converted.attachments)
        self.extra_refs |= {(o, fn) for o, fn in refs if o != page.id}
        wanted = set(listing) if self.run.mode == "all" else own
        if self.run.mode == "none":
            wanted = set()
        path = self._docs_path(e)
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
        self.run.progress("pages", self.done, total)

    def _fail(self, page: Page, reason: str) -> None:
        self.run.fail(page, reason)
        scan = self.scans.get(page.space_key)
        if scan is not None:
            scan.failed = True


_WORKER: dict[str, Any] = {}


def _worker_init(args: dict[str, Any]) -> None:
    """Set up a conversion process: its own planned layout and a reader of the body cache."""
    from exporter.docs.writer import DocsWriter

    worker_signals()
    _WORKER["writer"] = DocsWriter(
        args["docs_root"],
        args["tree"],
        args["flavor"],
        site_url=args["site_url"],
        users=args["users"],
        body_provider=State(out=args["out"]).get_body,
        attachments=args["attachments"],
        dry_run=True,
        media_types=args["media_types"],
    )


def _worker_convert(
    page: Page, attachment_names: list[str]
) -> tuple[ConvertedPage, set[str], set[tuple[str, str]]]:
    """Convert one page where the worker's writer lives; returns its link dependencies too."""
    writer = _WORKER["writer"]
    writer.register_attachments(page.id, attachment_names)
    resolver = writer.resolver(page)
    converted = convert_page(page, flavor=writer.flavor, resolver=resolver)
    return converted, set(resolver.dependencies), set(resolver.attachment_refs)
