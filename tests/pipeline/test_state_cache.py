"""The state's cache (``cache.sqlite``): lost, it costs a bulk fetch of the bodies a run renders,
never a re-export; an output written by the version before it keeps working incrementally."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from walk.serve import new_store, serve

from exporter.config.settings import load_config
from exporter.run.pipeline import export
from tests.pipeline.test_export import FAST, docs_files, run_export, small_space

REPO = Path(__file__).resolve().parents[2]
STATE = ".confluence-export"
BEFORE_CACHE = "9832ff6"  # the last commit whose state kept bodies/ files and manifest.journal
BULK = "GET /wiki/api/v2/pages"  # bodies fetched by id, up to 250 a request


def lose_cache(out: Path) -> None:
    """What a run without the Action's restored cache sees: only the committed state files."""
    for path in (out / STATE).iterdir():
        if path.name not in ("manifest.json", ".gitignore"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def test_with_the_cache_lost_a_run_fetches_only_the_bodies_it_renders_in_bulk(tmp_path):
    store = new_store()
    ids = small_space(store, pages=12)
    out = tmp_path / "out"
    with serve(store) as served:
        first = run_export(served, out)
        assert first.pages_exported == 13
        manifest = (out / STATE / "manifest.json").read_bytes()
        assert "page-5.md" in docs_files(out)["docs/eng/page-4.md"].decode()

        lose_cache(out)
        served.sandbox.stats.reset()
        unchanged = run_export(served, out)
        routes = served.sandbox.stats.snapshot()["by_route"]
        assert unchanged.pages_exported == 0 and unchanged.pages_unchanged == 13
        assert routes.get(BULK, 0) == 0  # nothing to render: no body fetched
        assert (out / STATE / "manifest.json").read_bytes() == manifest

        lose_cache(out)
        store.clock.advance(120)
        store.update_content(ids["p5"], title="Renamed")  # Page 4 links to it by title
        served.sandbox.stats.reset()
        edited = run_export(served, out)
        stats = served.sandbox.stats.snapshot()
    assert edited.pages_failed == 0
    assert edited.pages_exported == 2  # the renamed page and the page linking to it
    assert stats["by_route"].get(BULK) == 1  # Page 4's body, by id, in one request
    assert stats["requests"] <= unchanged.requests + 2
    assert "page-5.md" not in docs_files(out)["docs/eng/page-4.md"].decode()  # re-rendered


def _previous_version(tmp_path: Path) -> Path:
    """The exporter as it was before the cache (from this repository's history)."""
    tree = tmp_path / "previous"
    tree.mkdir()
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", BEFORE_CACHE, "exporter"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"commit {BEFORE_CACHE} is not in this checkout's history")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def test_an_output_written_by_the_previous_version_is_taken_over_without_a_re_export(
    tmp_path, sandbox_factory
):
    previous = _previous_version(tmp_path)
    sandbox = sandbox_factory(seed=None, synthetic_pages=40)
    config_path = sandbox.write_config(tmp_path / "config.yaml")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(previous)}
    cmd = [sys.executable, "-m", "exporter", "--config", str(config_path), "-q", "export",
           "--out", str(out), "--format", "docs", "--flavor", "mkdocs"]  # fmt: skip
    subprocess.run(cmd, env=env, cwd=tmp_path, check=True)
    assert (out / STATE / "bodies").is_dir() and not (out / STATE / "cache.sqlite").exists()
    manifest = (out / STATE / "manifest.json").read_bytes()
    docs = docs_files(out)

    config = load_config(config_path)
    sandbox.reset_stats()
    summary = export(config, out=out, format="docs", flavor="mkdocs", client_options=FAST)
    assert summary.pages_exported == 0 and summary.pages_deleted == 0
    assert summary.pages_unchanged == len(json.loads(manifest)["pages"]) == 40
    assert sandbox.stats()["requests"] <= 10  # an incremental run, not a re-export
    assert (out / STATE / "manifest.json").read_bytes() == manifest
    after = docs_files(out)
    # the export report beside the docs is new in this version; everything else is untouched
    assert set(after) - set(docs) == {"export-report.json", "export-report.md"}
    assert {name: data for name, data in after.items() if name in docs} == docs
    assert not (out / STATE / "bodies").exists()  # taken over by the cache
    assert (out / STATE / "cache.sqlite").is_file()

    page = next(r for r in sandbox.store.content.values() if r.type == "page" and r.parent_id)
    body = page.body + "<p>Edited after the upgrade.</p>"
    sandbox.http.put(f"/__sandbox/pages/{page.id}", json={"body": body}).raise_for_status()
    sandbox.reset_stats()
    edited = export(config, out=out, format="docs", flavor="mkdocs", client_options=FAST)
    assert edited.pages_exported >= 1 and edited.pages_failed == 0
    assert sandbox.stats()["by_route"].get(BULK, 0) <= 1
    assert any(b"Edited after the upgrade." in data for data in docs_files(out).values())
