"""Many-spaces benchmark: requests and wall time of a full and a no-change export.

    python bench/spaces_bench.py                          # 200 spaces x 5 pages, 50 ms latency
    python bench/spaces_bench.py --spaces 50 --pages 20   # another shape

The sandbox runs in this process; each export runs in a child process (``export_bench.child``).
Targets (issue 16): the full export <= 20 requests besides downloads, the no-change run
<= 10 requests and faster than the full export: the change scan asks once per batch of spaces
(``space in (...)``), not once per space.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_bench import DOWNLOAD_ROUTE, measured  # noqa: E402


def seed(store: object, spaces: int, pages: int) -> None:
    """``spaces`` global spaces of ``pages`` pages each: a homepage and its children."""
    add_space = store.add_space  # type: ignore[attr-defined]
    add_content = store.add_content  # type: ignore[attr-defined]
    for n in range(spaces):
        key = f"S{n:03d}"
        add_space(key, f"Space {n}")
        home = add_content(key, f"Space {n} home", "<p>Home.</p>")  # the space's homepage
        for p in range(pages - 1):
            add_content(key, f"Page {n}.{p}", f"<p>Page {p} of space {n}.</p>", parent_id=home.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spaces", type=int, default=200)
    parser.add_argument("--pages", type=int, default=5, help="pages per space")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="export here and keep it (default: temp dir)")
    args = parser.parse_args()

    from exporter.sandbox import SandboxOptions, start_sandbox

    options = SandboxOptions(seed=None, latency_ms=args.latency_ms)
    work = args.keep or Path(tempfile.mkdtemp(prefix="spaces-bench-"))
    out = work / "ours"
    shutil.rmtree(out, ignore_errors=True)
    with start_sandbox(options) as handle:
        seed(handle.store, args.spaces, args.pages)
        print(f"sandbox: {args.spaces} spaces x {args.pages} pages, latency {args.latency_ms} ms")
        full, stats = measured(handle, out, "full export")
        other = stats["requests"] - stats["by_route"].get(DOWNLOAD_ROUTE, 0)
        print(f"  requests other than downloads {other} (target <= 20)")
        print(f"  pages exported {full['pages']['exported']}")
        again, stats = measured(handle, out, "no-change run")
        faster = "yes" if again["wall_s"] < full["wall_s"] else "no"
        print(
            f"  requests {stats['requests']} (target <= 10); faster than the full export: {faster}"
        )
        for route, count in sorted(stats["by_route"].items(), key=lambda kv: -kv[1]):
            print(f"    {count:4d} {route}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
