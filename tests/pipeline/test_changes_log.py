"""The changes log (``changes.jsonl`` in the state folder): one line per run that changed
something, the last runs kept, a long run capped, a damaged line skipped, never written for a
run without changes; what a page change is called."""

from __future__ import annotations

import json
from pathlib import Path

from exporter.models import Change, Page
from exporter.run.changes import (
    CHANGES_NAME,
    KEEP_RUNS,
    MAX_PER_RUN,
    append_log,
    attachment_changes,
    page_change,
    read_log,
)
from exporter.run.records import AttachmentRecord, PageRecord


def _change(n: int) -> Change:
    return Change("page", "added", str(n), f"Page {n}", "ENG", f"docs/eng/p{n}.md")


def test_a_run_without_changes_leaves_the_log_byte_for_byte(tmp_path: Path) -> None:
    append_log(tmp_path, "2026-12-01T00:00:00Z", [_change(1)])
    before = (tmp_path / CHANGES_NAME).stat().st_mtime_ns, (tmp_path / CHANGES_NAME).read_bytes()
    runs = append_log(tmp_path, "2026-12-02T00:00:00Z", [])
    assert [r.run for r in runs] == ["2026-12-01T00:00:00Z"]
    after = (tmp_path / CHANGES_NAME).stat().st_mtime_ns, (tmp_path / CHANGES_NAME).read_bytes()
    assert after == before
    assert append_log(tmp_path / "fresh", "2026-12-02T00:00:00Z", []) == []
    assert not (tmp_path / "fresh" / CHANGES_NAME).exists()  # no log for a run without changes


def test_the_log_keeps_the_last_runs_oldest_first(tmp_path: Path) -> None:
    for n in range(KEEP_RUNS + 3):
        append_log(tmp_path, f"2026-12-01T00:00:{n:02d}Z", [_change(n)])
    runs = read_log(tmp_path)
    assert len(runs) == KEEP_RUNS
    assert runs[0].run == "2026-12-01T00:00:03Z" and runs[-1].run == "2026-12-01T00:00:22Z"
    assert runs[-1].changes == (_change(KEEP_RUNS + 2),)  # read back as written


def test_a_long_run_is_capped_and_counts_the_rest(tmp_path: Path) -> None:
    append_log(tmp_path, "2026-12-01T00:00:00Z", [_change(n) for n in range(MAX_PER_RUN + 7)])
    (run,) = read_log(tmp_path)
    assert len(run.changes) == MAX_PER_RUN and run.more == 7


def test_a_damaged_line_is_skipped_and_the_others_read(tmp_path: Path) -> None:
    append_log(tmp_path, "2026-12-01T00:00:00Z", [_change(1)])
    log = tmp_path / CHANGES_NAME
    log.write_text("{not json\n" + log.read_text(encoding="utf-8"), encoding="utf-8")
    assert [r.run for r in read_log(tmp_path)] == ["2026-12-01T00:00:00Z"]
    line = json.loads(log.read_text(encoding="utf-8").splitlines()[1])
    assert line["changes"][0] == {"kind": "page", "action": "added", "page_id": "1",
                                  "title": "Page 1", "space_key": "ENG",
                                  "path": "docs/eng/p1.md"}  # fmt: skip


def test_a_same_version_rerender_is_an_update_without_author_or_message() -> None:
    page = Page(id="7", space_key="ENG", title="Setup", version=3, version_message="Fix it")
    edited = page_change(page, path="docs/a.md", old_path="docs/a.md", old_version=2, author="Ada")
    assert (edited.action, edited.author, edited.message) == ("edited", "Ada", "Fix it")
    updated = page_change(page, path="docs/a.md", old_path="docs/a.md", old_version=3, author="Ada")
    assert (updated.action, updated.author, updated.message) == ("updated", "", "")
    moved = page_change(page, path="docs/b.md", old_path="docs/a.md", old_version=3)
    assert (moved.action, moved.old_path) == ("moved", "docs/a.md")
    added = page_change(page, path="docs/a.md", old_path="", old_version=0, author="Ada")
    assert (added.action, added.author) == ("added", "Ada")


def test_attachments_added_changed_and_removed_by_file_name_and_version() -> None:
    rec = PageRecord.from_page(Page(id="7", space_key="ENG", title="Setup"), path="docs/a.md")
    before = [AttachmentRecord("a1", "keep.png", 1, 3, "docs/a.assets/keep.png"),
              AttachmentRecord("a2", "new-version.png", 1, 3, "docs/a.assets/new-version.png"),
              AttachmentRecord("a3", "gone.png", 2, 3, "docs/a.assets/gone.png")]  # fmt: skip
    after = [before[0], AttachmentRecord("a2", "new-version.png", 2, 4, before[1].path),
             AttachmentRecord("a4", "added.png", 1, 3, "docs/a.assets/added.png"),
             AttachmentRecord("a5", "failed.png", 1, 0, "")]  # fmt: skip
    found = {(c.action, c.filename) for c in attachment_changes(rec, before, after)}
    assert found == {("added", "added.png"), ("changed", "new-version.png"),
                     ("removed", "gone.png")}  # fmt: skip
