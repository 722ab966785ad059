"""Write the site directory: atomic per file, only on change, stale files removed.

Pages are written as they are rendered (never all held in memory).

A file is rewritten only when its bytes change, so re-rendering unchanged docs leaves the site
(and ``git status``) untouched. Stale files are removed only from a directory that already
holds a site we built, never from an unrelated non-empty folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

from exporter.errors import OutputError

__all__ = ["MARKER", "SiteWriter"]

MARKER = "search-index.js"  # every site we build has it at its root


class SiteWriter:
    """Collects the files of one render and applies them to ``site_dir``."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.files: set[str] = set()
        self.written = 0
        self.removed = 0

    def check_target(self, docs_dir: Path) -> None:
        """Refuse a site dir that overlaps the docs or holds unrelated files."""
        site, docs = self.site_dir.resolve(), docs_dir.resolve()
        if site == docs or site in docs.parents or docs in site.parents:
            raise OutputError(
                f"The site folder {self.site_dir} overlaps the docs folder {docs_dir}. "
                "Pass a separate --out folder, e.g. OUT/site beside OUT/docs."
            )
        if site.is_dir() and any(site.iterdir()) and not (site / MARKER).is_file():
            raise OutputError(
                f"{self.site_dir} is not empty and was not built by confluence-export. "
                "Choose an empty folder or remove it first."
            )

    def add(self, rel: str, content: bytes | str | Path) -> None:
        """Write one site file now (bytes/str, or a Path to copy) if its bytes changed."""
        if rel in self.files:
            raise OutputError(f"Two site files map to {rel}; rename one of the docs files.")
        self.files.add(rel)
        data = content.encode("utf-8") if isinstance(content, str) else content
        try:
            self._write(rel, data)
        except OSError as exc:
            raise OutputError(
                f"Cannot write {rel} in {self.site_dir}: {exc}. "
                "Check the folder's permissions and free space."
            ) from exc

    def finish(self) -> None:
        """Delete files and empty folders that this render did not write."""
        try:
            self._remove_stale()
        except OSError as exc:
            raise OutputError(
                f"Cannot clean stale files from {self.site_dir}: {exc}. "
                "Check the folder's permissions."
            ) from exc

    def _write(self, rel: str, content: bytes | Path) -> None:
        target = self.site_dir / rel
        if rel.startswith("/") or ".." in PurePosixPath(rel).parts:
            raise OutputError(f"Refusing to write {rel} outside {self.site_dir}.")
        data = content.read_bytes() if isinstance(content, Path) else content
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.written += 1

    def _remove_stale(self) -> None:
        keep = set(self.files)
        for path in sorted(self.site_dir.rglob("*"), reverse=True):
            rel = path.relative_to(self.site_dir).as_posix()
            if path.is_dir() and not path.is_symlink():
                if not any(path.iterdir()):
                    path.rmdir()
            elif rel not in keep:
                path.unlink()
                self.removed += 1
