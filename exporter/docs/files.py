"""Comparing a file with what would replace it, so unchanged files are never rewritten.

A no-change run must leave ``git status`` clean and every inode and mtime alone: the writer
asks these before it writes a page or renames a downloaded attachment into place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from exporter.errors import OutputError

__all__ = ["WriteStatus", "compare_bytes", "compare_files"]

WriteStatus = Literal["added", "changed", "unchanged"]
_CHUNK = 1 << 16


def compare_bytes(target: Path, data: bytes) -> WriteStatus:
    """How writing ``data`` would change ``target`` (a symlink always counts as changed)."""
    if target.is_symlink():
        return "changed"
    try:
        return "unchanged" if target.read_bytes() == data else "changed"
    except FileNotFoundError:
        return "added"
    except IsADirectoryError as exc:
        raise OutputError(f"{target} is a folder where a page file belongs; move it.") from exc


def compare_files(target: Path, new: Path) -> WriteStatus:
    """Like ``compare_bytes`` for a downloaded temp file, reading both in chunks."""
    if target.is_symlink():
        return "changed"
    try:
        if target.stat().st_size != new.stat().st_size:
            return "changed"
    except FileNotFoundError:
        return "added"
    with target.open("rb") as a, new.open("rb") as b:
        while chunk := a.read(_CHUNK):
            if chunk != b.read(_CHUNK):
                return "changed"
    return "unchanged"
