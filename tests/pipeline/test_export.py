"""export() end to end against the sandbox over loopback HTTP: full, incremental, faults."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from walk.serve import USER, Served, new_store, serve

from exporter.run.pipeline import export
from exporter.sandbox.store import Store

FAST = {"backoff_base": 0.05, "backoff_cap": 0.5}


def small_space(store: Store, pages: int = 6) -> dict[str, str]:
    """Home with children; each links to the next; one image attachment per even page."""
    store.add_space("ENG", "Engineering")
    ids = {"home": store.add_content("ENG", "Home", "<p>Welcome</p>", labels=["top"]).id}
    for i in range(pages):
        body = f'<p>Page {i} by <ac:link><ri:user ri:account-id="{USER}"/></ac:link>.</p>'
        if i + 1 < pages:
            body += f'<p><ac:link><ri:page ri:content-title="Page {i + 1}"/></ac:link></p>'
        if i % 2 == 0:
            body += f'<ac:image><ri:attachment ri:filename="pic{i}.png"/></ac:image>'
        page = store.add_content("ENG", f"Page {i}", body, parent_id=ids["home"])
        ids[f"p{i}"] = page.id
        if i % 2 == 0:
            store.add_attachment(page.id, f"pic{i}.png", bytes([i]) * (100 + i), "image/png")
        store.add_attachment(page.id, f"unused{i}.bin", b"u" * 10, "application/octet-stream")
    return ids


def docs_files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".confluence-export" not in p.parts
    }


def manifest(out: Path) -> dict:
    return json.loads((out / ".confluence-export" / "manifest.json").read_text())


def run_export(served: Served, out: Path, **kw):
    return export(
        served.config(), out=out, connection=served.connection(), client_options=FAST, **kw
    )


def test_full_export_writes_every_page_and_referenced_attachment_and_records_them(tmp_path):
    store = new_store()
    small_space(store)
    with serve(store) as served:
        summary = run_export(served, tmp_path)
    files = docs_files(tmp_path)
    assert summary.pages_exported == 7 and summary.pages_failed == 0
    assert summary.attachments_downloaded == 3
    assert "docs/eng/index.md" in files and "docs/eng/page-5.md" in files
    assert files["docs/eng/page-0.assets/pic0.png"] == bytes([0]) * 100
    assert not any("unused" in name for name in files)  # only referenced attachments
    assert "[Page 1](page-1.md)" in files["docs/eng/page-0.md"].decode()
    assert "Ada Lovelace" in files["docs/eng/page-0.md"].decode()
    pages = manifest(tmp_path)["pages"]
    assert len(pages) == 7
    for record in pages.values():
        for name in record["files"]:
            assert (tmp_path / name).is_file()
    # 3 of them: one space listing a type; 1 the site's trashed attachments
    assert summary.requests <= 11 and summary.points > 0


def test_rerun_with_nothing_changed_rewrites_nothing_in_a_few_requests(tmp_path):
    store = new_store()
    small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        before = {p: (tmp_path / p).stat().st_mtime_ns for p in docs_files(tmp_path)}
        summary = run_export(served, tmp_path)
    assert summary.pages_exported == 0 and summary.pages_unchanged == 7
    assert summary.attachments_downloaded == 0
    assert summary.requests <= 8  # 3: one space listing per space type; 1: trashed attachments
    assert {p: (tmp_path / p).stat().st_mtime_ns for p in docs_files(tmp_path)} == before


def test_incremental_run_handles_edit_rename_move_and_delete(tmp_path):
    store = new_store()
    ids = small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        store.clock.advance(120)
        store.update_content(ids["p0"], body="<p>edited</p>")
        store.update_content(ids["p2"], title="Second renamed")
        store.update_content(ids["p4"], parent_id=ids["p3"])
        store.trash_content(ids["p5"])  # Page 4 linked to it
        summary = run_export(served, tmp_path)
        clean = tmp_path.parent / (tmp_path.name + "-clean")
        run_export(served, clean)
    files = docs_files(tmp_path)
    assert summary.pages_deleted == 1
    assert "edited" in files["docs/eng/page-0.md"].decode()
    assert "docs/eng/second-renamed.md" in files and "docs/eng/page-2.md" not in files
    assert "docs/eng/page-3/page-4.md" in files and "docs/eng/page-4.md" not in files
    assert "docs/eng/page-5.md" not in files
    # Page 1 links to "Page 2" by title, which no longer exists here: it is re-rendered
    # (its link no longer points at the removed file) although Page 1 itself did not change.
    assert "page-2.md" not in files["docs/eng/page-1.md"].decode()
    # Page 3 links to Page 4, which moved below it.
    assert "](page-4.md)" in files["docs/eng/page-3/index.md"].decode()
    assert files == docs_files(clean)


def test_dry_run_lists_changes_and_writes_nothing(tmp_path):
    store = new_store()
    ids = small_space(store)
    with serve(store) as served:
        run_export(served, tmp_path)
        before = docs_files(tmp_path)
        state_before = manifest(tmp_path)
        store.clock.advance(120)
        store.update_content(ids["p1"], title="Moved", parent_id=ids["p0"])
        store.trash_content(ids["p3"])
        summary = run_export(served, tmp_path, dry_run=True)
    actions = {(p.action, p.title) for p in summary.plan}
    assert ("change", "Moved") in actions and ("delete", "Page 3") in actions
    assert docs_files(tmp_path) == before
    assert manifest(tmp_path) == state_before


def test_export_completes_under_faults_and_rate_limits_and_counts_retries(tmp_path):
    store = new_store()
    small_space(store, pages=20)
    with serve(store, fail_rate=0.1, burst=6, seed=7) as served:
        summary = run_export(served, tmp_path / "faulty", full=True)
        faults = served.sandbox.stats.snapshot()
    with serve(store) as served:
        run_export(served, tmp_path / "calm")
    assert summary.pages_failed == 0 and summary.attachments_failed == 0
    assert summary.retries > 0
    assert sum(faults["faults"].values()) + faults["status"].get("429", 0) > 0
    calm = {k: v for k, v in docs_files(tmp_path / "calm").items() if k.endswith(".png")}
    faulty = {k: v for k, v in docs_files(tmp_path / "faulty").items() if k.endswith(".png")}
    assert faulty == calm and len(calm) == 10


def test_subtree_selection_exports_only_that_subtree(tmp_path):
    from exporter.config.settings import SpaceSelection

    store = new_store()
    ids = small_space(store, pages=3)
    store.add_content("ENG", "Child", "<p>c</p>", parent_id=ids["p1"])
    with serve(store) as served:
        config = served.config((SpaceSelection("ENG", root="Page 1"),))
        export(config, out=tmp_path, connection=served.connection(), client_options=FAST)
    names = {n for n in docs_files(tmp_path) if n.endswith(".md")}
    assert {"docs/eng/page-1/index.md", "docs/eng/page-1/child.md"} <= names
    assert not any("page-0" in n or "page-2" in n or "home" in n for n in names)


@pytest.mark.parametrize("flavor", ["gfm"])
def test_changing_flavor_reexports_everything(tmp_path, flavor):
    store = new_store()
    small_space(store, pages=2)
    with serve(store) as served:
        run_export(served, tmp_path)
        config = served.config(flavor=flavor)
        summary = export(config, out=tmp_path, connection=served.connection(), client_options=FAST)
    files = docs_files(tmp_path)
    assert len(summary.plan) == 3  # every page re-rendered; unchanged bytes are not rewritten
    assert "docs/eng/README.md" in files and "docs/eng/index.md" not in files


def test_exhausted_points_budget_stops_with_rate_limited_and_keeps_finished_pages(tmp_path):
    from exporter.errors import RateLimited

    store = new_store()
    small_space(store, pages=8)
    with serve(store, points_per_hour=12) as served, pytest.raises(RateLimited) as info:
        run_export(served, tmp_path)
    assert info.value.exit_code == 75
    assert "run the export again later" in str(info.value)
    for record in manifest(tmp_path)["pages"].values():
        for name in record["files"]:
            assert (tmp_path / name).is_file()


def test_damaged_body_cache_is_refetched_in_bulk_when_a_page_must_be_rerendered(tmp_path):
    store = new_store()
    ids = small_space(store, pages=2)
    with serve(store) as served:
        run_export(served, tmp_path)
        with closing(sqlite3.connect(tmp_path / ".confluence-export" / "cache.sqlite")) as db:
            db.execute("UPDATE bodies SET body = ? WHERE id = ?", (b"garbage", ids["p0"]))
            db.commit()
        store.clock.advance(120)
        store.update_content(ids["p1"], title="Renamed")  # Page 0 links to it by title
        served.sandbox.stats.reset()
        summary = run_export(served, tmp_path)
        routes = served.sandbox.stats.snapshot()["by_route"]
    assert summary.pages_failed == 0
    assert routes.get("GET /wiki/api/v2/pages") == 1
    assert "page-1.md" not in docs_files(tmp_path)["docs/eng/page-0.md"].decode()


def test_one_unwritable_page_makes_a_partial_export_that_the_next_run_completes(tmp_path):
    from exporter.errors import PartialExport

    store = new_store()
    small_space(store, pages=3)
    blocker = tmp_path / "docs" / "eng" / "page-1.md"
    blocker.mkdir(parents=True)  # a folder where the page's file belongs
    with serve(store) as served:
        with pytest.raises(PartialExport) as info:
            run_export(served, tmp_path)
        summary = info.value.summary
        assert summary.pages_failed == 1 and summary.pages_exported == 3
        assert [f.title for f in summary.failures] == ["Page 1"]
        assert info.value.exit_code == 3
        blocker.rmdir()
        again = run_export(served, tmp_path)
    assert again.pages_exported == 1 and again.pages_failed == 0
    assert "docs/eng/page-1.md" in docs_files(tmp_path)


def test_conversion_in_worker_processes_gives_the_same_files(tmp_path, monkeypatch):
    import exporter.run.pages as render

    store = new_store()
    small_space(store, pages=5)
    with serve(store) as served:
        run_export(served, tmp_path / "threads")
        monkeypatch.setattr(render, "PROCESS_POOL_MIN", 1)
        summary = run_export(served, tmp_path / "processes")
    assert summary.pages_exported == 6
    assert docs_files(tmp_path / "processes") == docs_files(tmp_path / "threads")


@pytest.mark.parametrize("reconcile_days", [0, 7])
def test_attachment_deleted_from_an_unchanged_page_goes_on_the_next_run(tmp_path, reconcile_days):
    store = new_store()
    ids = small_space(store, pages=2)
    with serve(store) as served:
        config = served.config(attachments="all")
        config = dataclasses.replace(
            config, output=dataclasses.replace(config.output, reconcile_days=reconcile_days)
        )
        out = tmp_path / "out"
        export(config, out=out, connection=served.connection(), client_options=FAST)
        unused = [p for p in docs_files(out) if p.endswith("unused1.bin")]
        assert len(unused) == 1
        att = next(a for a in store.attachments.values() if a.title == "unused1.bin")
        httpx.delete(f"{served.base_url}/__sandbox/attachments/{att.id}").raise_for_status()
        summary = export(config, out=out, connection=served.connection(), client_options=FAST)
        assert summary.pages_exported == 0  # the page did not change
        assert unused[0] not in docs_files(out)  # plain run (7) or reconcile (0) alike
        assert store.get(ids["p1"]).version.number == 1
