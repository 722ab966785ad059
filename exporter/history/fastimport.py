"""A ``git fast-import`` stream: thousands of commits from one process, blobs streamed in.

Committing version by version with ``git commit`` would cost a few processes per commit; one
fast-import process takes blobs and commits on stdin and writes one pack (git's own importer,
on every runner). The ref is written only when the stream ends cleanly, so a killed run leaves
the branch as it was (the objects it wrote are unreachable and go with the next ``git gc``).
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from exporter.errors import OutputError

__all__ = ["Change", "FastImport", "Ident", "quote_path"]


@dataclass(frozen=True, slots=True)
class Ident:
    """A git author or committer: name, email and the moment (timezone-aware)."""

    name: str
    email: str
    when: datetime

    def raw(self) -> bytes:
        """``Name <email> <unix seconds> +HHMM``, as fast-import's raw date format wants it."""
        offset = self.when.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign = "-" if minutes < 0 else "+"
        zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
        name = _clean(self.name) or "unknown"
        email = _clean(self.email).replace(" ", "")
        return f"{name} <{email}> {int(self.when.timestamp())} {zone}".encode()


def _clean(text: str) -> str:
    """Without ``<``, ``>`` and line breaks, which would end the ident line early."""
    for ch in "<>\n\r\0":
        text = text.replace(ch, "")
    return text.strip()


@dataclass(frozen=True, slots=True)
class Change:
    """One file change of a commit: ``M`` (``ref`` a blob mark or sha, ``mode``), ``D``,
    or ``deleteall`` (path ignored)."""

    op: str
    path: str = ""
    ref: str = ""
    mode: str = "100644"


def quote_path(path: str) -> str:
    """A path for a fast-import command: C-quoted when it holds a quote, backslash or line
    break, or starts with a quote (git fast-import's "path" rules)."""
    if not any(ch in path for ch in '"\\\n') and not path.startswith('"'):
        return path
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class FastImport:
    """One ``git fast-import`` process writing commits on ``ref`` of the repository ``repo``.

    ``blob()`` and ``commit()`` return marks (``:N``) later commands can name; ``close()`` ends
    the stream and returns the sha of the last commit. ``parent`` is where the first commit
    starts (None: a root commit).
    """

    def __init__(self, repo: Path, ref: str, parent: str | None) -> None:
        self.repo = repo
        self.ref = ref
        self._parent = parent
        self._marks = 0
        self._first = True
        self._last: str | None = None
        try:
            self._proc = subprocess.Popen(
                ["git", "fast-import", "--quiet", "--date-format=raw", "--done", "--force"],
                cwd=repo,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise OutputError(
                f"Could not start git fast-import ({exc}); history needs git on the PATH."
            ) from None
        assert self._proc.stdin is not None
        self._in: IO[bytes] = self._proc.stdin

    def _mark(self) -> str:
        self._marks += 1
        return f":{self._marks}"

    def _write(self, *parts: bytes) -> None:
        try:
            for part in parts:
                self._in.write(part)
        except BrokenPipeError:
            self._fail()

    def blob(self, data: bytes) -> str:
        """Add a file's bytes; returns its mark."""
        mark = self._mark()
        self._write(b"blob\nmark ", mark.encode(), b"\ndata ", str(len(data)).encode(), b"\n")
        self._write(data, b"\n")
        return mark

    def commit(
        self, author: Ident, committer: Ident, message: str, changes: Sequence[Change]
    ) -> str:
        """Add a commit on the ref (after the previous one); returns its mark."""
        mark = self._mark()
        text = message.encode("utf-8", "replace")
        self._write(f"commit {self.ref}\nmark {mark}\n".encode())
        self._write(b"author ", author.raw(), b"\ncommitter ", committer.raw(), b"\n")
        self._write(b"data ", str(len(text)).encode(), b"\n", text, b"\n")
        if self._first and self._parent:
            self._write(f"from {self._parent}\n".encode())
        self._first = False
        for change in changes:
            if change.op == "deleteall":
                self._write(b"deleteall\n")
            elif change.op == "D":
                self._write(f"D {quote_path(change.path)}\n".encode())
            else:
                self._write(f"M {change.mode} {change.ref} {quote_path(change.path)}\n".encode())
        self._write(b"\n")
        self._last = mark
        return mark

    def close(self) -> str | None:
        """End the stream; returns the sha the ref now names (None when nothing was committed)."""
        self._write(b"done\n")
        with contextlib.suppress(BrokenPipeError):
            self._in.close()
        code = self._proc.wait()
        if code != 0:
            self._fail()
        if self._last is None:
            return None
        out = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", self.ref],
            cwd=self.repo,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() or None

    def abort(self) -> None:
        """Stop without updating the ref (a failure elsewhere ended the run)."""
        self._proc.kill()
        self._proc.wait()

    def _fail(self) -> None:
        self._proc.kill()
        self._proc.wait()
        assert self._proc.stderr is not None
        detail = self._proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
        last = detail[-1] if detail else f"exit code {self._proc.returncode}"
        raise OutputError(
            f"git fast-import failed in {self.repo} ({last}); the branch was left as it was. "
            "Check the repository (git fsck) and run the export again."
        )
