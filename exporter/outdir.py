"""Is the output folder usable? One clear line before a run starts, instead of a traceback.

``export`` (before it logs in) and ``check`` both ask; the pipeline asks again before it takes
the lock, for library callers.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from exporter.errors import ConfigError, OutputError

__all__ = ["check_output_dir"]

_FIX = "Set output.dir (or --out) to a folder."


def check_output_dir(out: Path, *, write: bool = True, create: bool = True) -> None:
    """Raise ``ConfigError`` when ``out`` (or a parent) is a file, ``OutputError`` when it
    cannot be created or written. With ``write`` and ``create`` it creates the folder (as the
    run would); without ``create`` (for ``check``) it only looks."""
    out = Path(os.path.abspath(out))
    existing = out
    for existing in (out, *out.parents):
        if existing.exists() or existing.is_symlink():
            if not existing.is_dir():
                what = (
                    "is a file" if existing == out else f"cannot be created: {existing} is a file"
                )
                raise ConfigError(f"The output folder {out} {what}. {_FIX}")
            break
    if not write:
        return
    if create:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unwritable(out, exc.errno) from None
        existing = out
    probe = existing / ".confluence-export"
    probe = probe if existing == out and probe.is_dir() else existing
    if not os.access(probe, os.W_OK | os.X_OK):
        read_only = hasattr(os, "statvfs") and bool(os.statvfs(probe).f_flag & os.ST_RDONLY)
        raise _unwritable(out, errno.EROFS if read_only else errno.EACCES)


def _unwritable(out: Path, code: int | None) -> OutputError:
    reason = {
        errno.EROFS: "read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOSPC: "no space left on the device",
    }.get(code or 0, os.strerror(code) if code else "cannot be written")
    return OutputError(
        f"Cannot write to the output folder {out} ({reason}). Make it writable, or set "
        "output.dir (or --out) to another folder."
    )
