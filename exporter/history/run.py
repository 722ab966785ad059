"""One export's history step: read the versions made since the last commit, then write them.

``gather`` (during the run, with the API client) reads, for every exported page, the versions
after the one the branch's tip records, caching each page's as soon as they are read; a run
cut off by the points budget (``RateLimited``, exit 75) keeps them, and the next run reads the
rest. ``commit`` (after the manifest is saved) writes every cached version as a commit, oldest
first across pages, then a commit per page moved or deleted since, then one housekeeping
commit for everything else the export changed (attachments, nav and index files, the state
folder), so the branch's tree is the export byte for byte. The branch moves once, at the end, from the tip it started from.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from exporter.confluence.client import ConfluenceClient
from exporter.confluence.walker import Walker
from exporter.docs.writer import DocsWriter
from exporter.history.cache import VersionCache
from exporter.history.commits import (
    EXPORTER,
    Authors,
    change_message,
    commit_message,
    parse_instant,
    render_version,
)
from exporter.history.fastimport import Change, FastImport, Ident
from exporter.history.repo import Repo
from exporter.history.versions import PageVersion, fetch_bodies, list_versions
from exporter.models import NavTree, Page

__all__ = ["RECORD_NAME", "Exported", "History", "HistoryReport", "HistorySettings"]

log = logging.getLogger(__name__)

RECORD_NAME = "history.json"  # in the state folder: each page's version, path, title at the tip
SCRATCH_REF = "refs/confluence-export/history"
PAGES_IN_FLIGHT = 8


@dataclass(frozen=True, slots=True)
class HistorySettings:
    """``history.*``: how far back a first import goes, and the authors mapping file."""

    since: date | None = None
    max_versions: int | None = None
    authors: Path | None = None


@dataclass(frozen=True, slots=True)
class Exported:
    """One exported page as this run left it: metadata, its file (relative to OUT), body."""

    page: Page
    path: str
    attachments: tuple[str, ...] = ()  # its attachments' names, as recorded


@dataclass(slots=True)
class HistoryReport:
    """What the history step did, for the run's log and summary."""

    versions_read: int = 0
    version_commits: int = 0
    change_commits: int = 0  # moves and deletions
    housekeeping: bool = False
    tip: str | None = None


class History:
    """The history of one output folder's pages in the git repository holding it."""

    def __init__(
        self,
        out: Path,
        state_dir: Path,
        settings: HistorySettings,
        *,
        site_url: str,
        started: datetime,
    ) -> None:
        self.out = out
        self.state_dir = state_dir
        self.settings = settings
        self.site_url = site_url
        self.started = started
        self.repo = Repo(out)
        self.cache = VersionCache(state_dir)
        self.names: dict[str, str] = {}
        self.authors = Authors.load(settings.authors, {})  # a bad file stops the run at once
        self.report = HistoryReport()
        state_rel = state_dir.resolve().relative_to(self.repo.root).as_posix()
        self.record_path = f"{state_rel}/{RECORD_NAME}"

    def committed(self, tip: str | None) -> dict[str, int] | None:
        """Page id to the version the tip's history holds; None before the first history."""
        data = self.repo.read_json(tip, self.record_path)
        if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
            return None
        return {str(k): int(v) for k, v in data["pages"].items()}

    # ---- reading -------------------------------------------------------------------------

    async def gather(
        self,
        client: ConfluenceClient,
        walker: Walker,
        pages: Sequence[Exported],
        bodies: Callable[[str, int], str | None],
    ) -> None:
        """Read and cache the versions each page gained since the tip's record; ``bodies``
        gives the export's body of a page at its current version (no request for those)."""
        first = self.committed(self.repo.tip())
        done = first or {}
        window = asyncio.Semaphore(PAGES_IN_FLIGHT)

        async def one(item: Exported) -> None:
            page, have = item.page, done.get(item.page.id, 0)
            if page.kind != "page" or have >= page.version:
                return
            kept, upto = self.cache.load(page.id)
            cached = [v for v in kept if have < v.number <= page.version]
            after = max(have, min(upto, page.version))
            if after >= page.version:
                return
            fresh = first is None or page.id not in done  # a page's first import
            async with window:
                found = await list_versions(
                    client,
                    page.id,
                    after=after,
                    upto=page.version,
                    since=self.settings.since if fresh else None,
                    keep=self.settings.max_versions if fresh else None,
                )
                current = [v for v in found if v.number == page.version]
                body = bodies(page.id, page.version) if current else None
                if current and body is not None:  # the export's body: no request
                    found = [v for v in found if v.number != page.version]
                    found.append(_with_body(current[0], body, page.title))
                found = await fetch_bodies(client, found)
            self.report.versions_read += len(found)
            self.cache.save(page.id, [*cached, *found], page.version)

        tasks = [asyncio.ensure_future(one(p)) for p in pages]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        authors = {v.author_id for pid in self.cache.page_ids() for v in self.cache.load(pid)[0]}
        self.names = dict(await walker.fetch_users(a for a in authors if a))
        log.info("History: read %d version(s)", self.report.versions_read)

    # ---- writing -------------------------------------------------------------------------

    def commit(self, writer: DocsWriter, tree: NavTree, pages: Sequence[Exported]) -> HistoryReport:
        """Write the cached versions as commits, then the housekeeping commit; move the branch."""
        repo, report = self.repo, self.report
        tip = repo.tip()
        record = self.committed(tip)
        render = _history_writer(writer, tree)
        authors = Authors(self.names, self.authors.mapping)
        bot = Ident(*EXPORTER, self.started)
        exported = {p.page.id: p for p in pages}
        for each in pages:  # every page's names, as recorded: the same claims in every run
            render.register_attachments(each.page.id, each.attachments)
        entries: list[tuple[datetime, int, str, int, str, PageVersion]] = []
        writer_ = FastImport(repo.root, SCRATCH_REF, tip)
        try:
            for pid in self.cache.page_ids():
                item = exported.get(pid)
                if item is None:  # gone since it was read
                    continue
                have = (record or {}).get(pid, 0)
                for version in self.cache.load(pid)[0]:
                    if not have < version.number <= item.page.version:
                        continue
                    if version.number == item.page.version:
                        data = (self.out / item.path).read_bytes()  # exactly the export's file
                    else:
                        data = render_version(render, item.page, version)
                    key = int(pid) if pid.isdigit() else 0
                    meta = _with_body(version, None, version.title or item.page.title)
                    entries.append(
                        (
                            parse_instant(version.created_at),
                            key,
                            pid,
                            version.number,
                            writer_.blob(data),
                            meta,
                        )
                    )
            old_paths, old_titles = self._recorded(tip)
            self._write_record(pages)
            entries.sort(key=lambda e: e[:4])
            clear_docs = record is None and repo.has_path(tip, f"{repo.prefix}docs")
            for when, _key, pid, _number, mark, version in entries:
                changes = [Change("D", f"{repo.prefix}docs")] if clear_docs else []
                clear_docs = False
                changes.append(Change("M", repo.prefix + exported[pid].path, mark))
                author = authors.ident(version.author_id, when)
                writer_.commit(author, bot, commit_message(version, self.site_url), changes)
            for pid, old_path in sorted(old_paths.items()):  # moves and deletions, one each
                item = exported.get(pid)
                if item is not None and item.path == old_path:
                    continue
                changes = [Change("D", repo.prefix + old_path)]
                if item is not None:
                    blob = writer_.blob((self.out / item.path).read_bytes())
                    changes.append(Change("M", repo.prefix + item.path, blob))
                title = item.page.title if item else old_titles.get(pid, pid)
                new_path = item.path if item else None
                writer_.commit(bot, bot, change_message(pid, title, old_path, new_path), changes)
                report.change_commits += 1
            final = repo.final_tree(tip, force=[self.record_path])
        except BaseException:
            writer_.abort()
            raise
        if entries or report.change_commits:
            last = writer_.close()
        else:
            writer_.abort()
            last = None
        head = last or tip
        report.version_commits = len(entries)
        if head is None or repo.tree_of(head) != final:
            head = repo.commit_tree(final, head, bot, _HOUSEKEEPING)
            report.housekeeping = True
        if head != tip:
            repo.move_branch(head, tip)
        if last:
            repo.git("update-ref", "-d", SCRATCH_REF)
        self.cache.clear()
        report.tip = head
        log.info(
            "History: %d version commit(s), %d move(s) and deletion(s)%s on %s",
            report.version_commits,
            report.change_commits,
            " and a housekeeping commit" if report.housekeeping else "",
            repo.branch.removeprefix("refs/heads/"),
        )
        return report

    def _recorded(self, tip: str | None) -> tuple[dict[str, str], dict[str, str]]:
        """Path and title of each page as the tip's record has them (none before a history)."""
        data = self.repo.read_json(tip, self.record_path)
        if not isinstance(data, dict):
            return {}, {}
        paths, titles = data.get("paths"), data.get("titles")
        paths = paths if isinstance(paths, dict) else {}
        titles = titles if isinstance(titles, dict) else {}
        return {str(k): str(v) for k, v in paths.items()}, {
            str(k): str(v) for k, v in titles.items()
        }

    def _write_record(self, pages: Sequence[Exported]) -> None:
        order = sorted(pages, key=lambda p: p.page.id)
        data: dict[str, Any] = {
            "format": 1,
            "pages": {p.page.id: p.page.version for p in order},
            "paths": {p.page.id: p.path for p in order},
            "titles": {p.page.id: p.page.title for p in order},
        }
        path = self.state_dir / RECORD_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


_HOUSEKEEPING = (
    "Sync with Confluence\n\n"
    "What is not a page version: moves, deletions, attachments, navigation files and the\n"
    "export's state, so the tree equals the export.\n"
)


def _with_body(version: PageVersion, body: str | None, title: str) -> PageVersion:
    return dataclasses.replace(version, title=version.title or title, body=body)


def _history_writer(writer: DocsWriter, tree: NavTree) -> DocsWriter:
    """A writer that only renders (never writes), planned like the run's."""
    return DocsWriter(
        writer.docs_root,
        tree,
        writer.flavor,
        site_url=writer.site_url,
        users=writer.users,
        body_provider=writer.body_provider,
        attachments=writer.attachments,
        dry_run=True,
        media_types=writer.media_types,
    )
