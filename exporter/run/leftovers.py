"""What a run finds left by earlier ones: a killed run's temp files, and a space's homepage
recorded before the manifest kept homepages."""

from __future__ import annotations

from pathlib import Path

from exporter._fs import clean_leftovers
from exporter.run.manifest import STATE_DIR, State

__all__ = ["recorded_home", "remove_leftovers"]


def remove_leftovers(out: Path, *, docs: bool) -> None:
    """Delete temp files a killed run left behind: the state's, and the writer's in the docs
    folder when the last run was killed (its lock was taken over), the only way they stay."""
    for folder in (out / "docs", out / STATE_DIR) if docs else (out / STATE_DIR,):
        clean_leftovers(folder, recursive=True)


def recorded_home(state: State, key: str) -> str | None:
    """The homepage of a space recorded before homepages were: the page that is its index."""
    for rec in state.pages.values():
        path = Path(rec.path)
        top = rec.space_key == key and rec.parent_id is None and len(path.parts) == 3
        if top and path.stem in ("index", "README"):
            return rec.id
    return None
