"""Content edited while an export runs: that run stays consistent, the next one picks it up."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from exporter.sandbox import SandboxHandle

from .helpers import (
    EXTRA_SPACE_LISTINGS,
    PREFLIGHT_REQUESTS,
    run_inprocess,
    tree_diff,
    tree_hashes,
    when_requests,
    write_config,
)

MARKER = "Edited while the export was running"


def referenced_attachment(sb: SandboxHandle) -> tuple[str, str]:
    """A (page id, filename) whose page body shows that attachment."""
    store = sb.store
    for att in store.attachments.values():
        page = store.get(att.container_id)
        if page is not None and f'ri:filename="{att.title}"' in page.body:
            return page.id, att.title
    raise AssertionError("the seed has no page that shows its own attachment")


def test_page_and_attachment_edited_mid_export_are_picked_up_by_the_next_run(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory(latency_ms=60)
    page_id, filename = referenced_attachment(sb)
    other = next(r.id for r in sb.store.all_content() if r.type == "page" and r.id != page_id)
    new_bytes = os.urandom(3000)

    def edit_page() -> None:  # while the space is being listed
        sb.http.put(f"/__sandbox/pages/{other}", json={"body": f"<p>{MARKER}</p>"})

    def replace_attachment() -> None:  # after the listing, before or during the downloads
        sb.http.post(
            f"/__sandbox/pages/{page_id}/attachments",
            params={"filename": filename},
            content=new_bytes,
            headers={"content-type": "application/octet-stream"},
        )

    config = write_config(sb, tmp_path / "run")
    extra = EXTRA_SPACE_LISTINGS
    edits = [
        when_requests(sb, PREFLIGHT_REQUESTS + 2 + extra, edit_page),
        when_requests(sb, PREFLIGHT_REQUESTS + 6 + extra, replace_attachment),
    ]
    first = run_inprocess(config)
    for thread in edits:
        thread.join()
    assert first.pages_failed == 0 and first.attachments_failed == 0, first.failures

    run_inprocess(config)  # the next, incremental run
    out = tmp_path / "run" / "out"
    pages = [p for p in (out / "docs").rglob("*.md") if MARKER in p.read_text(encoding="utf-8")]
    assert len(pages) == 1, "the page edited mid-run is not in the docs folder after the next run"
    copies = [p for p in (out / "docs").rglob(filename) if p.is_file()]
    assert copies and all(p.read_bytes() == new_bytes for p in copies)

    run_inprocess(write_config(sb, tmp_path / "clean"))
    got, want = tree_hashes(out), tree_hashes(tmp_path / "clean" / "out")
    assert got == want, tree_diff(got, want)
