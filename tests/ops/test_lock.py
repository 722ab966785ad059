"""The export lock: a second holder fails at once (exit 75); a dead holder's lock is taken over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exporter.errors import LockHeld
from exporter.run.lock import ExportLock

HOLDER = """
import sys, time
from exporter.run.lock import ExportLock
lock = ExportLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def start_holder(state_dir: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_dir)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_export_fails_at_once_naming_pid_and_start(tmp_path):
    holder = start_holder(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(LockHeld) as info, ExportLock(tmp_path):
            pass
        assert time.monotonic() - started < 2
        since = json.loads((tmp_path / "export.lock.json").read_text())["since"]
        assert str(info.value) == (
            f"another export is running (pid {holder.pid} since {since}); wait for it or "
            f"remove {tmp_path / 'export.lock'} if that process is gone"
        )
        assert info.value.exit_code == 75
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_killed_process_is_taken_over(tmp_path):
    holder = start_holder(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert json.loads((tmp_path / "export.lock.json").read_text())["pid"] == holder.pid
    with ExportLock(tmp_path) as lock:
        assert lock.took_over is not None and lock.took_over["pid"] == holder.pid
        assert lock.read_info()["pid"] == os.getpid()


def test_leftover_lock_files_from_a_dead_pid_do_not_block(tmp_path):
    (tmp_path / "export.lock").write_text("")
    (tmp_path / "export.lock.json").write_text(
        json.dumps({"pid": 999999999, "host": "here", "since": "2020-01-01T00:00:00Z"})
    )
    with ExportLock(tmp_path) as lock:
        assert lock.took_over == {"pid": 999999999, "host": "here", "since": "2020-01-01T00:00:00Z"}


def test_lock_is_released_on_exit_and_on_error(tmp_path):
    with ExportLock(tmp_path):
        pass
    assert not (tmp_path / "export.lock.json").exists()
    with pytest.raises(RuntimeError), ExportLock(tmp_path):
        raise RuntimeError("export failed")
    with ExportLock(tmp_path) as again:
        assert again.is_locked and again.took_over is None


def test_two_locks_in_one_process_exclude_each_other(tmp_path):
    with ExportLock(tmp_path / "state"), pytest.raises(LockHeld, match=f"pid {os.getpid()} since"):
        ExportLock(tmp_path / "state").acquire()


def test_lock_on_another_host_names_the_host(tmp_path):
    first = ExportLock(tmp_path)
    first.acquire()
    try:
        info = json.loads((tmp_path / "export.lock.json").read_text())
        (tmp_path / "export.lock.json").write_text(json.dumps({**info, "host": "ci-runner-7"}))
        with pytest.raises(LockHeld, match=r"\(pid \d+ on ci-runner-7 since "):
            ExportLock(tmp_path).acquire()
    finally:
        first.release()
