"""``State.pages``: a mapping of page id to record that reads the cache only as asked.

A lookup by id reads one row; iterating reads them all once (then they are held). Changes are
kept in memory, with the line each becomes, until ``State`` writes them to the cache in one
transaction (a flush) and, when content changed, streams ``manifest.json`` from it. Setting a
record equal to the one held is no change, so a run that re-records what it found writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

from exporter.run.records import PageRecord, decode_row, encode_line, encode_row
from exporter.run.store import Store

__all__ = ["PageTable", "Row"]

Row = tuple[str, str]  # (manifest.json line, cache row) of one record


class PageTable(MutableMapping[str, PageRecord]):
    """Page records backed by the cache's ``pages`` rows (or by nothing: ``store`` None)."""

    def __init__(self, store: Store | None = None) -> None:
        self._store = store
        self._held: dict[str, PageRecord] = {}
        self._complete = store is None  # every record is in _held
        self.pending: dict[str, Row | None] = {}  # id -> new (line, row), or None when dropped
        self.changed = False  # content differs from what the cache had when loaded

    @classmethod
    def of(cls, records: dict[str, PageRecord]) -> PageTable:
        """A table holding ``records`` (read from ``manifest.json``), nothing pending."""
        table = cls()
        table._held = dict(records)
        return table

    def attach(self, store: Store) -> None:
        """From now on, pending changes go to ``store`` (whose rows equal this table)."""
        self._store = store

    @property
    def attached(self) -> bool:
        return self._store is not None

    def _load_all(self) -> None:
        if self._complete:
            return
        assert self._store is not None
        held = {}
        for page_id, row in self._store.rows():
            if page_id in self.pending:
                continue  # changed in this run: the held record is the truth
            record = self._held.get(page_id)
            held[page_id] = record if record is not None else decode_row(row)
        for page_id, new in self.pending.items():
            if new is not None:
                held[page_id] = self._held[page_id]
        self._held, self._complete = held, True

    def __getitem__(self, page_id: str) -> PageRecord:
        record = self._held.get(page_id)
        if record is not None:
            return record
        if self._complete or page_id in self.pending:
            raise KeyError(page_id)
        assert self._store is not None
        row = self._store.row(page_id)
        if row is None:
            raise KeyError(page_id)
        record = self._held[page_id] = decode_row(row)
        return record

    def __setitem__(self, page_id: str, record: PageRecord) -> None:
        if self.get(page_id) == record:
            return
        self._held[page_id] = record
        self.pending[page_id] = (encode_line(record), encode_row(record))
        self.changed = True

    def __delitem__(self, page_id: str) -> None:
        self[page_id]  # KeyError when absent
        del self._held[page_id]
        self.pending[page_id] = None
        self.changed = True

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter(list(self._held))

    def __len__(self) -> int:
        self._load_all()
        return len(self._held)

    def __contains__(self, page_id: object) -> bool:
        return isinstance(page_id, str) and self.get(page_id) is not None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PageTable):
            self._load_all()
            other._load_all()
            return self._held == other._held
        if isinstance(other, dict):
            self._load_all()
            return self._held == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def lines(self) -> Iterator[tuple[str, str]]:
        """Every (id, manifest line) in id order, for streaming ``manifest.json``: the cache's
        rows when it holds them all (pending changes written), else encoded from the records."""
        if self._store is not None and not self.pending:
            return iter(self._store.lines())
        self._load_all()
        return ((k, encode_line(self._held[k])) for k in sorted(self._held))

    def rows(self) -> Iterator[tuple[str, Row]]:
        """Every (id, (line, row)) of the held records: what a rebuilt cache holds."""
        self._load_all()
        return ((k, (encode_line(r), encode_row(r))) for k, r in self._held.items())

    def take_pending(self) -> dict[str, Row | None]:
        """The changes not yet in the cache (and forget them: the caller writes them)."""
        pending, self.pending = self.pending, {}
        return pending
