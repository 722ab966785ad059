"""Which spaces ``spaces: all`` exports: team spaces, never personal or archived unless asked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from walk.serve import USER, Served, new_store, serve

from exporter.config.settings import SpaceSelection
from exporter.run.pipeline import export
from exporter.sandbox.seed import personal_space_key
from exporter.sandbox.store import Store

FAST = {"backoff_base": 0.05, "backoff_cap": 0.5}
PERSONAL = personal_space_key(USER)


def site_with_every_kind_of_space() -> Store:
    store = new_store()
    for key, kind, status in [
        ("ENG", "global", "current"),
        ("KB", "knowledge_base", "current"),
        ("TEAM", "collaboration", "current"),
        (PERSONAL, "personal", "current"),
        ("OLD", "global", "archived"),
    ]:
        store.add_space(key, f"Space {key}", type=kind, status=status)
        store.add_content(key, f"Home of {key}", f"<p>{key}</p>")
    return store


def exported_spaces(served: Served, out: Path, **config: object) -> set[str]:
    settings = dataclasses.replace(served.config(), **config)
    summary = export(settings, out=out, connection=served.connection(), client_options=FAST)
    assert summary.pages_failed == 0
    docs = out / "docs"
    return {p.name for p in docs.iterdir() if p.is_dir()}


def test_spaces_all_exports_team_spaces_but_not_personal_or_archived_ones(tmp_path: Path) -> None:
    with serve(site_with_every_kind_of_space()) as served:
        folders = exported_spaces(served, tmp_path)
        listed = served.sandbox.stats.snapshot()["by_route"]["GET /wiki/api/v2/spaces"]
    assert len(folders) == 3 and not any("old" in f.lower() for f in folders)
    assert not any(PERSONAL.lower() in f.lower() for f in folders)
    assert listed == 3  # one listing per default type


def test_space_types_with_personal_opts_personal_spaces_in(tmp_path: Path) -> None:
    types = ("global", "collaboration", "knowledge_base", "personal")
    with serve(site_with_every_kind_of_space()) as served:
        folders = exported_spaces(served, tmp_path, space_types=types)
    assert len(folders) == 4
    assert any(PERSONAL[1:].lower() in f.lower() for f in folders)


def test_only_personal_in_space_types_exports_only_personal_spaces(tmp_path: Path) -> None:
    with serve(site_with_every_kind_of_space()) as served:
        folders = exported_spaces(served, tmp_path, space_types=("personal",))
    assert len(folders) == 1 and PERSONAL[1:].lower() in folders.pop().lower()


def test_a_personal_or_archived_space_named_in_spaces_is_exported(tmp_path: Path) -> None:
    named = (SpaceSelection(key=PERSONAL), SpaceSelection(key="OLD"))
    with serve(site_with_every_kind_of_space()) as served:
        folders = exported_spaces(served, tmp_path, spaces=named)
    assert len(folders) == 2
    assert any("old" in f.lower() for f in folders)
    assert any(PERSONAL[1:].lower() in f.lower() for f in folders)
