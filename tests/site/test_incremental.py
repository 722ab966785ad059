"""Re-rendering reuses unchanged pages from the render cache, with the bytes of a full render."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sitedocs import build_docs

from exporter.site import render, render_site
from exporter.site.cache import cache_path

PAGES = 10  # build_docs' pages, the home page included


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _edit(page: Path, old: str, new: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new), encoding="utf-8")


def test_unchanged_docs_render_no_page_again(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    first = render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    again = render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    assert (first.rendered, again.rendered) == (PAGES, 0)
    assert (again.written, again.removed) == (0, 0)


def test_edited_page_alone_is_rendered_and_matches_a_full_render(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "mkdocs")
    render_site(docs, tmp_path / "site", flavor="mkdocs", cache_dir=tmp_path / "cache")
    _edit(docs / "ops/runbook.md", "Restart the thing.", "Restart the [other](../eng/index.md).")
    report = render_site(docs, tmp_path / "site", flavor="mkdocs", cache_dir=tmp_path / "cache")
    assert report.rendered == 1
    full = render_site(docs, tmp_path / "full", flavor="mkdocs", cache_dir=tmp_path / "cache")
    assert full.rendered == PAGES
    assert _tree(tmp_path / "site") == _tree(tmp_path / "full")


def test_broken_links_of_reused_pages_are_still_reported(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    _edit(docs / "ops/runbook.md", "Restart the thing.", "See [gone](gone.md).")
    first = render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    again = render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    assert again.rendered == 0
    assert again.broken_links == first.broken_links == ("ops/runbook.md: gone.md",)


def test_a_new_title_renders_every_page(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    _edit(docs / "ops/runbook.md", 'title: "Runbook"', 'title: "Runbook v2"')
    report = render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    assert report.rendered == PAGES  # every sidebar shows the title
    assert "Runbook v2" in (tmp_path / "site/eng/unicode.html").read_text(encoding="utf-8")


def test_other_site_name_or_flavor_renders_every_page(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    assert (
        render_site(
            docs, tmp_path / "site", site_name="Other", flavor="gfm", cache_dir=tmp_path / "cache"
        ).rendered
        == PAGES
    )
    assert (
        render_site(
            docs, tmp_path / "site", flavor="obsidian", cache_dir=tmp_path / "cache"
        ).rendered
        == PAGES
    )


def test_deleted_page_html_is_rendered_again(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    (tmp_path / "site/ops/runbook.html").unlink()
    report = render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache")
    assert report.rendered == 1
    assert (tmp_path / "site/ops/runbook.html").is_file()


def test_damaged_or_missing_cache_means_a_full_render(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    site = tmp_path / "site"
    render_site(docs, site, flavor="gfm", cache_dir=tmp_path / "cache")
    expected = _tree(site)
    cache = cache_path(tmp_path / "cache", site)
    data = cache.read_bytes()
    damaged = (data[:200], data[:-20], data.replace(b'"d":"', b'"d":"0', 1), b"\xff\x00", b"")
    for content in damaged:
        cache.write_bytes(content)
        assert render_site(docs, site, flavor="gfm", cache_dir=tmp_path / "cache").rendered == PAGES
        assert _tree(site) == expected
    cache.unlink()
    assert render_site(docs, site, flavor="gfm", cache_dir=tmp_path / "cache").rendered == PAGES
    assert render_site(docs, site, flavor="gfm", cache_dir=tmp_path / "cache").rendered == 0


def test_search_index_changed_by_someone_else_means_a_full_render(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    site = tmp_path / "site"
    render_site(docs, site, flavor="gfm", cache_dir=tmp_path / "cache")
    index = (site / "search-index.js").read_bytes()
    (site / "search-index.js").write_bytes(index.replace(b"Runbook", b"Runbook!"))
    assert render_site(docs, site, flavor="gfm", cache_dir=tmp_path / "cache").rendered == PAGES
    assert (site / "search-index.js").read_bytes() == index


def test_cache_is_kept_in_the_folder_the_caller_names_never_in_the_site(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    site = tmp_path / "out" / "site"
    render_site(docs, site, flavor="gfm", cache_dir=tmp_path / "cache")
    cache = cache_path(tmp_path / "cache", site)
    assert cache.is_file() and cache.parent == tmp_path / "cache"
    assert sorted(p.name for p in cache.parent.iterdir()) == [cache.name]  # no temp files left
    assert not any(p.suffix == ".jsonl" for p in site.rglob("*"))


def test_without_a_cache_folder_every_render_is_full(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    assert render_site(docs, tmp_path / "site", flavor="gfm").rendered == PAGES
    assert render_site(docs, tmp_path / "site", flavor="gfm").rendered == PAGES
    assert not (tmp_path / ".confluence-export").exists()


def test_each_site_folder_has_its_own_cache(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    render_site(docs, tmp_path / "a", flavor="gfm", cache_dir=tmp_path / "cache")
    _edit(docs / "ops/runbook.md", "Restart the thing.", "Restart it.")
    render_site(docs, tmp_path / "b", flavor="gfm", cache_dir=tmp_path / "cache")
    assert (
        render_site(docs, tmp_path / "a", flavor="gfm", cache_dir=tmp_path / "cache").rendered == 1
    )  # a's runbook is older than b's
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_unwritable_cache_folder_still_renders_in_full(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    (tmp_path / "state").write_text("not a folder", encoding="utf-8")
    cache = tmp_path / "state" / "site-cache"
    render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=cache)
    assert render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=cache).rendered == PAGES


def test_worker_processes_render_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = build_docs(tmp_path, "obsidian")
    _edit(docs / "ops/runbook.md", "Restart the thing.", "See [gone](gone.md).")
    serial = render_site(docs, tmp_path / "serial", flavor="obsidian", cache_dir=tmp_path / "cache")
    monkeypatch.setattr(render, "POOL_MIN_PAGES", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    pools: list[ProcessPoolExecutor] = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            pools.append(self)

    monkeypatch.setattr(render, "ProcessPoolExecutor", Pool)
    pooled = render_site(docs, tmp_path / "pooled", flavor="obsidian", cache_dir=tmp_path / "cache")
    assert len(pools) == 1 and pooled.rendered == PAGES
    assert pooled.broken_links == serial.broken_links == ("ops/runbook.md: gone.md",)
    assert _tree(tmp_path / "pooled") == _tree(tmp_path / "serial")


def test_progress_counts_the_pages_rendered_and_stays_silent_when_none_are(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    calls: list[tuple[int, int]] = []

    def note(done: int, total: int) -> None:
        calls.append((done, total))

    render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache", progress=note)
    assert calls == [(n, PAGES) for n in range(1, PAGES + 1)]
    calls.clear()
    render_site(docs, tmp_path / "site", flavor="gfm", cache_dir=tmp_path / "cache", progress=note)
    assert calls == []
