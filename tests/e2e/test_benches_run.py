"""The benchmarks still run: each one, shrunk to a few pages, exits 0 and prints its figures.

The benchmarks are how speed and cost targets are checked (never by timed tests), so a bench
that breaks with the code it measures hides a regression. This runs each at a tiny size; the
figures themselves are not asserted here (they are quoted from full-size runs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMALL_RUNS = {
    "export_bench": (["--pages", "30", "--latency-ms", "0"], "no-change re-run:"),
    "spaces_bench": (["--spaces", "4", "--pages", "2", "--latency-ms", "0"], "no-change"),
    "history_bench": (["--pages", "6", "--versions", "3", "--latency-ms", "0"], "backfill"),
    "state_bench": (["--sizes", "30", "--latency-ms", "0"], "no-change"),
    "differential": (["--seed", "2", "--ops", "8", "--quiet"], "all equal"),
    "bench_site": (["--pages", "20"], "unchanged render"),
}


@pytest.mark.parametrize("bench", sorted(SMALL_RUNS))
def test_bench_runs_at_a_tiny_size_and_prints_its_figures(bench: str, tmp_path: Path) -> None:
    args, expected = SMALL_RUNS[bench]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{bench}.py"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert expected in done.stdout, done.stdout[-2000:]
