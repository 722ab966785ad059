"""One export at a time per output: a lock in the output's state dir.

The lock itself is an OS file lock (``filelock``, ``flock`` on Unix), so the kernel releases it
when the holder dies, however it dies: a stale lock from a killed process is simply taken over.
Beside it, ``export.lock.json`` records who holds it (pid, host, start time) so that a second
export can say whom it is waiting for.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import filelock

from exporter._fs import atomic_write, clean_leftovers
from exporter.errors import LockHeld, OutputError

__all__ = ["ExportLock", "LockInfo"]

log = logging.getLogger(__name__)

LOCK_NAME = "export.lock"
INFO_NAME = "export.lock.json"


class LockInfo(dict[str, Any]):
    """What the holder wrote about itself: ``pid``, ``host``, ``since`` (ISO 8601, UTC)."""


class ExportLock:
    """Context manager holding ``<state_dir>/export.lock`` for one export.

    A second holder fails at once with ``LockHeld`` (exit 75) naming the pid and start time.
    """

    def __init__(self, state_dir: Path | str) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / LOCK_NAME
        self.info_path = self.state_dir / INFO_NAME
        self._lock = filelock.FileLock(str(self.path), timeout=0, thread_local=False)
        self.took_over: LockInfo | None = None

    def read_info(self) -> LockInfo | None:
        """The holder's record, or None when there is none (or it is unreadable)."""
        try:
            data = json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return LockInfo(data) if isinstance(data, dict) else None

    def acquire(self) -> None:
        """Take the lock now or raise ``LockHeld``; never waits."""
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"Cannot create the state folder {self.state_dir} ({exc.strerror}). "
                "Check the output directory's permissions."
            ) from exc
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise LockHeld(self._held_message()) from None
        except OSError as exc:  # a read-only or full file system
            raise OutputError(
                f"Cannot take the export lock {self.path} ({exc.strerror or exc}). "
                "Check that the output directory is writable and has free space."
            ) from exc
        previous = self.read_info()
        if previous and previous.get("pid") != os.getpid():
            self.took_over = previous
            log.warning(
                "took over a stale export lock from pid %s (since %s), which is no longer running",
                previous.get("pid"),
                previous.get("since"),
            )
        try:
            self._write_info()
        except OSError as exc:
            self._lock.release()
            raise OutputError(
                f"Cannot write {self.info_path} ({exc.strerror or exc}). "
                "Check that the output directory is writable and has free space."
            ) from exc

    def _write_info(self) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        clean_leftovers(self.state_dir)  # we hold the lock: a temp file here is a killed run's
        atomic_write(self.info_path, json.dumps(info) + "\n")

    def _held_message(self) -> str:
        info = None
        for _ in range(5):  # the holder writes its record just after it takes the lock
            info = self.read_info()
            if info:
                break
            time.sleep(0.02)
        if not info:
            who = "pid unknown"
        else:
            host = info.get("host")
            on_host = f" on {host}" if host and host != socket.gethostname() else ""
            who = f"pid {info.get('pid')}{on_host} since {info.get('since')}"
        return (
            f"another export is running ({who}); wait for it or remove {self.path} "
            "if that process is gone"
        )

    def release(self) -> None:
        """Drop the lock and the holder's record."""
        if not self._lock.is_locked:
            return
        try:
            info = self.read_info()
            if info and info.get("pid") == os.getpid():
                self.info_path.unlink(missing_ok=True)
        finally:
            self._lock.release()

    @property
    def is_locked(self) -> bool:
        return self._lock.is_locked

    def __enter__(self) -> ExportLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
