"""Attachments trashed since the last run: seen by a plain run, at one request, no churn."""

from __future__ import annotations

import httpx
from walk.serve import new_store, serve

from exporter.config.settings import SpaceSelection
from exporter.run.pipeline import export
from tests.pipeline.test_export import FAST, docs_files, small_space


def _manifest_bytes(out):
    return (out / ".confluence-export" / "manifest.json").read_bytes()


def test_file_trashed_in_another_space_costs_one_request_and_leaves_the_manifest_alone(
    tmp_path,
):
    store = new_store()
    small_space(store)
    store.add_space("OPS", "Operations")
    ops = store.add_content("OPS", "Runbook", "<p>r</p>")
    store.trash_attachment(store.add_attachment(ops.id, "old.txt", b"o", "text/plain").id)
    other = store.add_attachment(ops.id, "log.txt", b"log", "text/plain")
    with serve(store) as served:
        config = served.config((SpaceSelection("ENG"),))
        out = tmp_path / "out"
        export(config, out=out, connection=served.connection(), client_options=FAST)
        before_docs, before = docs_files(out), _manifest_bytes(out)
        store.clock.advance(120)
        httpx.delete(f"{served.base_url}/__sandbox/attachments/{other.id}").raise_for_status()
        served.sandbox.stats.reset()
        summary = export(config, out=out, connection=served.connection(), client_options=FAST)
        routes = served.sandbox.stats.snapshot()["by_route"]
    assert summary.pages_exported == 0 and docs_files(out) == before_docs
    assert _manifest_bytes(out) == before  # the marks stay: nothing of ENG was trashed
    assert [n for r, n in routes.items() if r.endswith("/api/v2/attachments")] == [1]
