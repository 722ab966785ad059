"""The state's cache: one SQLite file, ``OUT/.confluence-export/cache.sqlite``.

It holds what a run needs fast and git need not keep:

- ``pages``: every page record as its ``manifest.json`` line, so loading the state reads no
  record a run does not ask for, a change touches one row, and ``manifest.json`` (the tracked,
  diff-friendly copy) is rewritten only when content changed, by streaming these lines;
- ``bodies``: each page's storage body (zlib), tagged with its version, so pages whose links
  change re-render without fetching them (lost, they are fetched again by id in bulk);
- ``meta``: which ``manifest.json`` the rows were built from (its digest and ``stat``), and
  whether rows are newer than it (a run killed before its save: its finished pages).

SQLite (stdlib ``sqlite3``) rather than files: one file for ``actions/cache`` instead of one per
page, transactions instead of a journal, and point reads by id. WAL mode lets the conversion
processes read bodies while the run writes. The whole file is a cache: deleting it costs one
parse of ``manifest.json`` and a bulk refetch of the bodies the next run renders.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from exporter.errors import OutputError

__all__ = ["CACHE_NAME", "Store", "blob_version", "unpack_body"]

CACHE_NAME = "cache.sqlite"
_SCHEMA = 1
_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS pages (id TEXT PRIMARY KEY, line TEXT NOT NULL, rec TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bodies (id TEXT PRIMARY KEY, version INTEGER NOT NULL, "
    "body BLOB NOT NULL)",
)


def unpack_body(blob: bytes) -> tuple[int, str] | None:
    """(version, body) of a stored body, or None when it is damaged."""
    try:
        head, _, body = zlib.decompress(blob).decode().partition("\n")
        return int(head), body
    except (zlib.error, UnicodeDecodeError, ValueError, TypeError):
        return None


def blob_version(blob: bytes) -> int | None:
    """The version a stored body is tagged with, decompressing only its first bytes."""
    try:
        head = zlib.decompressobj().decompress(blob, 24).partition(b"\n")[0]
        return int(head)
    except (zlib.error, ValueError):
        return None


class Store:
    """Lazily opened, per process (a forked conversion worker opens its own), thread-safe."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / CACHE_NAME
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def _conn(self, create: bool = True) -> sqlite3.Connection | None:
        if self._db is not None and self._pid == os.getpid():
            return self._db
        if not create and not self.path.exists():
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                db = self._open()
            except sqlite3.DatabaseError:  # not a database (damaged): a cache, so start over
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                db = self._open()
        except (sqlite3.Error, OSError) as exc:
            raise OutputError(
                f"Cannot open the state cache {self.path}: {exc}. Delete it (it is only a "
                "cache) and run the export again."
            ) from exc
        if self._db is None:  # fold the WAL into the file when the process ends
            atexit.register(self.close)
        self._db, self._pid = db, os.getpid()
        return db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA):
                raise sqlite3.DatabaseError("another cache layout")  # start it over
            if version == 0:  # a new file (only then written to: a dry run writes nothing)
                for table in _TABLES:
                    db.execute(table)
                db.execute(f"PRAGMA user_version={_SCHEMA}")
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        """Close this process's connection (SQLite folds the WAL into the file)."""
        with self._lock:
            if self._db is not None and self._pid == os.getpid():
                self._db.close()
            self._db = None

    # -- meta -----------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """Every meta value; empty when there is no cache yet (nothing is created)."""
        with self._lock:
            try:
                db = self._conn(create=False)
                return {} if db is None else dict(db.execute("SELECT key, value FROM meta"))
            except sqlite3.DatabaseError:
                return {}  # a damaged cache: rebuilt from manifest.json

    # -- page lines -----------------------------------------------------------------------

    def row(self, page_id: str) -> str | None:
        """A page's record as ``encode_row`` wrote it, or None."""
        with self._lock:
            db = self._conn()
            assert db is not None
            found = db.execute("SELECT rec FROM pages WHERE id = ?", (page_id,)).fetchone()
        return None if found is None else str(found[0])

    def rows(self) -> list[tuple[str, str]]:
        """Every (id, record as ``encode_row`` wrote it), in id order."""
        return self._select("SELECT id, rec FROM pages ORDER BY id")

    def lines(self) -> list[tuple[str, str]]:
        """Every (id, ``manifest.json`` line), in id order (the manifest's)."""
        return self._select("SELECT id, line FROM pages ORDER BY id")

    def _select(self, sql: str) -> list[tuple[str, str]]:
        with self._lock:
            db = self._conn()
            assert db is not None
            return db.execute(sql).fetchall()

    def write(
        self,
        changes: Mapping[str, tuple[str, str] | None],
        meta: Mapping[str, str] = {},  # noqa: B006 (read only)
        *,
        replace_all: bool = False,
    ) -> None:
        """One transaction: pages set (their manifest line and row) or dropped (None), and meta;
        ``replace_all`` first forgets every page (a rebuild from ``manifest.json``)."""
        with self._lock:
            db = self._conn()
            assert db is not None
            try:
                db.execute("BEGIN IMMEDIATE")
                if replace_all:
                    db.execute("DELETE FROM pages")
                drops = [(k,) for k, v in changes.items() if v is None]
                db.executemany("DELETE FROM pages WHERE id = ?", drops)
                db.executemany(
                    "INSERT OR REPLACE INTO pages (id, line, rec) VALUES (?, ?, ?)",
                    [(k, *v) for k, v in changes.items() if v is not None],
                )
                db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta.items()
                )
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise OutputError(
                    f"Cannot write the state cache {self.path}: {exc}. Check free space; "
                    "deleting it (only a cache) is safe."
                ) from exc

    # -- bodies ---------------------------------------------------------------------------

    def put_body(self, page_id: str, version: int, body: str) -> None:
        self.put_blobs([(page_id, version, zlib.compress(f"{version}\n{body}".encode(), 6))])

    def put_blobs(self, items: Iterable[tuple[str, int, bytes]]) -> None:
        """Bodies as stored: ``zlib("<version>\\n<body>")``, the form older versions kept
        one file each (``bodies/``), so taking those over copies their bytes."""
        rows = list(items)
        with self._lock:
            db = self._conn()
            assert db is not None
            try:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT OR REPLACE INTO bodies (id, version, body) VALUES (?, ?, ?)", rows
                )
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise OutputError(
                    f"Cannot write the state cache {self.path}: {exc}. Check free space."
                ) from exc

    def get_body(self, page_id: str) -> tuple[int, str] | None:
        """(version, body), or None when missing or damaged."""
        with self._lock:
            try:
                db = self._conn(create=False)
                if db is None:
                    return None
                row = db.execute("SELECT body FROM bodies WHERE id = ?", (page_id,)).fetchone()
            except sqlite3.DatabaseError:
                return None
        return None if row is None else unpack_body(row[0])

    def drop_body(self, page_id: str) -> None:
        with self._lock:
            db = self._conn(create=False)
            if db is not None:
                db.execute("DELETE FROM bodies WHERE id = ?", (page_id,))
