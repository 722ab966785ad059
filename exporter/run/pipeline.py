"""``export()``: walk → convert → write, page by page, incremental by default.

A run scans each selected space (everything on the first run, with ``--full`` or at the periodic
reconcile; otherwise only what changed since the last scan, plus the trash), caches every fetched
body compressed in the state dir, rebuilds the whole tree from the manifest plus the changes, and
re-renders only pages that are new, changed or moved, or whose links or children changed. A
page's manifest entry is set only after its file and attachments are on disk, so a killed run
resumes where it stopped.

This module ties the run together; its stages are ``scan`` (the change scan), ``plan`` (what
to add, change, move and delete), ``pages`` (the docs folder) and ``attachments`` (downloads and
the page records that list them). Stages see a ``RunContext``, never the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from exporter.config.settings import Config, SpaceSelection, require_selection
from exporter.confluence.access import preflight
from exporter.confluence.walker import GoneSpace, Walker, build_tree
from exporter.errors import DeletionRefused, PartialExport
from exporter.models import Flavor, NavTree, Space
from exporter.run.changes import record_run
from exporter.run.context import ClientOptions, RunContext
from exporter.run.history_step import exported_pages, history_step
from exporter.run.leftovers import recorded_home, remove_leftovers
from exporter.run.manifest import PageRecord, State
from exporter.run.pages import Render
from exporter.run.plan import PlanRules
from exporter.run.report_files import write_report_files
from exporter.run.scan import Scan, Scanner
from exporter.run.settled import Shortcut, forget, settle, shortcut
from exporter.run.site_step import render_site_step, site_name
from exporter.run.summary import ExportSummary, Failure, PlanItem, ProgressFn
from exporter.signals import run_async, sigterm_raises
from exporter.warnings import PageWarning, sort_warnings

if TYPE_CHECKING:
    from exporter.auth.connect import Connection
    from exporter.docs.writer import DocsWriter
    from exporter.history.run import Exported, History

__all__ = ["ClientOptions", "ExportSummary", "Failure", "PlanItem", "ProgressFn", "export"]

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
    connection: Connection | None = None,
    reconcile_every: timedelta | None = None,
    client_options: ClientOptions | None = None,
    allow_deletions: bool = False,
    page_batch: int | None = None,
) -> ExportSummary:
    """Export the configured spaces into ``out`` (default ``config.output.dir``).

    Returns the summary. Raises ``PartialExport`` (its ``summary`` attribute holds the
    summary) when pages, attachments or whole spaces failed, ``RateLimited`` when the points
    budget ran out (finished pages stay recorded), ``DeletionRefused`` (nothing changed) when
    the run would delete more than ``output.max_delete_share`` of the exported pages, or all of
    them, unless ``allow_deletions`` (or ``output.allow_deletions``) confirms it.
    ``connection`` (``exporter.auth.connect.Connection``) skips login; ``client_options``
    override the API client's settings, ``page_batch`` the objects a list request asks for
    (250; tests use small batches to exercise pagination).
    """
    require_selection(config, spaces)
    if connection is None:
        from exporter.auth.connect import connect

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
        allow_deletions=allow_deletions or config.output.allow_deletions,
        page_batch=page_batch,
    )
    summary = run_async(run.run(connection))  # asyncio.run; SIGTERM unwinds it as Ctrl-C
    if summary.failures and not dry_run:
        spaces_failed = [f.title for f in summary.failures if f.kind == "space"]
        gone = f"space(s) {', '.join(spaces_failed)} could not be read (kept as exported); "
        error = PartialExport(
            (gone if spaces_failed else "")
            + f"{summary.pages_failed} page(s) and {summary.attachments_failed} attachment(s) "
            "failed (listed above); everything else was written. Run the export again to retry.",
            [f"{f.page_id} {f.title}: {f.reason}" for f in summary.failures],
            summary=summary,
        )
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
        client_options: ClientOptions,
        allow_deletions: bool = False,
        page_batch: int | None = None,
    ) -> None:
        self.config = config
        self.allow_deletions = allow_deletions
        self.kept: set[str] = set()  # gone spaces whose exported pages stay as they are
        self.client_options = ClientOptions(**client_options)
        self.page_batch = page_batch
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
        self.options: dict[str, object] = {
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
        self.history: History | None = None  # with output.history: git
        self.history_args: tuple[DocsWriter, NavTree, list[Exported]] | None = None
        self.scans: list[Scan] = []
        self.shortcut: Shortcut | None = None  # nothing changed: no plan (exporter.run.settled)
        self._warnings: list[PageWarning] | None = None  # read once the pages are written

    async def run(self, connection: Connection) -> ExportSummary:
        """The whole run, under the output's lock (no lock and no writes for a dry run)."""
        started = self.started = time.monotonic()
        if self.dry_run:
            await self._run(connection)
        else:
            from exporter.outdir import check_output_dir
            from exporter.run.lock import ExportLock

            check_output_dir(self.out)  # one clear line for a file or a read-only folder
            with ExportLock(self.state.dir) as lock:
                remove_leftovers(self.out, docs=lock.took_over is not None)
                refused = False
                try:
                    await self._run(connection)
                except DeletionRefused:
                    refused = True  # the manifest stays byte for byte as it was
                    raise
                finally:
                    if not refused:
                        self.state.save()
                write_report_files(self.out, self.warning_list())  # in the history's last commit
                if self.history is not None and self.history_args is not None:  # after the manifest
                    self.history.commit(*self.history_args)
                if not self.summary.failures and self.history is None and not self.only:
                    settle(self.state, self.out, options=self.options, scans=self.scans,
                           attachments=self.mode != "none", used=self.shortcut)  # fmt: skip
        self.summary.warning_list = self.warning_list()
        self.summary.warnings = len(self.summary.warning_list)
        self.state.close()  # settle() and the warnings read it after save()
        self.summary.duration_s = time.monotonic() - started
        return self.summary

    async def _run(self, connection: Connection) -> None:
        from exporter.auth.connect import open_client

        site_url = (connection.site_url or self.config.site_endpoint or "").rstrip("/")
        if self.config.output.history == "git" and not self.dry_run:
            self.history = history_step(
                self.config, self.out, self.state, site_url
            )  # a bad repository or authors file: now
        client = open_client(connection, self.config, **self.client_options)
        try:
            access = await preflight(client, connection, attachments=self.mode != "none")
            walker = Walker(
                client,
                site_url=site_url,
                blogposts=self.config.output.blogposts,
                users_api=access.users_api,
                read_zone=access.read_zone,
            )
            if self.page_batch:
                walker.batch = self.page_batch
            walker.users.update(self.state.users)
            choice = await walker.select_spaces(
                self.config.spaces,
                self.only,
                known=self.state.spaces,
                types=self.config.space_types,
            )
            self._keep_gone(choice.gone)
            await self.scanner.scan_attachment_trash(walker, choice.selected)
            scans = await self.scanner.scan_all(walker, choice.selected)
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
            self.scans = scans
            if not self._take_shortcut(scans):
                render = Render(
                    self.context(),
                    client,
                    scans,
                    self.tree(scans),
                    self.plan_rules(scans),
                    site_url=site_url,
                    users=users,
                )
                await render.execute()
            runs = record_run(self.summary, self.state.dir, dry_run=self.dry_run)
            if self.history is not None:  # never with the shortcut
                exported = exported_pages(self.state)
                self.history_args = (render.writer, render.tree, exported)
                await self.history.gather(client, walker, exported, self.state.get_body)
            site_spaces = self._site_spaces(scans)
            if not self.dry_run:
                for scan in scans:
                    self.scanner.finish_space(scan)
                if not self.only:  # spaces no longer configured start over if they return
                    scanned = {s.selected.space.key for s in scans}
                    for key in set(self.state.spaces) - scanned - self.kept:
                        del self.state.spaces[key]
                self.state.options = self.options
        finally:
            self.summary.requests = client.stats.requests
            self.summary.media_requests = client.stats.media_requests
            self.summary.retries = client.stats.retries
            self.summary.points = client.stats.points
            await client.aclose()
        if not self.dry_run and self.fmt in ("site", "both"):
            with sigterm_raises():  # it blocks the loop, which could not react to SIGTERM
                render_site_step(
                    self.out,
                    cast(Flavor, self.flavor),  # a Literal in the config, a click.Choice flag
                    self.progress,
                    site_name(self.config, connection, site_url),
                    site_spaces,
                    runs,
                    warnings=self.warning_list(),
                    llms_txt=self.config.output.llms_txt,
                )

    def warning_list(self) -> list[PageWarning]:
        """The warnings of every page the docs folder holds, as the summary lists them (after
        the no-change shortcut, only the pages its mark says carry any, read by id). Read once,
        after the pages are written: the site, the report files and the summary share it."""
        if self._warnings is None:
            pages: Iterable[PageRecord] = self.state.pages.values()
            if self.shortcut is not None:
                pages = [self.state.pages[pid] for pid in self.shortcut.warned]
            self._warnings = sort_warnings(w for r in pages if r.path for w in r.warnings)
        return self._warnings

    def _take_shortcut(self, scans: list[Scan]) -> bool:
        """Whether nothing changed (``exporter.run.settled``): then the counts are the mark's.
        Otherwise the mark goes, and quiet scans read their recorded pages for the plan."""
        eligible = not (self.dry_run or self.rerender_all or self.only or self.kept)
        if eligible and self.history is None:
            self.shortcut = shortcut(self.state, self.out, self.options, scans)
        if self.shortcut is not None:
            self.summary.pages_unchanged += self.shortcut.pages
            self.summary.attachments_unchanged += self.shortcut.attachments
            log.info("Nothing changed: %d page(s) left as they are", self.shortcut.pages)
            return True
        if not self.dry_run:
            forget(self.state)
        for scan in scans:
            self.scanner.materialize(scan)
        return False

    def _site_spaces(self, scans: list[Scan]) -> list[Space]:
        """The spaces the site names: as scanned now, the others as recorded."""
        spaces = [s.selected.space for s in scans]
        seen = {s.key for s in spaces}
        recorded = sorted(self.state.spaces.items())
        return spaces + [Space(id=r.id, key=k, name=r.name) for k, r in recorded if k not in seen]

    def tree(self, scans: list[Scan]) -> NavTree:
        """The exported tree: scanned spaces, plus the others as recorded (with ``--space``)
        and the gone spaces whose pages are kept, all in the selection's order."""
        trees = [
            build_tree(s.selected.space, s.pages.values(), s.selected.selection) for s in scans
        ]
        rules = (
            {s.key: s for s in self.config.spaces} if isinstance(self.config.spaces, tuple) else {}
        )
        if self.only or self.kept:
            scanned = {s.selected.space.key for s in scans}
            for key, rec in sorted(self.state.spaces.items()):
                if key in scanned or not (self.only or key in self.kept):
                    continue
                pages = [r.to_page() for r in self.state.pages.values() if r.space_key == key]
                home = rec.homepage_id or recorded_home(self.state, key)
                space = Space(id=rec.id, key=key, name=rec.name, homepage_id=home)
                trees.append(build_tree(space, pages, rules.get(key, SpaceSelection(key=key))))
        order = {key: n for n, key in enumerate(rules)}  # configured order, then by key
        trees.sort(key=lambda t: (order.get(t.space.key, len(order)), t.space.key))
        return NavTree(spaces=tuple(trees))

    def _keep_gone(self, gone: list[GoneSpace]) -> None:
        """Each gone space is a failure of that space; its exported pages are kept as they are.

        With ``spaces: all`` a space exported before that no longer lists has no other way
        out of the selection, so confirmed deletions (``--allow-deletions``) let it go.
        """
        implicit = self.config.spaces in (None, "all") and not self.only
        for space in gone:
            if implicit and self.allow_deletions:
                log.warning("%s; its pages are deleted (deletions allowed)", space.reason)
                continue
            kept = sum(1 for r in self.state.pages.values() if r.space_key == space.key and r.path)
            until = " (or run once with --allow-deletions to drop them)"
            until = until if implicit else " or removed from the selection"
            reason = space.reason + (
                f"; its {kept} exported page(s) are kept until it is back{until}" if kept else ""
            )
            log.warning("Space %s failed: %s", space.key, reason)
            self.summary.failures.append(Failure("", space.key, reason, kind="space"))
            self.summary.spaces_failed += 1
            self.kept.add(space.key)

    def context(self) -> RunContext:
        """What the run's stages see of it."""
        return RunContext(
            out=self.out,
            flavor=self.flavor,
            attachments=self.mode,
            dry_run=self.dry_run,
            started=self.started,
            state=self.state,
            summary=self.summary,
            progress=self.progress,
        )

    def plan_rules(self, scans: list[Scan]) -> PlanRules:
        """What this run's plan depends on (``exporter.run.plan``)."""
        return PlanRules(
            # A dry run lists every page as a change only for other options (they change
            # every file), not for --full.
            rerender=self.options_changed if self.dry_run else self.rerender_all,
            scanned=frozenset(s.selected.space.key for s in scans),
            limited=bool(self.only),
            kept_spaces=frozenset(self.kept),
            max_delete_share=self.config.output.max_delete_share,
            allow_deletions=self.allow_deletions,
        )
