"""SIGTERM and Ctrl-C: a run stops cleanly and says the next run resumes.

Python's default SIGTERM action kills the process at once: no ``finally`` runs, so forked
conversion workers are orphaned (they keep running, holding the parent's pipes) and the lock's
holder record stays behind. :func:`handle_sigterm` turns SIGTERM into :class:`Terminated`, a
``KeyboardInterrupt``, so it unwinds exactly as Ctrl-C does: worker pools shut down, the
manifest is saved, the lock is released. Whatever a run had not finished, the journal and the
atomic writes make the next run redo (as they do after SIGKILL).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from exporter.errors import ExitCode, Terminated

__all__ = ["handle_sigterm", "interruption", "worker_signals"]

INTERRUPTED = "Interrupted; the next run resumes."
TERMINATED = "Terminated; the next run resumes."


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # One Terminated per run: a second SIGTERM while cleanups run must not cut them short
    # (a supervisor that gives up sends SIGKILL, which the journal survives).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def handle_sigterm() -> None:
    """Make SIGTERM raise :class:`Terminated` in the main thread (no-op in other threads)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


def worker_signals() -> None:
    """For forked worker processes: the parent alone handles Ctrl-C and SIGTERM, then shuts
    its pools down; a worker ignores Ctrl-C (sent to the whole terminal process group) and
    dies at once on a SIGTERM of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def interruption(exc: BaseException) -> tuple[int, str] | None:
    """``(exit code, message)`` when ``exc`` (or what it was raised from) is Ctrl-C or SIGTERM."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, Terminated):
            return ExitCode.TERMINATED, TERMINATED
        if isinstance(current, KeyboardInterrupt):
            return ExitCode.INTERRUPTED, INTERRUPTED
        current = current.__cause__ or current.__context__
    return None
