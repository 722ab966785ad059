"""Ctrl-C and SIGTERM (a container stop, a CI cancel) end an export cleanly: exit 130 / 143,
conversion workers gone, the lock released, nothing half-written, and the next run resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from exporter.config.settings import load_config
from exporter.run.lock import ExportLock
from exporter.sandbox import SandboxHandle

from .helpers import (
    ROOT,
    STATE_DIR,
    _holds_lock,
    cli_command,
    cli_env,
    run_inprocess,
    tree_diff,
    tree_hashes,
    write_config,
)

pytestmark = pytest.mark.timeout(300)


def descendants(pid: int) -> set[int]:
    """Every live (non-zombie) process below ``pid``, read from /proc (no psutil needed)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after it.
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if state != "Z":
            parents[int(entry.name)] = int(ppid)
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def start_export(config: Path, stderr: Path) -> subprocess.Popen[str]:
    """``export`` as a subprocess with default signal dispositions (a shell may ignore SIGINT).

    stderr goes to a file: an orphaned worker would hold a pipe open after the export exits.
    """

    def defaults() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    return subprocess.Popen(
        cli_command(config, "export", "--format", "docs"),
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=stderr.open("w"),
        text=True,
        preexec_fn=defaults,
    )


def wait_for(condition: Callable[[], object], child: subprocess.Popen[str], what: str) -> object:
    deadline = time.monotonic() + 120
    while not (value := condition()):
        assert child.poll() is None, f"export ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)
    return value


def assert_resumes_to_a_clean_export(sb: SandboxHandle, config: Path, tmp_path: Path) -> None:
    out = Path(load_config(config).output.dir)
    lock = ExportLock(out / STATE_DIR)
    lock.acquire()  # released: a second export may start at once
    lock.release()
    leftovers = [p for p in out.rglob("*") if p.name.endswith((".part", ".tmp"))]
    assert leftovers == [], f"half-written files left: {leftovers}"
    summary = run_inprocess(config)
    assert summary.pages_failed == 0 and summary.attachments_failed == 0, summary.failures
    clean = write_config(sb, tmp_path / "clean", output={"format": "docs"})
    run_inprocess(clean, full=True)
    got, want = tree_hashes(out), tree_hashes(tmp_path / "clean" / "out")
    assert got == want, tree_diff(got, want)


def test_sigterm_ends_conversion_workers_and_exits_143_then_the_next_run_resumes(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    # Over 200 pages to render: conversion runs in forked worker processes (exporter/run/pages.py).
    sb = sandbox_factory(seed=None, synthetic_pages=400, latency_ms=20)
    config = write_config(sb, tmp_path / "run")
    child = start_export(config, tmp_path / "stderr")
    workers = wait_for(lambda: descendants(child.pid), child, "conversion workers")
    assert isinstance(workers, set)
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=60)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        orphans = [pid for pid in workers if alive(pid)]
    finally:
        for pid in workers:  # never leave them behind, even when the test fails
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    stderr = (tmp_path / "stderr").read_text()
    assert orphans == [], f"conversion workers outlived the export: {orphans}"
    assert child.returncode == 143, stderr
    assert stderr.splitlines()[-1] == "Terminated; the next run resumes.", stderr
    assert "Traceback" not in stderr, stderr
    assert_resumes_to_a_clean_export(sb, config, tmp_path)


@pytest.mark.parametrize(
    ("signum", "code", "message"),
    [
        (signal.SIGINT, 130, "Interrupted; the next run resumes."),
        (signal.SIGTERM, 143, "Terminated; the next run resumes."),
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_a_signal_mid_download_exits_with_its_code_saying_the_next_run_resumes(
    sandbox_factory: Callable[..., SandboxHandle],
    tmp_path: Path,
    signum: int,
    code: int,
    message: str,
) -> None:
    sb = sandbox_factory(seed=None, synthetic_pages=60, latency_ms=40, attachments_per_page=1)
    config = write_config(sb, tmp_path / "run")
    out = Path(load_config(config).output.dir)
    child = start_export(config, tmp_path / "stderr")
    wait_for(lambda: _holds_lock(out, child.pid), child, "the export to take its lock")
    time.sleep(0.3)
    child.send_signal(signum)
    child.wait(timeout=60)
    stderr = (tmp_path / "stderr").read_text()
    assert child.returncode == code, stderr
    assert stderr.splitlines()[-1] == message, stderr
    assert "Traceback" not in stderr, stderr
    assert not os.path.exists(out / STATE_DIR / "export.lock.json")
    assert_resumes_to_a_clean_export(sb, config, tmp_path)
