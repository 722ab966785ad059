"""State benchmark: does a run's local cost grow with the changes, not with the space's size?

    python bench/state_bench.py                     # 2,000 and 20,000 pages, 50 ms latency
    python bench/state_bench.py --sizes 2000 --profile   # where a no-change run's CPU goes

For each size, one sandbox (in this process) with one synthetic space: a full export, a
no-change run, then 10 edited pages; each export runs in a child process (``export_bench``'s).
Targets (issue 16): the no-change run's wall time at 20,000 pages <= 2x that at 2,000, and the
10-edit run's likewise; also the state folder's size (the part the Action commits, and the
caches it keeps in actions/cache) and how much of it a no-change run rewrote.
``--profile`` runs the no-change child under cProfile and prints where its time went.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import export_bench  # noqa: E402  (a sibling script, not a package)

# export_bench.run_child starts ``<its __file__> --child``: make it this script, whose child
# can run under cProfile.
export_bench.__file__ = str(Path(__file__).resolve())

STATE = ".confluence-export"
COMMITTED = ("manifest.json", ".gitignore")  # what the Action commits of the state folder


def state_files(out: Path) -> dict[str, tuple[int, str]]:
    """Size and digest of every file in the state folder."""
    root = out / STATE
    return {
        str(p.relative_to(root)): (p.stat().st_size, hashlib.sha1(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def print_state(out: Path, before: dict[str, tuple[int, str]] | None) -> dict[str, Any]:
    files = state_files(out)
    committed = sum(size for name, (size, _) in files.items() if name in COMMITTED)
    total = sum(size for size, _ in files.values())
    line = f"  state folder {total / 1e6:.1f} MB in {len(files)} files; committed part "
    line += f"{committed / 1e3:.1f} kB ({', '.join(n for n in COMMITTED if n in files)})"
    if before is not None:
        rewritten = sorted(n for n, v in files.items() if before.get(n) != v)
        line += f"; changed by this run: {', '.join(rewritten) or 'nothing'}"
    print(line)
    return files


def profiled_child(*args: str) -> None:
    """``export_bench.child`` under cProfile; prints the functions that took the most time."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    export_bench.child(*args)
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(r"exporter", 45)


def run_size(pages: int, latency: int, profile: bool, per_page: float) -> dict[str, float]:
    from exporter.sandbox import SandboxOptions, start_sandbox

    options = SandboxOptions(
        seed=None, synthetic_pages=pages, attachments_per_page=per_page, latency_ms=latency
    )
    work = Path(tempfile.mkdtemp(prefix=f"state-bench-{pages}-"))
    out = work / "out"
    figures: dict[str, float] = {}
    try:
        with start_sandbox(options) as handle:
            n = sum(1 for r in handle.store.content.values() if r.type in ("page", "folder"))
            print(f"== {pages} synthetic pages ({n} pages and folders), latency {latency} ms")
            full, _ = export_bench.measured(handle, out, "full export")
            files = print_state(out, None)
            same, stats = export_bench.measured(handle, out, "no-change run")
            figures["no_change_s"] = same["wall_s"]
            print(f"  requests {stats['requests']}, pages unchanged {same['pages']['unchanged']}")
            files = print_state(out, files)
            if profile:  # an extra no-change run, so the figures above carry no profiler
                os.environ["STATE_BENCH_PROFILE"] = "1"
                export_bench.measured(handle, out, "no-change run under cProfile")
                os.environ.pop("STATE_BENCH_PROFILE", None)
            export_bench.edit_pages(handle, 10)
            edits, stats = export_bench.measured(handle, out, "10 edits + 1 deleted leaf")
            figures["edits_s"] = edits["wall_s"]
            print(f"  requests {stats['requests']}, pages exported {edits['pages']['exported']}")
            print_state(out, files)
            shutil.rmtree(out / STATE / "bodies", ignore_errors=True)
            for cache in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
                (out / STATE / cache).unlink(missing_ok=True)
            export_bench.edit_pages(handle, 10)
            lost, stats = export_bench.measured(handle, out, "10 edits, caches deleted")
            figures["lost_cache_s"] = lost["wall_s"]
            print(f"  requests {stats['requests']}, pages exported {lost['pages']['exported']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--attachments-per-page", type=float, default=0.5)
    parser.add_argument("--profile", action="store_true", help="also a no-change run profiled")
    args = parser.parse_args()
    results = {
        n: run_size(n, args.latency_ms, args.profile, args.attachments_per_page) for n in args.sizes
    }
    if len(results) >= 2:
        small, big = min(results), max(results)
        for key, label in (("no_change_s", "no-change run"), ("edits_s", "10 edits")):
            a, b = results[small][key], results[big][key]
            print(
                f"{label}: {small} pages {a} s, {big} pages {b} s: ratio {b / max(a, 0.001):.2f} "
                "(target <= 2)"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        if os.environ.get("STATE_BENCH_PROFILE"):
            profiled_child(*sys.argv[2:7])
        else:
            export_bench.child(*sys.argv[2:7])
    else:
        main()
