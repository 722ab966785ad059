"""Versions read but not yet committed: ``OUT/.confluence-export/history-cache/``.

A backfill can outlast the points budget; the versions it read stay here, one compressed JSON
file per page, so the next run reads only the rest and writes the whole history in order. The
folder carries its own ``.gitignore``: it is a cache, never content.
"""

from __future__ import annotations

import json
import shutil
import zlib
from pathlib import Path

from exporter._fs import atomic_write
from exporter.history.versions import PageVersion

__all__ = ["CACHE_DIR", "VersionCache"]

CACHE_DIR = "history-cache"


class VersionCache:
    """Per page, the versions read so far (numbers ascending)."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / CACHE_DIR

    def _path(self, page_id: str) -> Path:
        return self.dir / f"{page_id}.json.z"

    def load(self, page_id: str) -> tuple[list[PageVersion], int]:
        """The page's cached versions and the version they were read up to (0: none; also
        when the file is missing or unreadable, so the page is read again)."""
        try:
            data = json.loads(zlib.decompress(self._path(page_id).read_bytes()))
            versions = [PageVersion.from_json(page_id, item) for item in data["versions"]]
            return versions, int(data["upto"])
        except (OSError, ValueError, KeyError, TypeError, zlib.error):
            return [], 0

    def save(self, page_id: str, versions: list[PageVersion], upto: int) -> None:
        """Replace the page's cached versions, read up to version ``upto`` (atomically)."""
        if not self.dir.is_dir():
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / ".gitignore").write_text("# confluence-export's history cache\n*\n")
        ordered = sorted(versions, key=lambda v: v.number)
        data = {"upto": upto, "versions": [v.to_json() for v in ordered]}
        path = self._path(page_id)
        atomic_write(path, zlib.compress(json.dumps(data, sort_keys=True).encode(), 6))

    def page_ids(self) -> list[str]:
        """Pages with cached versions."""
        if not self.dir.is_dir():
            return []
        return sorted(p.name.removesuffix(".json.z") for p in self.dir.glob("*.json.z"))

    def clear(self) -> None:
        """Forget everything (after the versions are committed)."""
        shutil.rmtree(self.dir, ignore_errors=True)
