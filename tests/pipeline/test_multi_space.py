"""Many spaces, few requests: the change scan asks once per batch of spaces, not per space."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from walk.serve import Served, new_store, serve

from exporter.confluence import changes
from exporter.run.pipeline import export
from exporter.sandbox.store import Store

FAST = {"backoff_base": 0.05, "backoff_cap": 0.5}
SPACES = ("ALPHA", "BETA", "GAMMA")
PER_SPACE_ROUTES = (
    "GET /wiki/api/v2/spaces/{id}/pages",
    "GET /wiki/api/v2/spaces/{id}/blogposts",
)


def three_spaces(store: Store) -> dict[str, str]:
    """Each space: a home, three children linking to the next, one image on the first."""
    ids: dict[str, str] = {}
    for key in SPACES:
        store.add_space(key, f"Space {key}")
        home = store.add_content(key, f"{key} home", f"<p>{key}</p>")
        ids[f"{key}-home"] = home.id
        for i in range(3):
            body = f"<p>{key} page {i}</p>"
            if i == 0:
                body += '<ac:image><ri:attachment ri:filename="pic.png"/></ac:image>'
            page = store.add_content(key, f"{key} page {i}", body, parent_id=home.id)
            ids[f"{key}-{i}"] = page.id
        store.add_attachment(ids[f"{key}-0"], "pic.png", key.encode() * 20, "image/png")
    return ids


def docs_files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".confluence-export" not in p.parts
    }


def run(served: Served, out: Path) -> tuple[Any, dict[str, int]]:
    served.sandbox.stats.reset()
    summary = export(served.config(), out=out, connection=served.connection(), client_options=FAST)
    return summary, served.sandbox.stats.snapshot()["by_route"]


def test_a_multi_space_incremental_run_picks_up_every_change_with_one_query_per_batch(
    tmp_path: Path,
) -> None:
    store = new_store()
    ids = three_spaces(store)
    out = tmp_path / "out"
    with serve(store) as served:
        _, full = run(served, out)
        store.clock.advance(120)
        store.update_content(ids["ALPHA-1"], body="<p>ALPHA edited</p>")
        store.update_content(ids["BETA-2"], title="BETA renamed", parent_id=ids["BETA-1"])
        store.trash_content(ids["GAMMA-2"])
        store.add_content(
            "GAMMA", "GAMMA new", "<p>new</p>", parent_id=ids["GAMMA-home"], when=store.clock.now()
        )
        now = store.clock.now()
        store.add_attachment(ids["BETA-0"], "pic.png", b"new bytes" * 30, "image/png", when=now)
        summary, incremental = run(served, out)
        _, clean = run(served, tmp_path / "clean")
    files = docs_files(out)
    assert summary.pages_failed == 0 and summary.pages_deleted == 1
    assert "ALPHA edited" in files["docs/alpha/alpha-page-1.md"].decode()
    assert "docs/beta/beta-page-1/beta-renamed.md" in files
    assert "docs/beta/beta-page-2.md" not in files
    assert "docs/gamma/gamma-page-2.md" not in files and "docs/gamma/gamma-new.md" in files
    assert files["docs/beta/beta-page-0.assets/pic.png"] == b"new bytes" * 30
    assert files == docs_files(tmp_path / "clean")
    for stats in (full, incremental, clean):
        # one CQL for the pages of all three spaces, one for their attachments, one trash listing
        assert stats["GET /wiki/rest/api/content/search"] == 1
        assert stats["GET /wiki/api/v2/pages"] == 1
        assert not any(stats.get(route) for route in PER_SPACE_ROUTES)
    assert full["GET /wiki/rest/api/search"] == 1  # the places of a full scan come with it


def test_spaces_beyond_one_query_go_in_further_batches_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store()
    three_spaces(store)
    with serve(store) as served:
        _, one_batch = run(served, tmp_path / "one")
        # room for two keys a query: ALPHA and BETA, then GAMMA
        monkeypatch.setattr(changes, "MAX_CQL_KEYS_CHARS", 2 * len("%22ALPHA%22%2C"))
        monkeypatch.setattr(changes, "MAX_SPACE_IDS", 1)
        summary, batched = run(served, tmp_path / "two")
    assert summary.pages_exported == 12
    assert docs_files(tmp_path / "two") == docs_files(tmp_path / "one")
    assert one_batch["GET /wiki/rest/api/content/search"] == 1
    assert batched["GET /wiki/rest/api/content/search"] == 2
    # ALPHA and BETA: one space id a trash request; GAMMA alone: its own space's listing
    assert batched["GET /wiki/api/v2/pages"] == 2
    assert batched["GET /wiki/api/v2/spaces/{id}/pages"] == 1
