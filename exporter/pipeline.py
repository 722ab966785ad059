"""``export()``: walk → convert → write, page by page, incremental by default.

A run scans each selected space (everything on the first run, with ``--full`` or at the periodic
reconcile; otherwise only what changed since the last scan, plus the trash), caches every fetched
body compressed in the state dir, rebuilds the whole tree from the manifest plus the changes, and
re-renders only pages that are new, changed or moved, or whose links or children changed. A
page's manifest entry is set only after its file and attachments are on disk, so a killed run
resumes where it stopped.

This module ties the run together; its stages are ``scan`` (the change scan), ``render`` (the
plan and the docs folder) and ``attachments`` (downloads and the page records that list them).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from exporter.client import ConfluenceClient
from exporter.config import Config, SpaceSelection
from exporter.errors import PartialExport
from exporter.logs import group as log_group
from exporter.models import NavTree, Page, Space
from exporter.render import Render
from exporter.scan import Scan, Scanner
from exporter.signals import run_async, sigterm_raises
from exporter.state import STATE_DIR, State
from exporter.summary import ExportSummary, Failure, PlanItem, ProgressFn
from exporter.walk import Walker, build_tree

__all__ = ["ExportSummary", "Failure", "PlanItem", "ProgressFn", "export"]

log = logging.getLogger(__name__)


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
    reconcile_every: timedelta | None = None,
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
    run = Run(
        config,
        out=Path(out or config.output.dir),
        spaces=spaces,
        fmt=format or config.output.format,
        flavor=flavor or config.output.flavor,
        full=full,
        dry_run=dry_run,
        progress=progress,
        reconcile_every=(
            timedelta(days=config.output.reconcile_days)
            if reconcile_every is None
            else reconcile_every
        ),
        client_options=client_options or {},
    )
    summary = run_async(run.run(connection))  # asyncio.run; SIGTERM unwinds it as Ctrl-C
    if summary.failures and not dry_run:
        error = PartialExport(
            f"{summary.pages_failed} page(s) and {summary.attachments_failed} attachment(s) "
            "failed (listed above); everything else was written. Run the export again to retry.",
            [f"{f.page_id} {f.title}: {f.reason}" for f in summary.failures],
        )
        error.summary = summary  # type: ignore[attr-defined]
        raise error
    return summary


class Run:
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
        self.mode = config.output.attachments
        self.summary = ExportSummary(dry_run=dry_run)
        self.state = State.load(out)
        self.options: dict[str, Any] = {
            "flavor": flavor,
            "attachments": self.mode,
            "blogposts": config.output.blogposts,
        }
        self.scanner = Scanner(
            state=self.state,
            options=self.options,
            full=full,
            reconcile_every=reconcile_every,
            mode=self.mode,
            dry_run=dry_run,
            progress=self.progress,
        )
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
            from exporter.outdir import check_output_dir

            check_output_dir(self.out)  # one clear line for a file or a read-only folder
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
                    scans.append(await self.scanner.scan(walker, sel))
            users = await walker.fetch_users(self.scanner.wanted_users)
            log.info(
                "Scanned %d space(s) in %.1f s: %d page(s) fetched, %d request(s)",
                len(scans),
                time.monotonic() - self.started,
                sum(len(s.fetched) for s in scans),
                client.stats.requests,
            )
            if not self.dry_run:
                self.state.users.update(users)
            await Render(self, client, scans, site_url, users).execute()
            if not self.dry_run:
                for scan in scans:
                    self.scanner.finish_space(scan)
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
            with sigterm_raises():  # it blocks the loop, which could not react to SIGTERM
                _render_site(self.out, self.progress)

    def tree(self, scans: list[Scan]) -> NavTree:
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


def _render_site(out: Path, progress: ProgressFn) -> None:
    try:
        from exporter.site import render_site
    except ImportError:
        log.warning("The static site renderer is not available; only docs/ was written.")
        return
    started = time.monotonic()
    report = render_site(
        out / "docs", out / "site", progress=lambda done, total: progress("site", done, total)
    )
    log.info(
        "Site rendered in %.1f s: %d page(s) (%d rendered), %d file(s) written",
        time.monotonic() - started,
        report.pages,
        report.rendered,
        report.written,
    )


def _remove_leftovers(out: Path) -> None:
    """Delete temp files a killed run left behind (the writer's and the state's)."""
    patterns = [(out / "docs", ".tmp-*.part"), (out / STATE_DIR, ".*.tmp")]
    for folder, pattern in patterns:
        if folder.is_dir():
            for leftover in folder.rglob(pattern):
                leftover.unlink(missing_ok=True)
