"""Write the site directory: atomic per file, only on change, stale files removed.

Each file goes through ``_fs.atomic_write``; the temp files of a render that was killed are
removed by the next one (``_fs.clean_leftovers``, in the walk that finds stale files).

Pages are written as they are rendered (never all held in memory).

A file is rewritten only when its bytes change, so re-rendering unchanged docs leaves the site
(and ``git status``) untouched. Stale files are removed only from a directory that already
holds a site we built, never from an unrelated non-empty folder, and dotfiles (a gh-pages
checkout's ``.git``) and ``CNAME`` are left alone.
"""

from __future__ import annotations

import filecmp
import os
from pathlib import Path, PurePosixPath

from exporter._fs import atomic_write, clean_leftovers, is_leftover
from exporter.errors import OutputError
from exporter.site.sanitize import clean_svg

__all__ = ["MARKER", "SiteWriter"]

MARKER = "search-index.js"  # every site we build has it at its root
KEPT = frozenset({"CNAME"})  # GitHub Pages' custom-domain file, never ours to delete


def _kept(name: str) -> bool:
    """Files a site folder may hold that are not ours: dotfiles (``.git``) and ``CNAME``."""
    return (name.startswith(".") and name != ".nojekyll") or name in KEPT


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
        foreign = site.is_dir() and any(not _kept(p.name) for p in site.iterdir())
        ours = (site / MARKER).is_file() or (site / "_static" / "site.css").is_file()
        if foreign and not ours:
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
        if rel.lower().endswith(".svg"):
            data = clean_svg(data.read_bytes() if isinstance(data, Path) else data)
        try:
            self._write(rel, data)
        except OSError as exc:
            raise OutputError(
                f"Cannot write {rel} in {self.site_dir}: {exc}. "
                "Check the folder's permissions and free space."
            ) from exc

    def keep(self, rel: str) -> None:
        """Count ``rel`` as part of this render without writing it (it is already up to date)."""
        if rel in self.files:
            raise OutputError(f"Two site files map to {rel}; rename one of the docs files.")
        self.files.add(rel)

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
        if _unchanged(target, content):
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, content)
        self.written += 1

    def _remove_stale(self) -> None:
        folders: list[str] = []
        for top, dirs, files in os.walk(self.site_dir):
            dirs[:] = sorted(d for d in dirs if not _kept(d))
            rel_top = os.path.relpath(top, self.site_dir)
            folders.append(top)
            clean_leftovers(Path(top))  # temp files of a render that was killed
            for name in sorted(f for f in files if not is_leftover(f)):
                rel = name if rel_top == "." else f"{Path(rel_top).as_posix()}/{name}"
                if rel not in self.files and not _kept(name):
                    os.unlink(os.path.join(top, name))
                    self.removed += 1
        for folder in reversed(folders[1:]):  # deepest first; never the site root itself
            if not os.listdir(folder):
                os.rmdir(folder)


def _unchanged(target: Path, content: bytes | Path) -> bool:
    """True when ``target`` already holds exactly ``content``'s bytes."""
    if not target.is_file():
        return False
    if isinstance(content, Path):
        return target.stat().st_size == content.stat().st_size and filecmp.cmp(
            target, content, shallow=False
        )
    return target.stat().st_size == len(content) and target.read_bytes() == content
