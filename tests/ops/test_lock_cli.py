"""A second export on the same output exits 75 at once, naming the running one."""

from __future__ import annotations

import json
import subprocess
import sys

from .test_lock import start_holder


def test_export_while_another_holds_the_lock_exits_75(tmp_path, sandbox_factory):
    sandbox = sandbox_factory(seed=None, synthetic_pages=2)
    config = sandbox.write_config(tmp_path / "config.yaml")
    state = tmp_path / "export" / ".confluence-export"
    holder = start_holder(state)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "exporter", "--config", str(config), "export"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        since = json.loads((state / "export.lock.json").read_text())["since"]
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 75
    assert done.stderr.endswith(
        f"Error: another export is running (pid {holder.pid} since {since}); wait for it or "
        f"remove {state / 'export.lock'} if that process is gone\n"
    )
    assert not (tmp_path / "export" / "docs").exists()
