"""``export()``: walk → convert → write, page by page, incremental by default.

A run scans each selected space (everything on the first run, with ``--full`` or at the periodic
reconcile; otherwise only what changed since the last scan, plus the trash), caches every fetched
body compressed in the state dir, rebuilds the whole tree from the manifest plus the changes, and
re-renders only pages that are new, changed or moved, or whose links or children changed. A
page's manifest entry is set only after its file and attachments are on disk, so a killed run
resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from exporter.client import ConfluenceClient
from exporter.config import Config, SpaceSelection
from exporter.convert import convert_page
from exporter.errors import ApiError, ExportError, PartialExport
from exporter.layout import Entry
from exporter.links import title_key
from exporter.logs import group as log_group
from exporter.models import Attachment, ConvertedPage, NavTree, Page, Space
from exporter.state import STATE_DIR, AttachmentRecord, PageRecord, SpaceRecord, State
from exporter.walk import SelectedSpace, Walker, build_tree, mentioned_users

__all__ = ["ExportSummary", "Failure", "PlanItem", "export"]

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int | None], None]  # (stage, done, total)
RECONCILE_EVERY = timedelta(days=7)
FLUSH_EVERY_S = 5.0  # how often finished pages are saved to the manifest during a run
PROCESS_POOL_MIN = 200  # pages to render before conversion moves to worker processes
MAX_WORKERS = 4
IO_THREADS = 4  # file writes and compares, off the event loop
RENDER_WINDOW = 32


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    """One page or attachment that could not be exported, and why."""

    page_id: str
    title: str
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class PlanItem:
    """One change a run makes (or, with ``--dry-run``, would make); paths relative to OUT."""

    action: Literal["add", "change", "move", "delete"]
    page_id: str
    title: str
    path: str
    old_path: str = ""


@dataclasses.dataclass
class ExportSummary:
    """The run's counts (CONTRACT ``--summary-json``), its failures and what it changed."""

    pages_exported: int = 0
    pages_unchanged: int = 0
    pages_deleted: int = 0
    pages_failed: int = 0
    attachments_downloaded: int = 0
    attachments_unchanged: int = 0
    attachments_failed: int = 0
    requests: int = 0
    retries: int = 0
    points: int = 0
    duration_s: float = 0.0
    warnings: int = 0
    failures: list[Failure] = dataclasses.field(default_factory=list)
    plan: list[PlanItem] = dataclasses.field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The ``--summary-json`` document."""
        return {
            "pages": {
                "exported": self.pages_exported,
                "unchanged": self.pages_unchanged,
                "deleted": self.pages_deleted,
                "failed": self.pages_failed,
            },
            "attachments": {
                "downloaded": self.attachments_downloaded,
                "unchanged": self.attachments_unchanged,
                "failed": self.attachments_failed,
            },
            "requests": self.requests,
            "retries": self.retries,
            "points": self.points,
            "duration_s": round(self.duration_s, 3),
            "warnings": self.warnings,
            "failures": [dataclasses.asdict(f) for f in self.failures],
            "dry_run": self.dry_run,
            "plan": [dataclasses.asdict(p) for p in self.plan],
        }


@dataclasses.dataclass
class _Scan:
    """What one space looks like now: the manifest plus this run's change scan."""

    selected: SelectedSpace
    full: bool
    started: datetime
    pages: dict[str, Page]  # every current page, folder and post; metadata only
    fetched: set[str]  # ids whose bodies were fetched (and cached) this run
    removed: set[str]  # manifest ids gone from Confluence
    listing: dict[str, dict[str, Attachment]]  # page id -> filename -> current attachment
    failed: bool = False


def export(
    config: Config,
    *,
    spaces: list[str] | None = None,
    out: Path | None = None,
    format: str | None = None,
    flavor: str | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    connection: Any = None,
    reconcile_every: timedelta = RECONCILE_EVERY,
    client_options: dict[str, Any] | None = None,
) -> ExportSummary:
    """Export the configured spaces into ``out`` (default ``config.output.dir``).

    Returns the summary. Raises ``PartialExport`` (its ``summary`` attribute holds the
    summary) when pages or attachments failed, ``RateLimited`` when the points budget ran out
    (finished pages stay recorded). ``connection`` (``exporter.auth.Connection``) skips login.
    """
    if connection is None:
        from exporter.auth import connect

        connection = connect(config)
    run = _Run(
        config,
        out=Path(out or config.output.dir),
        spaces=spaces,
        fmt=format or config.output.format,
        flavor=flavor or config.output.flavor,
        full=full,
        dry_run=dry_run,
        progress=progress,
        reconcile_every=reconcile_every,
        client_options=client_options or {},
    )
    summary = asyncio.run(run.run(connection))
    if summary.failures and not dry_run:
        error = PartialExport(
            f"{summary.pages_failed} page(s) and {summary.attachments_failed} attachment(s) "
            "failed (listed above); everything else was written. Run the export again to retry.",
            [f"{f.page_id} {f.title}: {f.reason}" for f in summary.failures],
        )
        error.summary = summary  # type: ignore[attr-defined]
        raise error
    return summary


class _Run:
    """One export run: scan, plan, render, save."""

    def __init__(
        self,
        config: Config,
        *,
        out: Path,
        spaces: list[str] | None,
        fmt: str,
        flavor: str,
        full: bool,
        dry_run: bool,
        progress: ProgressFn | None,
        reconcile_every: timedelta,
        client_options: dict[str, Any],
    ) -> None:
        self.config = config
        self.client_options = dict(client_options)
        self.out = out
        self.only = spaces
        self.fmt = fmt
        self.flavor = flavor
        self.full = full
        self.dry_run = dry_run
        self.progress: ProgressFn = progress or (lambda stage, done, total: None)
        self.reconcile_every = reconcile_every
        self.mode = config.output.attachments
        self.summary = ExportSummary(dry_run=dry_run)
        self.state = State.load(out)
        self.options: dict[str, Any] = {
            "flavor": flavor,
            "attachments": self.mode,
            "blogposts": config.output.blogposts,
        }
        self.wanted_users: set[str] = set()
        self.started = time.monotonic()
        # --full, or another flavor or attachment mode, re-renders every page. Only the latter
        # changes every file, so only it makes a dry run list every page as a change.
        self.options_changed = bool(self.state.options) and self.state.options != self.options
        self.rerender_all = full or self.options_changed

    async def run(self, connection: Any) -> ExportSummary:
        """The whole run, under the output's lock (no lock and no writes for a dry run)."""
        started = self.started = time.monotonic()
        if self.dry_run:
            await self._run(connection)
        else:
            from exporter.lock import ExportLock

            self.state.dir.mkdir(parents=True, exist_ok=True)
            with ExportLock(self.state.dir):
                _remove_leftovers(self.out)
                try:
                    await self._run(connection)
                finally:
                    self.state.save()
        self.summary.duration_s = time.monotonic() - started
        return self.summary

    async def _run(self, connection: Any) -> None:
        api = self.config.api
        options = dict(self.client_options)
        batch = options.pop("batch", None)
        client = ConfluenceClient(
            connection.wiki_base,
            connection.auth,
            concurrency=api.concurrency,
            timeout=api.timeout_s,
            **options,
        )
        site_url = (connection.site_url or self.config.site_endpoint or "").rstrip("/")
        try:
            walker = Walker(client, site_url=site_url, blogposts=self.config.output.blogposts)
            if batch:
                walker.batch = int(batch)
            walker.users.update(self.state.users)
            selected = await walker.select_spaces(self.config.spaces, self.only)
            scans = []
            for sel in selected:
                with log_group(f"Space {sel.space.key}"):  # ::group:: in GitHub logs
                    scans.append(await self._scan(walker, sel))
            users = await walker.fetch_users(self.wanted_users)
            log.info(
                "Scanned %d space(s) in %.1f s: %d page(s) fetched, %d request(s)",
                len(scans),
                time.monotonic() - self.started,
                sum(len(s.fetched) for s in scans),
                client.stats.requests,
            )
            if not self.dry_run:
                self.state.users.update(users)
            await _Render(self, client, scans, site_url, users).execute()
            if not self.dry_run:
                for scan in scans:
                    self._finish_space(scan)
                if not self.only:  # spaces no longer configured start over if they return
                    for key in set(self.state.spaces) - {s.selected.space.key for s in scans}:
                        del self.state.spaces[key]
                self.state.options = self.options
        finally:
            self.summary.requests = client.stats.requests
            self.summary.retries = client.stats.retries
            self.summary.points = client.stats.points
            await client.aclose()
        if not self.dry_run and self.fmt in ("site", "both"):
            _render_site(self.out)

    # -- scanning -----------------------------------------------------------------------------

    def _needs_full(self, scan_key: str, fingerprint: str) -> bool:
        rec = self.state.spaces.get(scan_key)
        if self.full or rec is None or rec.last_scan is None or rec.settings != fingerprint:
            return True
        if self.state.options != self.options:
            return True
        last_full = _parse_time(rec.last_full)
        return last_full is None or _utcnow() - last_full >= self.reconcile_every

    async def _scan(self, walker: Walker, sel: SelectedSpace) -> _Scan:
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
        return _Scan(sel, full, started, pages, fetched, removed, listing)

    def _finish_space(self, scan: _Scan) -> None:
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
            )
        )

    def tree(self, scans: list[_Scan]) -> NavTree:
        """The exported tree: scanned spaces, plus (with ``--space``) the others as recorded."""
        trees = [
            build_tree(s.selected.space, s.pages.values(), s.selected.selection) for s in scans
        ]
        if self.only:
            scanned = {s.selected.space.key for s in scans}
            for key, rec in sorted(self.state.spaces.items()):
                if key in scanned:
                    continue
                pages = [r.to_page() for r in self.state.pages.values() if r.space_key == key]
                space = Space(id=rec.id, key=key, name=rec.name)
                trees.append(build_tree(space, pages, SpaceSelection(key=key)))
        return NavTree(spaces=tuple(trees))

    def fail(self, page: Page, reason: str, *, attachment: bool = False) -> None:
        """Record one failure; the run ends as a partial export."""
        log.warning("%s %s (%s) failed: %s", page.kind, page.title, page.id, reason)
        self.summary.failures.append(Failure(page.id, page.title, reason))
        if attachment:
            self.summary.attachments_failed += 1
        else:
            self.summary.pages_failed += 1


class _Render:
    """Plans and writes the docs folder for one run: which pages to render, then renders them."""

    def __init__(
        self,
        run: _Run,
        client: ConfluenceClient,
        scans: list[_Scan],
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
        from exporter.write import DocsWriter

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
        )
        self.pending: set[asyncio.Task[None]] = set()
        self.errors: list[BaseException] = []  # errors of finished background tasks
        self.extra_refs: set[tuple[str, str]] = set()
        self.io = ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="write")
        self.done = 0
        # Downloads holding an open temp file: no more than the client can run at once.
        self.slots = asyncio.Semaphore(client.concurrency)

    def _in_scope(self, rec: PageRecord) -> bool:
        return rec.space_key in self.scans or not self.run.only

    def _docs_path(self, entry: Entry) -> str:
        return f"docs/{entry.path}"

    def plan(self) -> tuple[list[tuple[Entry, str]], list[PageRecord]]:
        """Entries to render with why (add, change, move), and records whose pages are gone."""
        entries = [e for e in self.writer.layout.walk() if e.page is not None]
        paths = {e.key: self._docs_path(e) for e in entries}
        touched: set[str] = set()
        for e in entries:
            page, rec = e.page, self.state.pages.get(e.key)
            assert page is not None
            if (
                rec is None
                or not rec.path
                or (rec.version, rec.title, rec.path)
                != (
                    page.version,
                    page.title,
                    paths[e.key],
                )
            ):
                touched |= {e.key, title_key(page.space_key, page.title)}
                if rec is not None:
                    touched.add(title_key(rec.space_key, rec.title))
        gone = [
            rec
            for pid, rec in self.state.pages.items()
            if rec.path and pid not in paths and self._in_scope(rec)
        ]
        for rec in gone:
            touched |= {rec.id, title_key(rec.space_key, rec.title)}
        todo: list[tuple[Entry, str]] = []
        for e in entries:
            action = self._action(e, paths[e.key], touched)
            if action:
                todo.append((e, action))
            else:
                self.run.summary.pages_unchanged += 1
        return todo, gone

    def _action(self, e: Entry, path: str, touched: set[str]) -> str | None:
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
            or touched.intersection(rec.links)
        ):
            return "change"
        return None

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
            await self._fetch_missing_bodies([e.page for e, _ in todo if e.page is not None])
            await self._render_all([e for e, _ in todo])
            log.info("Rendered %d page(s) at %.1f s", len(todo), time.monotonic() - run.started)
            rendered = {e.key for e, _ in todo}
            for e in self.writer.layout.walk():
                if e.page is not None and e.key not in rendered:
                    wanted = self._stale_attachments(e.key)
                    if wanted:
                        self._spawn(self._refresh_attachments(e.key, wanted))
            await self._drain()
            await self._extra_attachments()
        except BaseException:
            # RateLimited (or Ctrl-C) ends the run: stop the other downloads and collect them.
            await self._cancel_pending()
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

        with pool:
            for e in entries:
                await window.acquire()
                if failed:
                    break
                task = asyncio.ensure_future(self._render(e, pool, len(entries)))
                running.add(task)
                task.add_done_callback(finished)
            if running or failed:
                await _gather_all([*running, *failed])
        self.fallback.shutdown()
        _WORKER.clear()

    def _writer_args(self) -> dict[str, Any]:
        w = self.writer
        return {
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
        self.run.summary.warnings += len(converted.warnings)
        own = {fn for owner, fn in refs if owner == page.id} | set(converted.attachments)
        self.extra_refs |= {(o, fn) for o, fn in refs if o != page.id}
        wanted = set(listing) if self.run.mode == "all" else own
        if self.run.mode == "none":
            wanted = set()
        record = PageRecord.from_page(
            page,
            path=self._docs_path(e),
            links=tuple(sorted(deps)),
            slot=e.position,
            children=e.children,
        )
        self._spawn(self._complete(record, wanted))
        self.done += 1
        self.run.progress("pages", self.done, total)

    def _fail(self, page: Page, reason: str) -> None:
        self.run.fail(page, reason)
        scan = self.scans.get(page.space_key)
        if scan is not None:
            scan.failed = True

    # -- attachments ----------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.pending.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        """A background task ended: keep its error (retrieved now) for ``_drain`` to raise."""
        self.pending.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.errors.append(error)

    async def _drain(self) -> None:
        """Wait for every background task; raise the first error any of them ended with."""
        while self.pending:
            await _gather_all(list(self.pending))
        if self.errors:
            raise self.errors[0]

    async def _cancel_pending(self) -> None:
        """Cancel background downloads and collect their outcomes (no unretrieved errors)."""
        while self.pending:
            tasks = list(self.pending)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.pending.difference_update(tasks)

    async def _complete(self, record: PageRecord, wanted: set[str]) -> None:
        """Download a rendered page's attachments, then record the page (files are on disk)."""
        old = self.state.pages.get(record.id)
        kept = {a.filename: a for a in (old.attachments if old else ())}
        atts = await self._attachments(record.id, wanted, kept)
        files = (record.path, *(a.path for a in atts if a.path))
        self.state.set_page(dataclasses.replace(record, attachments=atts, files=files))
        self.state.maybe_flush(FLUSH_EVERY_S)

    def _stale_attachments(self, page_id: str) -> set[str]:
        """For an unchanged page: attachments to fetch (new versions; new files for ``all``)."""
        rec = self.state.pages.get(page_id)
        if rec is None or self.run.mode == "none":
            return set()
        listing = self.listing.get(page_id, {})
        kept = {a.filename: a for a in rec.attachments}
        wanted = set(kept) | (set(listing) if self.run.mode == "all" else set())
        # A record without a path is an attachment whose download failed: fetch it again.
        if all(fn in kept and kept[fn].path and fn in listing
               and listing[fn].version == kept[fn].version for fn in wanted):  # fmt: skip
            self.run.summary.attachments_unchanged += len(kept)
            return set()
        return wanted

    async def _refresh_attachments(self, page_id: str, wanted: set[str]) -> None:
        """Download an unchanged page's stale attachments, then update its record."""
        rec = self.state.pages[page_id]
        listing = self.listing.get(page_id, {})
        kept = {a.filename: a for a in rec.attachments}
        self.writer.register_attachments(page_id, listing)
        atts = await self._attachments(page_id, wanted, kept)
        files = (rec.path, *(a.path for a in atts if a.path))
        self.state.set_page(dataclasses.replace(rec, attachments=atts, files=files))

    async def _extra_attachments(self) -> None:
        """Attachments of other pages that rendered pages link to."""
        by_owner: dict[str, set[str]] = {}
        for owner, fn in self.extra_refs:
            rec = self.state.pages.get(owner)
            done = {a.filename for a in rec.attachments if a.path} if rec is not None else set()
            if rec is not None and rec.path and fn not in done:
                by_owner.setdefault(owner, set()).add(fn)
        for owner, names in by_owner.items():
            rec = self.state.pages[owner]
            kept = {a.filename: a for a in rec.attachments}
            atts = await self._attachments(owner, names | set(kept), kept)
            files = (rec.path, *(a.path for a in atts if a.path))
            self.state.set_page(dataclasses.replace(rec, attachments=atts, files=files))

    async def _attachments(
        self, page_id: str, wanted: set[str], kept: dict[str, AttachmentRecord]
    ) -> tuple[AttachmentRecord, ...]:
        listing = self.listing.get(page_id, {})
        full = any(s.full for s in self.scans.values() if page_id in s.pages)
        jobs = []
        for fn in sorted(wanted):
            att = listing.get(fn)
            if att is None and (full or (fn in kept and kept[fn].path)):
                if fn in kept and kept[fn].path:
                    jobs.append(_done(kept[fn]))
                else:
                    self.run.summary.warnings += 1
                    log.warning("Page %s links to attachment %r, which does not exist", page_id, fn)
                continue
            if att is None:
                att = Attachment(id="", page_id=page_id, filename=fn,
                                 download_path=f"/download/attachments/{page_id}/{quote(fn)}")  # fmt: skip
            jobs.append(self._download(page_id, att, kept.get(fn)))
        results = await _gather_all(jobs)
        return tuple(r for r in results if r is not None)

    async def _download(
        self, page_id: str, att: Attachment, old: AttachmentRecord | None
    ) -> AttachmentRecord | None:
        rel = f"docs/{self.writer.attachment_path(page_id, att.filename)}"
        if (
            old is not None
            and old.path
            and old.version == att.version
            and (self.run.out / rel).is_file()
        ):
            self.run.summary.attachments_unchanged += 1
            return old
        loop = asyncio.get_running_loop()
        try:
            # The temp file is opened only once a slot is held, so open files stay bounded.
            async with self.slots:
                # Comparing and renaming the finished file is disk work: off the event loop.
                target = self.writer.open_attachment(page_id, att.filename)
                fh = target.__enter__()
                try:
                    size = await self.client.download_into(att.download_path, fh, att.size or None)
                except BaseException as exc:
                    await loop.run_in_executor(self.io, target.__exit__, type(exc), exc, None)
                    raise
                await loop.run_in_executor(self.io, target.__exit__, None, None, None)
        except (ApiError, OSError) as exc:
            if isinstance(exc, ApiError) and exc.status_code == 404 and await self._gone(att):
                self.run.summary.warnings += 1
                log.warning("Attachment %r of page %s is gone (404)", att.filename, page_id)
                return None
            page = Page(id=page_id, space_key="", title=f"attachment {att.filename}")
            self.run.fail(page, str(exc), attachment=True)
            for scan in self.scans.values():
                if page_id in scan.pages:
                    scan.failed = True
            if old is not None and old.path and (self.run.out / old.path).is_file():
                return old  # its older version stays on disk; the next run sees it is stale
            # Recorded without a path: the next run sees it as missing and fetches it again.
            return AttachmentRecord(att.id, att.filename, att.version, 0, "", att.media_type,
                                    att.download_path)  # fmt: skip
        self.run.summary.attachments_downloaded += 1
        return AttachmentRecord(att.id, att.filename, att.version, size, rel, att.media_type,
                                att.download_path)  # fmt: skip

    async def _gone(self, att: Attachment) -> bool:
        """Whether an attachment whose download answered 404 is also gone from its listing."""
        if not att.id:
            return True  # referenced by name only: it was never in the listing
        try:
            await self.client.get_json(f"/api/v2/attachments/{quote(att.id)}")
        except ApiError as exc:
            return exc.status_code == 404
        return False


_WORKER: dict[str, Any] = {}


def _worker_init(args: dict[str, Any]) -> None:
    """Set up a conversion process: its own planned layout and a reader of the body cache."""
    from exporter.write import DocsWriter

    _WORKER["writer"] = DocsWriter(
        args["docs_root"],
        args["tree"],
        args["flavor"],
        site_url=args["site_url"],
        users=args["users"],
        body_provider=State(out=args["out"]).get_body,
        attachments=args["attachments"],
        dry_run=True,
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


async def _gather_all(aws: list[Any]) -> list[Any]:
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


def _attachment(page_id: str, rec: AttachmentRecord) -> Attachment:
    return Attachment(
        id=rec.id,
        page_id=page_id,
        filename=rec.filename,
        media_type=rec.media_type,
        size=rec.size,
        version=rec.version,
        download_path=rec.download_path,
    )


def _render_site(out: Path) -> None:
    try:
        from exporter.site import render_site
    except ImportError:
        log.warning("The static site renderer is not available; only docs/ was written.")
        return
    render_site(out / "docs", out / "site")


def _remove_leftovers(out: Path) -> None:
    """Delete temp files a killed run left behind (the writer's and the state's)."""
    patterns = [(out / "docs", ".tmp-*.part"), (out / STATE_DIR, ".*.tmp")]
    for folder, pattern in patterns:
        if folder.is_dir():
            for leftover in folder.rglob(pattern):
                leftover.unlink(missing_ok=True)


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
