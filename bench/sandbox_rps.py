"""Benchmark: small requests per second the sandbox serves on loopback.

Runs ``python -m exporter.sandbox`` as its own process (as benchmarks and the demo do), then
drives it from client processes over keep-alive connections with ``http.client`` (a light client,
so the figure measures the server). Prints requests/s per endpoint; the issue's target is
>= 1,000/s on a 2-core machine.

    python bench/sandbox_rps.py [--seconds 1.5] [--rounds 3] [--clients 2] [--synthetic-pages 0]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit


def _worker(
    base_url: str, auth: str, path: str, seconds: float, out: multiprocessing.Queue
) -> None:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    headers = {"Authorization": auth, "Accept": "application/json"}
    done = errors = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        else:
            errors += 1
    conn.close()
    out.put((done, errors))


def measure(base_url: str, auth: str, path: str, seconds: float, clients: int) -> tuple[float, int]:
    """Requests/s over ``clients`` keep-alive connections, and the count of non-200 answers."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_worker, args=(base_url, auth, path, seconds, queue))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = max(seconds, time.perf_counter() - started - 0.05)
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="length of one round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds per endpoint (shared CPUs are noisy)"
    )
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--synthetic-pages", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready.json"
        cmd = [sys.executable, "-m", "exporter.sandbox", "--ready-file", str(ready)]
        if args.synthetic_pages:
            cmd += ["--synthetic-pages", str(args.synthetic_pages)]
        server = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not ready.exists():
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("The sandbox did not start.")
                time.sleep(0.05)
            info = json.loads(ready.read_text())
            token = base64.b64encode(f"{info['email']}:{info['api_token']}".encode()).decode()
            auth = f"Basic {token}"
            key = info["spaces"][0]
            probe = http.client.HTTPConnection(
                urlsplit(info["base_url"]).hostname, urlsplit(info["base_url"]).port
            )
            probe.request("GET", f"/wiki/rest/api/space/{key}", headers={"Authorization": auth})
            space = json.loads(probe.getresponse().read())
            homepage = (
                space.get("_expandable", {})
                .get("homepage", "/rest/api/content/0")
                .rsplit("/", 1)[-1]
            )
            paths = {
                "v2 space list (limit=1)": "/wiki/api/v2/spaces?limit=1",
                "v2 page (no body)": f"/wiki/api/v2/pages/{homepage}",
                "v1 space": f"/wiki/rest/api/space/{key}",
                "tenant_info (no auth)": "/_edge/tenant_info",
            }
            print(
                f"sandbox {info['base_url']}: {args.clients} client processes, "
                f"{args.rounds} rounds of {args.seconds:.1f}s per endpoint (requests/s)"
            )
            for label, path in paths.items():
                rates = []
                errors = 0
                for _ in range(args.rounds):
                    rps, errs = measure(info["base_url"], auth, path, args.seconds, args.clients)
                    rates.append(rps)
                    errors += errs
                rates.sort()
                print(
                    f"  {label:28s} best {rates[-1]:6.0f}  median {rates[len(rates) // 2]:6.0f}"
                    f"  ({errors} errors)"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
