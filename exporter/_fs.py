"""The one atomic file write, and the one temp-file name every writer cleans up after.

Every file the exporter writes (docs pages, attachments, the token file, the lock record, scan
times, site pages, the render cache) goes through :func:`atomic_write`: the bytes go to a temp
file in the target's own folder (a rename never crosses file systems), optionally fsync'd, then
``os.replace`` puts them in place whole. A reader sees the old file or the new one, never half.

A process killed between the two steps leaves its temp file behind. All of them are named
``.<target name>.<12 hex>.tmp`` (:func:`temp_path`), so one rule, :func:`is_leftover`, finds
them, and :func:`clean_leftovers` removes them (each writer calls it on its folders before it
writes: its own process holds the folder then, so what it finds was left by a killed one).
Names written by earlier versions are recognised too, so an upgrade cleans them up.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "clean_leftovers", "fsync_dir", "is_leftover", "temp_path"]

Content = bytes | str | Path | Callable[[BinaryIO], None]

_LEFTOVER = re.compile(
    r"\A\.[^/]+\.[0-9a-f]+\.tmp\Z"  # temp_path (12 hex); earlier versions used a pid here
    # Written by earlier versions: mkstemp pages and site files, the render cache's work folders.
    r"|\A\.tmp-[A-Za-z0-9_]{8}(?:\.[A-Za-z0-9]+)?\Z"
    r"|\A\.tmp-[^/]+-[A-Za-z0-9_]{8}\Z"
)


def temp_path(target: Path) -> Path:
    """A fresh temp name beside ``target``: ``.<name>.<12 hex>.tmp`` (the leftover pattern)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def is_leftover(name: str) -> bool:
    """True when a file or folder name is a temp name some writer leaves if it is killed."""
    return _LEFTOVER.match(name) is not None


def clean_leftovers(folder: Path, *, recursive: bool = False, of: str | None = None) -> int:
    """Delete the temp files (and temp folders) a killed writer left in ``folder``.

    Call it only while holding the folder (the export lock, the token lock, a site render), so
    no live writer's temp file is taken. ``recursive`` walks subfolders too (never a ``.git``);
    ``of`` limits it to the temp files of that one target name (a folder
    shared with other programs). Returns how many were removed (none from a missing folder).
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if is_leftover(entry.name) and (of is None or entry.name.startswith(f".{of}.")):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed += 1
        elif recursive and entry.is_dir(follow_symlinks=False) and entry.name != ".git":
            removed += clean_leftovers(Path(entry.path), recursive=True)
    return removed


def atomic_write(
    target: Path, content: Content, *, mode: int = 0o644, durable: bool = False
) -> None:
    """Replace ``target`` whole with ``content``: bytes, text (UTF-8), a file to copy (streamed)
    or a function that writes into the open binary file.

    ``mode`` is set on the temp file before it is visible (``0o600`` for secrets: never readable
    by others, not even for an instant). ``durable`` fsyncs the file and then its folder, so the
    new file survives a power cut (the token file; docs pages are made durable in batches by the
    state). The folder must exist; on any error the temp file is removed and the old target kept.
    """
    tmp = temp_path(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(content, Path):
                with content.open("rb") as src:
                    shutil.copyfileobj(src, fh)  # attachments can be big: stream them
            elif isinstance(content, str):
                fh.write(content.encode("utf-8"))
            elif isinstance(content, bytes | bytearray | memoryview):
                fh.write(content)
            else:
                content(fh)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # os.open's mode is masked by the umask
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(target.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
