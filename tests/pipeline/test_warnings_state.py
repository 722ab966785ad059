"""Warnings live in the state with their pages: a resumed run, a no-change run and a run whose
pages convert in worker processes all report the list a clean full export reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from walk.serve import new_store, serve

from exporter.run import pages as render
from exporter.run import workers
from exporter.sandbox.store import Store

from .test_export import run_export
from .test_resume import kill_midway


def macro_space(store: Store, pages: int) -> None:
    """A home and ``pages`` children, each with an unknown macro named after it."""
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "<p>Welcome</p>").id
    for i in range(pages):
        body = f'<p>Page {i}</p><ac:structured-macro ac:name="widget-{i}"/>'
        store.add_content("ENG", f"Page {i}", body, parent_id=home)


def listed(summary) -> list[dict[str, str]]:
    return [w.to_json() for w in summary.warning_list]


def test_export_killed_midway_then_resumed_reports_the_same_warnings_as_a_clean_export(
    tmp_path: Path,
):
    store = new_store()
    macro_space(store, pages=30)
    out, clean = tmp_path / "out", tmp_path / "clean"
    with serve(store, latency_ms=60) as served:
        assert 4 <= len(kill_midway(served, out)) < 31, "the kill should land mid-export"
        resumed = run_export(served, out)
        full = run_export(served, clean)
    assert resumed.pages_unchanged >= 4  # the killed run's pages were kept, not redone
    assert resumed.warnings == full.warnings == 30
    assert listed(resumed) == listed(full)
    assert {w.code for w in resumed.warning_list} == {"unknown-macro"}
    assert {w.message for w in resumed.warning_list} == {
        f"unknown macro 'widget-{i}'" for i in range(30)
    }


def test_conversion_in_worker_processes_keeps_every_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    store = new_store()
    macro_space(store, pages=12)
    with serve(store) as served:
        in_thread = run_export(served, tmp_path / "thread")
        monkeypatch.setattr(render, "PROCESS_POOL_MIN", 1)
        monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)  # forked workers even on 1 CPU
        in_workers = run_export(served, tmp_path / "workers")
    assert in_workers.warnings == in_thread.warnings == 12
    assert [{**w, "path": ""} for w in listed(in_workers)] == [
        {**w, "path": ""} for w in listed(in_thread)
    ]
    assert all(w.path.startswith("docs/eng/") for w in in_workers.warning_list)


def test_missing_attachment_warning_names_its_page_and_stays_until_the_page_drops_it(
    tmp_path: Path,
):
    store = new_store()
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "<p>Welcome</p>").id
    body = '<p>Diagram:</p><ac:image><ri:attachment ri:filename="nope.png"/></ac:image>'
    page = store.add_content("ENG", "Design", body, parent_id=home)
    with serve(store) as served:
        first = run_export(served, tmp_path)
        again = run_export(served, tmp_path)
        store.update_content(page.id, body="<p>No diagram any more.</p>")
        fixed = run_export(served, tmp_path)
    assert [(w.code, w.page_id, w.title, w.path) for w in first.warning_list] == [
        ("missing-attachment", page.id, "Design", "docs/eng/design.md")
    ]
    assert "nope.png" in first.warning_list[0].message
    assert again.pages_exported == 0 and listed(again) == listed(first)
    assert fixed.warning_list == [] and fixed.warnings == 0
