"""History benchmark: a backfill of every page version into git, then an incremental run.

    python bench/history_bench.py                   # 2,000 pages x 10 versions, 50 ms latency
    python bench/history_bench.py --pages 200       # a quick look

The sandbox runs in this process; each export (``output.history: git``) runs in a child
process so its peak RSS (VmHWM) is its own. Figures come from the sandbox's stats: requests,
points, and the two history routes (the version list, one per page with new versions, and
``GET /pages/{id}?version=N``, one per past version: the sandbox's version list carries no
bodies, the stricter reading of confluence-api.md section 9, see docs/history.md).
Targets (issue 17): backfill requests <= pages with history + 2% of pages (holds only where the
version list carries bodies); an incremental run after 10 edits <= 25 requests.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_bench import peak_rss_kb  # noqa: E402

LIST_ROUTE = "GET /wiki/api/v2/pages/{id}/versions"
VERSION_ROUTE = "GET /wiki/api/v2/pages/{id}"


def child(base_url: str, out: str, email: str, token: str, result: str) -> None:
    """Run one export with history (in a child process); write its summary and peak RSS."""
    import logging

    from exporter.auth.connect import Connection
    from exporter.auth.httpauth import ApiTokenAuth
    from exporter.config.settings import ApiConfig, AuthConfig, Config, Endpoints, OutputConfig
    from exporter.run.pipeline import export

    # A classic API token on the site itself, as connect() would find it (no login round trip).
    conn = Connection(base_url + "/wiki", base_url, None, "basic", ApiTokenAuth(email, token))

    config = Config(
        site=base_url,
        auth=AuthConfig(method="basic", email=email, api_token=token),
        spaces="all",
        output=OutputConfig(dir=Path(out), format="docs", flavor="mkdocs", history="git"),
        api=ApiConfig(endpoints=Endpoints(api=base_url, site=base_url)),
    )
    logging.basicConfig(
        level=logging.INFO, format="    [export %(relativeCreated)6.0f ms] %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    summary = export(config, out=Path(out), connection=conn)
    data = summary.as_dict()
    data.pop("plan", None)
    data["wall_s"] = round(time.perf_counter() - started, 2)
    data["peak_rss_mb"] = round(peak_rss_kb() / 1024, 1)
    Path(result).write_text(json.dumps(data))


def add_versions(store: Any, versions: int) -> int:
    """Give every synthetic page ``versions`` versions in all (three authors, some messages)."""
    authors = sorted(store.users)[:3] or [store.default_author]
    pages = [r for r in store.content.values() if r.type == "page" and r.status == "current"]
    for record in pages:
        start = record.version.created_at
        for n in range(record.version.number + 1, versions + 1):
            store.update_content(
                record.id,
                body=record.body + f"<p>Revision {n} of {record.title}.</p>",
                author=authors[n % len(authors)],
                message=f"Revision {n}" if n % 3 == 0 else "",
                minor_edit=n % 4 == 0,
                when=start + timedelta(hours=n),
            )
    return len(pages)


def measured(handle: Any, out: Path, label: str) -> dict[str, Any]:
    handle.reset_stats()
    result = out.parent / "result.json"
    ready = handle.ready
    cmd = [sys.executable, __file__, "--child", handle.base_url, str(out), ready["email"],
           ready["api_token"], str(result)]  # fmt: skip
    subprocess.run(cmd, check=True)
    summary: dict[str, Any] = json.loads(result.read_text())
    stats = handle.stats()
    routes = stats["by_route"]
    commits = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=out.parent, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"{label}: wall {summary['wall_s']} s, requests {stats['requests']} (version lists "
        f"{routes.get(LIST_ROUTE, 0)}, single pages and past versions {routes.get(VERSION_ROUTE, 0)}), "
        f"points {stats['points']}, peak RSS {summary['peak_rss_mb']} MB, commits now {commits}"
    )
    return stats


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:7])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: temp dir)")
    args = parser.parse_args()

    from exporter.sandbox import SandboxOptions, start_sandbox

    options = SandboxOptions(seed=None, synthetic_pages=args.pages, latency_ms=args.latency_ms)
    work = args.keep or Path(tempfile.mkdtemp(prefix="history-bench-"))
    repo = work / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    out = repo / "export"
    with start_sandbox(options) as handle:
        pages = add_versions(handle.store, args.versions)
        print(f"sandbox: {pages} pages x {args.versions} versions, latency {args.latency_ms} ms")
        stats = measured(handle, out, "backfill")
        print(
            f"  requests {stats['requests']} vs target <= {pages * 1.02:.0f} (pages with history "
            f"+ 2%); points {stats['points']}"
        )
        measured(handle, out, "no-change re-run")
        syn = [r for r in handle.store.walk_space("SYN") if r.type == "page"]
        authors = sorted(handle.store.users)[:3]
        for n, record in enumerate(syn[5 : 5 + 70 : 7][:10]):
            handle.sandbox.clock.advance(60)
            handle.http.post(
                f"/__sandbox/pages/{record.id}/versions",
                json={"body": record.body + "<p>Edited.</p>", "author": authors[n % 3],
                      "message": f"Edit {n}"},
            ).raise_for_status()  # fmt: skip
        stats = measured(handle, out, "incremental after 10 edits by 3 authors")
        print(f"  requests {stats['requests']} vs target <= 25")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
