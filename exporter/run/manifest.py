"""The export's memory between runs: ``OUT/.confluence-export/``.

``manifest.json`` records, per space, when its last change scan started, and per page what was
exported (version, title, parent, position, labels, the files written, attachment versions,
link dependencies, its warnings), so an incremental run fetches only what changed, can rebuild
the whole tree without listing every page, and reports the warnings of the pages it keeps. It
is the tracked part of the state (one page per line, sorted: a change is a one-line diff) and
is rewritten only when its content changed.

``cache.sqlite`` (``exporter/run/store.py``) mirrors the records for fast reads and holds the
compressed storage bodies, so pages whose links change re-render without fetching them. It is
a cache: lost, the next run parses ``manifest.json`` once and fetches the bodies it needs by id
in bulk. Outputs written before it existed (a ``bodies/`` folder, ``manifest.journal``) are
taken over on first load.

The manifest is only ever written atomically, and a page's record is set only after its file is
written, so a killed run leaves a manifest that never claims a file that is not there.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from exporter._fs import atomic_write
from exporter.errors import OutputError
from exporter.run.manifest_file import (
    FORMAT,
    PAGES_OPEN,
    legacy_body,
    migrate_bodies,
    read_manifest,
    replay_legacy_journal,
)
from exporter.run.pagetable import PageTable, Row
from exporter.run.records import AttachmentRecord, PageRecord, SpaceRecord
from exporter.run.scantimes import (
    SCANS_NAME,
    Times,
    file_digest,
    read_local_times,
    write_local_times,
)
from exporter.run.store import Store

__all__ = [
    "FORMAT",
    "STATE_DIR",
    "AttachmentRecord",
    "PageRecord",
    "SpaceRecord",
    "State",
    "migrate_bodies",
]

STATE_DIR = ".confluence-export"
_COMPACT: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False}


@dataclass
class State:
    """The manifest of one output directory, with its cache (records and bodies) beside it."""

    out: Path
    pages: MutableMapping[str, PageRecord] = field(default_factory=PageTable)
    spaces: dict[str, SpaceRecord] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # flavor etc.: a change forces --full
    users: dict[str, str] = field(default_factory=dict)  # account id -> display name
    managed: list[str] = field(default_factory=list)  # files the writer owns, relative to OUT
    _flushed: float = field(default_factory=time.monotonic)
    _tracked: dict[str, Times] = field(default_factory=dict)  # scan times manifest.json holds
    _head: str | None = None  # the manifest's head as loaded, its scan times left out
    _store: Store | None = None
    _rebuild: dict[str, str] | None = None  # the cache must be rebuilt from pages (this meta)

    @property
    def dir(self) -> Path:
        """``OUT/.confluence-export``."""
        return self.out / STATE_DIR

    @property
    def manifest_path(self) -> Path:
        return self.dir / "manifest.json"

    @property
    def journal_path(self) -> Path:
        """Where older versions appended page changes between saves (read once, to migrate)."""
        return self.dir / "manifest.journal"

    @property
    def store(self) -> Store:
        """The cache (``cache.sqlite``), opened on first use."""
        if self._store is None:
            self._store = Store(self.dir)
        return self._store

    @property
    def table(self) -> PageTable:
        if not isinstance(self.pages, PageTable):  # assigned a plain dict: adopt it
            self.pages = PageTable.of(dict(self.pages))
        return self.pages

    @classmethod
    def load(cls, out: Path) -> State:
        """The saved state of ``out``, or an empty one when there is none (or it is unreadable).

        When the cache was built from the ``manifest.json`` now on disk (its ``stat``, else its
        digest, says so), nothing else is read: records come from the cache as asked. Otherwise
        (no cache, a damaged one, or another manifest: a checkout, an older cache) the manifest
        is parsed and the cache rebuilt from it, once.
        """
        state = cls(out=out)
        meta = state.store.meta()
        if meta.get("head") is not None and _manifest_matches(state.manifest_path, meta):
            head = json.loads(meta["head"])
            table = PageTable(state.store)
            table.changed = meta.get("ahead") == "1"  # a killed run's records: save them
        else:  # the cache is (re)built from these at the first flush: a dry run writes nothing
            head, table = read_manifest(state.manifest_path)
            table.changed = replay_legacy_journal(state.journal_path, table)
            state._rebuild = _meta(
                head, file_digest(state.manifest_path) or "", state.manifest_path, ahead=True
            )
        state.pages = table
        if head is None:
            return state
        state.options = dict(head.get("options", {}))
        state.users = dict(head.get("users", {}))
        state.managed = list(head.get("managed", []))
        state.spaces = {
            k: SpaceRecord(
                **{
                    **v,
                    "trash": tuple(v.get("trash", ())),
                    "attachment_trash": tuple(v.get("attachment_trash", ())),
                }
            )
            for k, v in head.get("spaces", {}).items()
        }
        state._head = _head_text(state.spaces, state.options, state.users, state.managed)
        state._tracked = {k: (v.last_scan, v.last_full) for k, v in state.spaces.items()}
        for key, (scan, full) in read_local_times(state.dir, state._tracked).items():
            state.spaces[key] = dataclasses.replace(
                state.spaces[key], last_scan=scan, last_full=full
            )
        return state

    # -- updates ------------------------------------------------------------------------------

    def set_page(self, record: PageRecord) -> None:
        """Record an exported page; call only after its files are on disk."""
        self.table[record.id] = record

    def drop_page(self, page_id: str) -> PageRecord | None:
        """Forget a page (deleted or no longer selected), before its files are removed."""
        return self.table.pop(page_id, None)

    def set_space(self, record: SpaceRecord) -> None:
        self.spaces[record.key] = record

    def maybe_flush(self, every_s: float = 5.0) -> None:
        """Write page changes to the cache when ``every_s`` seconds have passed.

        A flush costs only the changed pages, where rewriting a 20,000-page manifest every
        few seconds would cost the run most of its time; ``save`` writes the manifest.
        """
        if self.table.pending and time.monotonic() - self._flushed >= every_s:
            self.flush_journal()

    def flush_journal(self) -> None:
        """Make the recorded pages' files durable, then commit their records to the cache.

        Page files are written without an fsync each (one per file cost ~9 ms, most of a big
        export's write time); one sync of the output's file system here covers all of them,
        so even after a power cut the cache never names a file whose bytes are not on disk.
        """
        table = self.table
        if not table.pending:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"Cannot write {self.dir}: {exc.strerror}. Check permissions and space."
            ) from exc
        sync_filesystem(self.dir)
        self._write_rows()
        self._flushed = time.monotonic()

    def _write_rows(self) -> None:
        """Commit the pending page changes to the cache, marked as ahead of the manifest; the
        first time after a rebuild from ``manifest.json``, every record with them."""
        table = self.table
        if self._rebuild is None and not table.attached:  # built in memory, not loaded
            self._rebuild = _meta(None, "", self.manifest_path, ahead=True)
        if self._rebuild is None:
            self.store.write(table.take_pending(), {"ahead": "1"})
            return
        pending = table.take_pending()
        rows: dict[str, Row | None] = dict(table.rows())
        rows.update(pending)
        self.store.write(rows, self._rebuild, replace_all=True)
        table.attach(self.store)
        self._rebuild = None

    def close(self) -> None:
        """Close the cache's database if it is open (it reopens when read again), so a finished
        run holds no file of the output open (a read-only remount, a Windows rename)."""
        if self._store is not None:
            self._store.close()

    def save(self) -> None:
        """Write the manifest atomically (temp file, fsync, rename), one page per line, but
        only when its content changed; else only the scan times move (``scans.json``, see
        ``exporter/run/scantimes.py``). A no-change run writes neither manifest nor cache rows.
        """
        table = self.table
        current = {k: (v.last_scan, v.last_full) for k, v in self.spaces.items()}
        head = _head_text(self.spaces, self.options, self.users, self.managed)
        changed = table.changed or head != self._head or not self.manifest_path.exists()
        if changed:
            sync_filesystem(self.out)  # the files the manifest names, before it names them
            self._write_rows()
            digest, data = self._write_manifest(current)
            self.store.write({}, _meta(data, digest, self.manifest_path, ahead=False))
            table.changed = False
            self._head, self._tracked = head, dict(current)
        try:
            write_local_times(self.dir, current, self._tracked)
        except OSError as exc:
            raise OutputError(
                f"Cannot write {self.dir / SCANS_NAME}: {exc.strerror}. Check permissions "
                "and free space."
            ) from exc
        self.journal_path.unlink(missing_ok=True)  # an older version's, folded in at load
        migrate_bodies(self.dir, self.store)
        self.store.close()  # reopened if the run reads on; folds the WAL into the one file
        self._flushed = time.monotonic()

    def _write_manifest(self, times: dict[str, Times]) -> tuple[str, dict[str, Any]]:
        """One JSON document (``{"format", ..., "pages": {id: record}}``) streamed a line at a
        time from the cache; returns the written bytes' digest and the head it holds."""
        head: dict[str, Any] = {
            "format": FORMAT,
            "options": self.options,
            "users": dict(sorted(self.users.items())),
            "managed": sorted(self.managed),
            "spaces": {
                k: {**dataclasses.asdict(v), "last_scan": times[k][0], "last_full": times[k][1]}
                for k, v in sorted(self.spaces.items())
            },
        }
        digest = hashlib.sha256()

        def write(fh: BinaryIO) -> None:
            def put(text: str) -> None:
                data = text.encode()
                digest.update(data)
                fh.write(data)

            put(json.dumps(head, **_COMPACT)[:-1] + "," + PAGES_OPEN)
            for n, (_, line) in enumerate(self.table.lines()):
                put(("" if n == 0 else ",\n") + line)
            put("\n}}\n")

        _atomic_write(self.manifest_path, write)
        return digest.hexdigest(), head

    # -- body cache ---------------------------------------------------------------------------

    def put_body(self, page_id: str, version: int, body: str) -> None:
        """Cache a page's storage body (compressed, tagged with its version)."""
        self.store.put_body(page_id, version, body)

    def get_body(self, page_id: str, version: int | None = None) -> str | None:
        """The cached body, or None when missing, damaged, or of another version."""
        found = self.store.get_body(page_id) or legacy_body(self.dir, page_id)
        if found is None or (version is not None and found[0] != version):
            return None
        return found[1]

    def drop_body(self, page_id: str) -> None:
        self.store.drop_body(page_id)


def _head_text(
    spaces: dict[str, SpaceRecord], options: dict[str, Any], users: dict[str, str],
    managed: list[str],
) -> str:  # fmt: skip
    """The manifest's head without its scan times: what says whether its content changed."""
    plain = {
        k: {**dataclasses.asdict(v), "last_scan": None, "last_full": None}
        for k, v in sorted(spaces.items())
    }
    data = [options, sorted(users.items()), sorted(managed), plain]
    return json.dumps(data, sort_keys=True, **_COMPACT)


def _meta(
    head: dict[str, Any] | None, digest: str, manifest: Path, *, ahead: bool
) -> dict[str, str]:
    """The cache's record of the manifest it mirrors (digest and stat) and its head."""
    return {
        "head": json.dumps(head, **_COMPACT) if head is not None else "null",
        "digest": digest,
        "stat": _stat_key(manifest),
        "ahead": "1" if ahead else "0",
    }


def _stat_key(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _manifest_matches(manifest: Path, meta: dict[str, str]) -> bool:
    """Whether the cache was built from this manifest: same ``stat`` (nothing read), or
    the same bytes (a checkout or copy that rewrote it unchanged)."""
    key = _stat_key(manifest)
    if key == meta.get("stat"):
        return True
    if key == "missing":
        return meta.get("digest") == ""
    return file_digest(manifest) == meta.get("digest")


def _load_syncfs() -> Callable[[int], int] | None:
    """``syncfs(fd)`` from the C library this process runs on (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # dlopen(NULL): the symbols already loaded, libc's among them (glibc and musl)
        syncfs: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return syncfs


_SYNCFS = _load_syncfs()


def sync_filesystem(path: Path) -> None:
    """Flush every written file on ``path``'s file system to disk (``syncfs``; else ``sync``)."""
    if _SYNCFS is not None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            fd = -1
        if fd >= 0:
            try:
                if _SYNCFS(fd) == 0:
                    return
            finally:
                os.close(fd)
    sync = getattr(os, "sync", None)  # not on Windows, where NTFS journals metadata only
    if sync is not None:
        sync()


def _atomic_write(
    path: Path, write: Callable[[Any], object], *, text: bool = False, sync: bool = True
) -> None:
    """Write a file through ``write(fh)`` with ``_fs.atomic_write`` (fsync'd unless ``sync`` is
    False); a failed write is an ``OutputError`` that says what to check."""

    def fill(fh: Any) -> None:
        if not text:
            write(fh)
            return
        wrapper = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        write(wrapper)
        wrapper.flush()
        wrapper.detach()

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, fill, durable=sync)
    except OSError as exc:
        raise OutputError(
            f"Cannot write {path}: {exc.strerror}. Check permissions and free space."
        ) from exc
