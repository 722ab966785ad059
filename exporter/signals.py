"""SIGTERM and Ctrl-C: a run stops cleanly and says the next run resumes.

Python's default SIGTERM action kills the process at once: no ``finally`` runs, so forked
conversion workers were orphaned (they kept running, holding the parent's pipes) and the lock's
holder record stayed behind. Now, once the CLI calls :func:`handle_sigterm`:

- while the pipeline's event loop runs (:func:`run_async`), SIGTERM cancels its main task,
  exactly as asyncio handles Ctrl-C: the run unwinds at an ``await`` (worker pools shut down,
  the manifest saved, the lock released), then :class:`Terminated` is raised;
- in synchronous code (and :func:`sigterm_raises` sections, such as the site render, which
  blocks the loop) SIGTERM raises :class:`Terminated` where it lands, as Ctrl-C does;
- worker processes die with their parent even when it is SIGKILLed (:func:`worker_signals`).

Whatever a run had not finished, the journal and the atomic writes make the next run redo (as
they do after SIGKILL).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Coroutine, Iterator
from types import FrameType
from typing import Any, TypeVar

from exporter.errors import ExitCode, Terminated

__all__ = [
    "handle_sigterm",
    "interruption",
    "run_async",
    "sigterm_raises",
    "terminated",
    "worker_signals",
]

T = TypeVar("T")
INTERRUPTED = "Interrupted; the next run resumes."
TERMINATED = "Terminated; the next run resumes."
_PR_SET_PDEATHSIG = 1  # prctl(2)
_seen = threading.Event()
_forked_by = [os.getpid()]  # set just before each fork: a child knows its parent's pid


def _before_fork() -> None:
    _forked_by[0] = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork)


def terminated() -> bool:
    """True once SIGTERM arrived (also when its exception was lost in a ``__del__`` or an
    at-fork hook, where Python prints "Exception ignored" and goes on)."""
    return _seen.is_set()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if _seen.is_set():
        return  # a second SIGTERM must not cut the cleanups short (SIGKILL is survivable)
    _seen.set()
    raise Terminated()


def handle_sigterm() -> None:
    """Make SIGTERM raise :class:`Terminated` in the main thread (no-op in other threads)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


def _opted_in() -> bool:
    main = threading.current_thread() is threading.main_thread()
    return main and signal.getsignal(signal.SIGTERM) is _on_sigterm


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``; after :func:`handle_sigterm`, SIGTERM cancels ``main`` at its
    current ``await`` (raising :class:`Terminated` once it has unwound) instead of raising
    wherever the main thread happens to be (inside an executor's bookkeeping, say)."""
    if not _opted_in():
        return asyncio.run(main)

    async def guarded() -> T:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None

        def on_sigterm() -> None:
            if not _seen.is_set():
                _seen.set()
                task.cancel()

        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        try:
            return await main
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _on_sigterm)

    try:
        return asyncio.run(guarded())
    except asyncio.CancelledError:
        if _seen.is_set():
            raise Terminated() from None
        raise


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Inside :func:`run_async`, for synchronous work that blocks the loop (the site render):
    SIGTERM raises :class:`Terminated` at once instead of waiting for the loop."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def worker_signals() -> None:
    """For forked worker processes (a pool's initializer): the parent alone handles Ctrl-C
    (sent to the whole terminal process group) and SIGTERM, then shuts its pools down; a
    worker dies at once on a SIGTERM of its own, and when its parent dies (Linux), so that
    not even a SIGKILL of the export leaves workers behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            return
        if os.getppid() != _forked_by[0]:  # the parent died before prctl took effect
            os._exit(1)


def interruption(exc: BaseException | None) -> tuple[int, str] | None:
    """``(exit code, message)`` when ``exc`` (or what it was raised from) is Ctrl-C or
    SIGTERM, or when SIGTERM arrived at all; else None."""
    seen: set[int] = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, Terminated):
            return ExitCode.TERMINATED, TERMINATED
        if isinstance(current, KeyboardInterrupt):
            return ExitCode.INTERRUPTED, INTERRUPTED
        current = current.__cause__ or current.__context__
    return (ExitCode.TERMINATED, TERMINATED) if terminated() else None
