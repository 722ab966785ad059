"""The state's own cost, without the rest of the run: load, read, save at 2,000 and 20,000 pages.

    python bench/state_store_bench.py                 # this version vs the one before the cache
    python bench/state_store_bench.py --sizes 2000 20000 100000

For each size a state of synthetic page records (shaped like the synthetic sandbox space's:
links, children, one attachment every other page) is written once; then, each in a fresh
process, the way a run uses it is timed:

- ``load``: ``State.load`` alone;
- ``load + 10 lookups``: what a run that plans only its changes reads;
- ``no-change run``: load, read every record (today's plan does), save twice (as a run does);
- ``10 edits``: the same with 10 changed records.

"previous" is the exporter at commit 9832ff6 (from this repository's history), when the state
was one JSON manifest rewritten on every save plus one body file per page.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREVIOUS = "9832ff6"


def make_state(out: Path, pages: int) -> None:
    """Write a state of ``pages`` records (this version's code; the manifest format is shared)."""
    from exporter.run.manifest import AttachmentRecord, PageRecord, SpaceRecord, State

    state = State.load(out)
    base = 60000
    for i in range(pages):
        pid = str(base + i)
        path = f"docs/syn/section-{i // 6}/page-{i}.md"
        atts = tuple(
            AttachmentRecord(f"att{i}", f"file{i}.png", 1, 1000, path[:-3] + f".assets/file{i}.png",
                             "image/png")
            for _ in range(i % 2)
        )  # fmt: skip
        state.set_page(PageRecord(
            id=pid, space_key="SYN", title=f"Page {i} about the platform", kind="page",
            parent_id=str(base + i // 6) if i else None, position=i % 6, version=1,
            created="2025-01-01T00:00:00.000Z", updated="2025-02-01T00:00:00.000Z",
            author_id="5b10ac8d82e05b22cc7d4ef5", labels=("platform", "team"),
            url=f"https://sandbox.atlassian.net/wiki/spaces/SYN/pages/{pid}", path=path,
            files=(path, *(a.path for a in atts)), attachments=atts,
            links=tuple(f"t:SYN:Page {j}" for j in range(i, i + 5)), seen="0123456789abcdef",
            slot=i % 6 + 1, children=tuple(str(base + 6 * i + k) for k in range(1, 7)
                                           if 6 * i + k < pages),
        ))  # fmt: skip
    state.set_space(SpaceRecord("SYN", "98", "Synthetic", last_scan="2026-01-01T00:00:00Z"))
    state.options = {"flavor": "mkdocs", "attachments": "referenced", "blogposts": False}
    state.save()


def measure(out: Path, what: str) -> float:
    """One way of using the state, timed in this process (the code on ``sys.path``)."""
    import dataclasses

    from exporter.run.manifest import SpaceRecord, State

    started = time.perf_counter()
    state = State.load(out)
    if what == "lookups":
        for pid in range(60000, 60010):
            state.pages.get(str(pid))
    elif what in ("no-change", "edits"):
        records = list(state.pages.values())
        state.set_space(SpaceRecord("SYN", "98", "Synthetic", last_scan=f"{time.time()}"))
        if what == "edits":
            for rec in records[100:110]:
                state.set_page(dataclasses.replace(rec, version=rec.version + 1))
        state.save()
        state.save()
    return time.perf_counter() - started


def run(code: Path, out: Path, what: str) -> float:
    cmd = [sys.executable, __file__, "--measure", str(out), what]
    done = subprocess.run(cmd, env={"PYTHONPATH": str(code), "PATH": ""}, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="state-store-bench-"))
    try:
        previous = work / "previous"
        previous.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", PREVIOUS, "exporter"],
                                 capture_output=True, check=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(previous)], input=archive, check=True)
        codes = {"previous": previous, "this": ROOT}
        results: dict[tuple[str, int, str], float] = {}
        whats = ("load", "lookups", "no-change", "edits")
        for size in args.sizes:
            for name, code in codes.items():
                out = work / f"{name}-{size}"
                subprocess.run([sys.executable, __file__, "--make", str(out), str(size)],
                               env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True)  # fmt: skip
                for what in whats:
                    results[(name, size, what)] = min(run(code, out, what) for _ in range(3))
                manifest = (out / ".confluence-export" / "manifest.json").stat().st_size
                print(f"{size} pages, {name}: manifest.json {manifest / 1e6:.1f} MB; " + ", ".join(
                    f"{w} {results[(name, size, w)]:.3f} s" for w in whats))  # fmt: skip
        if len(args.sizes) >= 2:
            small, big = min(args.sizes), max(args.sizes)
            for name in codes:
                ratios = [results[(name, big, w)] / results[(name, small, w)] for w in whats]
                print(f"{name}: {big} vs {small} pages: " + ", ".join(
                    f"{w} x{r:.1f}" for w, r in zip(whats, ratios, strict=True)))  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--make"]:
        make_state(Path(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(Path(sys.argv[2]), sys.argv[3])))
    else:
        main()
