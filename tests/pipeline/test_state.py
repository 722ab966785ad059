"""The state manifest and body cache: atomic, versioned, and forgiving of damage."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from exporter.models import Page
from exporter.run.manifest import AttachmentRecord, PageRecord, SpaceRecord, State
from exporter.warnings import PageWarning


def test_manifest_round_trips_pages_spaces_users_and_managed_files(tmp_path: Path):
    state = State.load(tmp_path)
    page = Page(id="7", space_key="ENG", title="Setup", parent_id="1", position=2, version=3,
                labels=("a", "b"))  # fmt: skip
    att = AttachmentRecord("att1", "x.png", 2, 10, "docs/eng/setup.assets/x.png")
    state.set_page(PageRecord.from_page(page, path="docs/eng/setup.md", attachments=(att,),
                                        links=("ENG:Other", "9"), children=("8",)))  # fmt: skip
    state.set_space(SpaceRecord("ENG", "98", "Engineering", last_scan="2026-01-01T00:00:00+00:00"))
    state.users["u1"] = "Ada"
    state.managed = ["docs/eng/setup.md"]
    state.save()

    loaded = State.load(tmp_path)
    assert loaded.pages == state.pages
    assert loaded.pages["7"].to_page() == page
    assert loaded.spaces["ENG"].last_scan == "2026-01-01T00:00:00+00:00"
    assert loaded.users == {"u1": "Ada"} and loaded.managed == ["docs/eng/setup.md"]
    assert not list(loaded.dir.glob(".*.tmp"))


def test_a_damaged_manifest_means_starting_over_not_crashing(tmp_path: Path):
    state = State.load(tmp_path)
    state.dir.mkdir(parents=True)
    state.manifest_path.write_text("{not json")
    assert State.load(tmp_path).pages == {}


def test_body_cache_returns_only_the_requested_version(tmp_path: Path):
    state = State.load(tmp_path)
    state.put_body("65851", 4, "<p>v4 &nbsp;</p>")
    assert state.get_body("65851", 4) == "<p>v4 &nbsp;</p>"
    assert state.get_body("65851") == "<p>v4 &nbsp;</p>"
    assert state.get_body("65851", 5) is None
    assert state.get_body("1", 1) is None
    state.drop_body("65851")
    assert state.get_body("65851") is None


def test_page_changes_reach_the_cache_between_saves_and_survive_a_kill(tmp_path: Path):
    state = State.load(tmp_path)
    state.set_page(PageRecord(id="1", space_key="ENG", title="A", path="docs/a.md"))
    state.save()
    saved = state.manifest_path.read_bytes()
    state.set_page(PageRecord(id="2", space_key="ENG", title="B", path="docs/b.md"))
    state.drop_page("1")
    state.maybe_flush(every_s=3600)
    assert set(State.load(tmp_path).pages) == {"1"}  # nothing written yet
    state.maybe_flush(every_s=0)
    assert set(State.load(tmp_path).pages) == {"2"}  # the killed run's work is kept
    assert state.manifest_path.read_bytes() == saved  # a flush never rewrites the manifest
    state.save()
    assert (
        '"2":' in state.manifest_path.read_text() and '"1":' not in state.manifest_path.read_text()
    )
    assert set(State.load(tmp_path).pages) == {"2"}


def test_an_older_versions_journal_is_replayed_once_and_a_torn_line_ignored(tmp_path: Path):
    state = State.load(tmp_path)
    state.set_page(PageRecord(id="1", space_key="ENG", title="A", path="docs/a.md"))
    state.save()
    (state.dir / "cache.sqlite").unlink()  # an older version's output had no cache
    page = PageRecord(id="2", space_key="ENG", title="B", path="docs/b.md").to_json()
    lines = [json.dumps({"page": page}), json.dumps({"drop": "1"}), '{"page": {"id": "3", "spa']
    state.journal_path.write_text("\n".join(lines))
    loaded = State.load(tmp_path)
    assert set(loaded.pages) == {"2"}
    loaded.save()
    assert not loaded.journal_path.exists()
    assert set(State.load(tmp_path).pages) == {"2"}


def _cached(state_dir: Path, page_id: str) -> bool:
    db = state_dir / "cache.sqlite"
    if not db.exists():
        return False
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT 1 FROM pages WHERE id = ?", (page_id,)).fetchone()
    return row is not None


def test_written_files_are_synced_to_disk_before_the_cache_or_manifest_names_them(
    tmp_path: Path, monkeypatch
):
    import exporter.run.manifest as state_module

    events: list[str] = []
    real_sync = state_module.sync_filesystem

    def sync(path: Path) -> None:
        real_sync(path)
        manifest = tmp_path / ".confluence-export" / "manifest.json"
        cached = _cached(tmp_path / ".confluence-export", "2")
        named = manifest.exists() and '"2":' in manifest.read_text()
        events.append(
            "sync" + (" (cache has 2)" if cached else "") + (" (manifest)" if named else "")
        )

    monkeypatch.setattr(state_module, "sync_filesystem", sync)
    state = State.load(tmp_path)
    state.set_page(PageRecord(id="2", space_key="ENG", title="B", path="docs/b.md"))
    state.flush_journal()
    assert events == ["sync"]
    assert _cached(state.dir, "2")
    state.save()
    assert events == ["sync", "sync (cache has 2)"]  # synced before the manifest named it
    assert "2" in State.load(tmp_path).pages


def test_on_linux_only_the_output_file_system_is_synced_not_every_disk(tmp_path: Path):
    import sys

    import exporter.run.manifest as state_module

    if not sys.platform.startswith("linux"):
        assert state_module._SYNCFS is None
        return
    assert state_module._SYNCFS is not None  # syncfs(2) found in libc
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        assert state_module._SYNCFS(fd) == 0
    finally:
        os.close(fd)


def test_page_warnings_round_trip_through_manifest_and_journal_and_name_their_page(
    tmp_path: Path,
):
    warned = PageRecord(
        id="7",
        space_key="ENG",
        title="Design",
        path="docs/eng/design.md",
        url="https://x.test/wiki/spaces/ENG/pages/7",
        warnings=(
            PageWarning("unknown-macro", "unknown macro 'poll'", "7", "Design",
                        "docs/eng/design.md", "https://x.test/wiki/spaces/ENG/pages/7"),
        ),
    )  # fmt: skip
    clean = PageRecord(id="8", space_key="ENG", title="Clean", path="docs/eng/clean.md")
    assert "warnings" not in clean.to_json()  # records of clean pages keep their old form
    assert warned.to_json()["warnings"] == [
        {"code": "unknown-macro", "message": "unknown macro 'poll'"}
    ]
    state = State(out=tmp_path)
    state.set_page(clean)
    state.save()
    state.set_page(warned)
    state.flush_journal()  # the killed run's form: the cache holds the warned page
    loaded = State.load(tmp_path)
    assert loaded.pages["7"] == warned
    assert loaded.pages["8"].warnings == ()
    state.save()
    assert State.load(tmp_path).pages["7"].warnings == warned.warnings


def _scanned(state: State, when: str) -> None:
    state.set_space(SpaceRecord("ENG", "98", "Engineering", last_scan=when, last_full=when))


def test_scan_times_move_the_manifest_only_with_its_content(tmp_path: Path):
    state = State.load(tmp_path)
    state.set_page(PageRecord.from_page(Page(id="7", space_key="ENG", title="Setup")))
    _scanned(state, "2026-01-01T00:00:00+00:00")
    state.save()
    first = state.manifest_path.read_bytes()

    again = State.load(tmp_path)
    _scanned(again, "2026-01-02T00:00:00+00:00")  # a run that found no change
    again.save()
    assert again.manifest_path.read_bytes() == first
    assert State.load(tmp_path).spaces["ENG"].last_scan == "2026-01-02T00:00:00+00:00"
    assert (again.dir / ".gitignore").read_text().splitlines()[1:] == [
        "*",
        "!.gitignore",
        "!manifest.json",
        "!changes.jsonl",
    ]

    edited = State.load(tmp_path)
    edited.set_page(PageRecord.from_page(Page(id="7", space_key="ENG", title="Set up", version=2)))
    _scanned(edited, "2026-01-03T00:00:00+00:00")
    edited.save()
    assert b"2026-01-03T00:00:00+00:00" in edited.manifest_path.read_bytes()
    assert State.load(tmp_path).spaces["ENG"].last_scan == "2026-01-03T00:00:00+00:00"


def test_local_scan_times_of_another_manifest_are_ignored(tmp_path: Path):
    state = State.load(tmp_path)
    _scanned(state, "2026-01-01T00:00:00+00:00")
    state.save()
    _scanned(state, "2026-01-05T00:00:00+00:00")
    state.save()  # scans.json: 01-05, valid with the manifest's 01-01
    manifest = state.manifest_path.read_text()
    # A checkout of an older manifest (scanned 2025-12-20): its own times must be used, or
    # the changes between 2025-12-20 and 2026-01-05 would never be fetched.
    state.manifest_path.write_text(manifest.replace("2026-01-01", "2025-12-20"))
    assert State.load(tmp_path).spaces["ENG"].last_scan == "2025-12-20T00:00:00+00:00"
