"""A run whose scan found nothing costs the scan, not the space (``exporter.run.settled``): it
reads no record it does not name, and yet reports and leaves exactly what a full plan would."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from walk.serve import new_store, serve

from exporter.run.pagetable import PageTable
from tests.pipeline.test_export import docs_files, run_export, small_space

STATE = ".confluence-export"


def forget_mark(out: Path) -> None:
    """Drop the settled mark, as a killed run would, so the next run plans in full."""
    with sqlite3.connect(out / STATE / "cache.sqlite") as db:
        db.execute("UPDATE meta SET value = '' WHERE key = 'settled'")


@pytest.fixture
def full_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a run read every page record (``PageTable._load_all``); no I/O mocked."""
    calls: list[int] = []
    original = PageTable._load_all

    def counted(self: PageTable) -> None:
        if not self._complete:
            calls.append(1)
        original(self)

    monkeypatch.setattr(PageTable, "_load_all", counted)
    return calls


def test_a_no_change_run_reads_no_record_in_bulk_and_reports_what_a_full_plan_would(
    tmp_path: Path, full_reads: list[int]
) -> None:
    store = new_store()
    small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        forget_mark(tmp_path)
        planned = run_export(served, tmp_path)  # the full plan, finding nothing to do
        before = {p: (tmp_path / p).stat().st_mtime_ns for p in docs_files(tmp_path)}
        manifest = (tmp_path / STATE / "manifest.json").read_bytes()
        full_reads.clear()
        quiet = run_export(served, tmp_path)
    assert full_reads == []  # the shortcut: no record read but by id
    assert {p: (tmp_path / p).stat().st_mtime_ns for p in docs_files(tmp_path)} == before
    assert (tmp_path / STATE / "manifest.json").read_bytes() == manifest
    keys = ("pages_exported", "pages_unchanged", "pages_deleted", "attachments_unchanged",
            "attachments_downloaded", "warnings")  # fmt: skip
    assert quiet.pages_unchanged == 7
    assert {k: getattr(quiet, k) for k in keys} == {k: getattr(planned, k) for k in keys}
    assert quiet.warning_list == planned.warning_list and quiet.plan == planned.plan == []


def test_an_edit_after_a_no_change_run_is_exported_as_ever(
    tmp_path: Path, full_reads: list[int]
) -> None:
    store = new_store()
    ids = small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        run_export(served, tmp_path)
        store.clock.advance(120)
        store.update_content(ids["p1"], body="<p>edited after a quiet run</p>")
        edited = run_export(served, tmp_path)
    assert edited.pages_exported == 1
    assert "edited after a quiet run" in (tmp_path / "docs/eng/page-1.md").read_text()
    assert full_reads  # a change takes the full plan


def test_a_page_file_deleted_by_hand_is_written_again_by_the_next_run(tmp_path: Path) -> None:
    store = new_store()
    small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        run_export(served, tmp_path)
        page = tmp_path / "docs/eng/page-2.md"
        kept = page.read_bytes()
        page.unlink()
        again = run_export(served, tmp_path)
    assert page.read_bytes() == kept
    assert again.pages_exported == 1


def test_an_index_page_edited_by_hand_is_rewritten_by_the_next_run(tmp_path: Path) -> None:
    store = new_store()
    small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        run_export(served, tmp_path)
        managed = json.loads((tmp_path / STATE / "manifest.json").read_text())["managed"]
        index = tmp_path / managed[0]
        kept = index.read_bytes()
        index.write_bytes(kept + b"\nhand edit\n")
        run_export(served, tmp_path)
    assert index.read_bytes() == kept


def test_temp_files_of_a_killed_run_in_the_docs_folder_are_removed_by_the_next_run(
    tmp_path: Path,
) -> None:
    store = new_store()
    small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        left = tmp_path / "docs/eng/.page-1.md.0123456789ab.tmp"
        left.write_text("half written")
        # what a killed run leaves: its lock record (the lock itself dies with it)
        info = {"pid": 2**22 + 12345, "host": os.uname().nodename, "since": "2026-01-01T00:00:00Z"}
        (tmp_path / STATE / "export.lock.json").write_text(json.dumps(info))
        run_export(served, tmp_path)
    assert not left.exists()


def test_a_fresh_checkout_with_new_mtimes_still_reads_no_record_in_bulk(
    tmp_path: Path, full_reads: list[int]
) -> None:
    store = new_store()
    small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        for name in docs_files(tmp_path):  # what `git clone` in the Action does to them
            os.utime(tmp_path / name, ns=(10**18, 10**18))
        full_reads.clear()
        quiet = run_export(served, tmp_path)
    assert full_reads == []
    assert quiet.pages_unchanged == 7 and quiet.pages_exported == 0
