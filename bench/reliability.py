"""The reliability and security campaign's figures (issue 8): faults, auth, kills, disk, hostile
input, fuzzing and oversized content, run against the sandbox and printed as a table.

    python bench/reliability.py                      # the short scenarios (a few minutes)
    python bench/reliability.py --long               # plus full-size oversized content
    python bench/reliability.py --fuzz-seconds 300   # plus a fuzzing run
    python bench/reliability.py --write-docs         # regenerate docs/reliability.md

Each scenario mirrors a test in tests/reliability/ (named in the table) and measures what that
test asserts: pages exported against expected, retries, peak memory of the exporter, time.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from exporter.errors import ExportError  # noqa: E402, I001
from exporter.sandbox import SandboxHandle, SandboxOptions, start_sandbox  # noqa: E402
from reliability import fuzzing, oversized  # type: ignore[attr-defined]  # noqa: E402
from reliability.helpers import (  # noqa: E402
    edit_some_pages,
    kill_round,
    oauth_login,
    revoke_all_families,
    run_cli,
    run_inprocess,
    token_file_is_valid,
    tree_hashes,
    when_requests,
    write_config,
)

DOCS = ROOT / "docs" / "reliability.md"
# Findings still open (test id, what is wrong); each has a non-strict xfail test. The five
# found by this campaign (failed attachments not retried, open files and gate wake-ups with
# many attachments, orphan task tracebacks, read-only output traceback, 429 on every attempt)
# are fixed and their tests now assert the behaviour.
FINDINGS: list[tuple[str, str]] = []
TINY = ROOT / "tests" / "sandbox" / "seeds" / "tiny"


@dataclass
class Row:
    """One line of the table: what was run, which test asserts it, and what was measured."""

    scenario: str
    test: str
    pages: str = ""
    retries: str = ""
    peak_mb: str = ""
    seconds: float = 0.0
    result: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _clean(sb: SandboxHandle, folder: Path) -> dict[str, str]:
    limits = sb.sandbox.limits
    limits.fail_rate, limits.latency_ms, limits.burst, limits.points_per_hour = 0, 0, None, None
    limits.queue.clear()
    run_inprocess(write_config(sb, folder / "clean"))
    return tree_hashes(folder / "clean" / "out")


def _same(a: dict[str, str], b: dict[str, str]) -> str:
    return "equal to a clean export" if a == b else "DIFFERS from a clean export"


def faults(tmp: Path, pages: int = 200) -> Row:
    """10% faults (5xx, resets, truncated bodies) plus 0/250 ms latency spikes."""
    with start_sandbox(SandboxOptions(seed=None, synthetic_pages=pages, attachments_per_page=1,
                                      fail_rate=0.1)) as sb:  # fmt: skip
        stop = False

        def spikes() -> None:
            while not stop:
                sb.sandbox.limits.latency_ms = 250 if sb.sandbox.limits.latency_ms == 0 else 0
                time.sleep(0.2)

        import threading

        threading.Thread(target=spikes, daemon=True).start()
        started = time.monotonic()
        s = run_inprocess(write_config(sb, tmp / "faults"))
        took = time.monotonic() - started
        stop = True
        injected = sum(sb.stats()["faults"].values())
        same = _same(tree_hashes(tmp / "faults" / "out"), _clean(sb, tmp))
    return Row("10% faults + latency spikes", "test_faults.py::test_ten_percent_faults_with_latency_spikes_lose_no_page_or_attachment",
               f"{s.pages_exported}/{pages}, attachments {s.attachments_downloaded}/{pages}",
               f"{s.retries} ({injected} faults injected)", "", took, same)  # fmt: skip


def storm(tmp: Path, retry_after: bool) -> Row:
    """A 429 storm: the burst bucket (Retry-After: 1) or 20 queued 429s without the header."""
    options = SandboxOptions(rate_limit_burst=4) if retry_after else SandboxOptions()
    with start_sandbox(options) as sb:
        trigger = None if retry_after else when_requests(sb, 6, lambda: sb.inject("429", count=20))
        started = time.monotonic()
        s = run_inprocess(write_config(sb, tmp / "storm"))
        took = time.monotonic() - started
        if trigger:
            trigger.join()
        stats = sb.stats()
        throttled = stats["faults"].get("429", 0) or stats["status"].get("429", 0)
        same = _same(tree_hashes(tmp / "storm" / "out"), _clean(sb, tmp))
    name = "429 storm with Retry-After (burst 4/s)" if retry_after else "429 storm, no Retry-After"
    test = ("test_burst_429_storm_with_retry_after_is_waited_out" if retry_after
            else "test_429_storm_without_retry_after_backs_off_and_finishes")  # fmt: skip
    return Row(name, f"test_faults.py::{test}", f"{s.pages_exported}/{s.pages_exported + s.pages_failed}",
               f"{s.retries} ({throttled} answered 429)", "", took, same)  # fmt: skip


def budget(tmp: Path) -> Row:
    """A 110-point hourly budget (the sample costs ~140): exit 75, then runs until finished."""
    with start_sandbox(SandboxOptions(points_per_hour=110)) as sb:
        now = sb.sandbox.clock.time()
        sb.advance_clock(3600 - now % 3600 + 5)
        config = write_config(sb, tmp / "budget")
        started = time.monotonic()
        codes = [run_cli(config, "export").code]
        while codes[-1] == 75 and len(codes) < 10:
            sb.advance_clock(3600)
            codes.append(run_cli(config, "export").code)
        took = time.monotonic() - started
        same = _same(tree_hashes(tmp / "budget" / "out"), _clean(sb, tmp))
    return Row("points budget runs out mid-export", "test_faults.py::test_points_budget_exhausted_mid_export_exits_75_then_next_budget_finishes_the_job",
               "", "", "", took, f"exit codes per hourly run {codes}; {same}")  # fmt: skip


def auth(tmp: Path) -> list[Row]:
    """Access tokens living 1 s; then the token family revoked mid-export."""
    rows = []
    with start_sandbox(SandboxOptions(access_token_ttl=1, latency_ms=40)) as sb:
        config = write_config(sb, tmp / "ttl", method="oauth")
        oauth_login(sb, config)
        started = time.monotonic()
        s = run_inprocess(config)
        st = sb.stats()
        rows.append(Row("access token expires every second", "test_auth_faults.py::test_access_token_expiring_every_second_is_refreshed_without_reuse_or_revocation",
                        f"{s.pages_exported}/{s.pages_exported + s.pages_failed}", "",
                        "", time.monotonic() - started,
                        f"{st['by_route'].get('POST /oauth/token', 0)} refreshes, refresh_reuse "
                        f"{st['refresh_reuse']}, revoked_families {st['revoked_families']}"))  # fmt: skip
    with start_sandbox(SandboxOptions(access_token_ttl=1, latency_ms=60)) as sb:
        config = write_config(sb, tmp / "revoke", method="oauth")
        oauth_login(sb, config)
        revoker = when_requests(sb, 4, lambda: revoke_all_families(sb))
        started = time.monotonic()
        r = run_cli(config, "export")
        revoker.join()
        line = next((x for x in r.stderr.splitlines() if x.startswith("Error:")), "")
        rows.append(Row("refresh token revoked mid-export", "test_auth_faults.py::test_refresh_token_revoked_mid_export_exits_4_naming_login_and_keeps_token_file_valid",
                        "", "", "", time.monotonic() - started,
                        f"exit {r.code}; token file valid: {token_file_is_valid(config)}; "
                        f"`{line[:90]}...`"))  # fmt: skip
    return rows


def kills(tmp: Path, rounds: int) -> Row:
    """SIGKILL at random moments (tokens rotating every second), each followed by a normal run."""
    with start_sandbox(SandboxOptions(access_token_ttl=1, latency_ms=25)) as sb:
        config = write_config(sb, tmp / "kill", method="oauth")
        oauth_login(sb, config)
        rng = random.Random(30)
        started = time.monotonic()
        results = []
        for n in range(rounds):
            edit_some_pages(sb, rng, n)
            results.append(kill_round(config, rng, full=n % 2 == 1, window_s=1.5))
            run_inprocess(config)
        took = time.monotonic() - started
        run_inprocess(write_config(sb, tmp / "killclean"), full=True)
        same = _same(tree_hashes(tmp / "kill" / "out"), tree_hashes(tmp / "killclean" / "out"))
        revoked = sb.stats()["revoked_families"]
    landed = sum(r.killed for r in results)
    valid = sum(r.token_valid for r in results)
    truthful = sum(r.recorded_files_present for r in results)
    return Row(f"SIGKILL x{rounds} + rerun", "test_sigkill.py::test_export_killed_at_random_moments_then_rerun_equals_a_clean_export",
               "", "", "", took,
               f"{landed}/{rounds} kills mid-export; token file valid {valid}/{rounds}; manifest "
               f"truthful {truthful}/{rounds}; revoked_families {revoked}; final docs {same}")  # fmt: skip


def pytest_row(scenario: str, target: str) -> Row:
    """Run one test file (or node) and report its outcome line and time."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target],
                          cwd=ROOT, capture_output=True, text=True, check=False)  # fmt: skip
    tail = (proc.stdout.strip().splitlines() or [""])[-1]
    return Row(scenario, target.replace("tests/reliability/", ""), seconds=time.monotonic() - started,
               result=tail.strip("= "))  # fmt: skip


def oversized_rows(tmp: Path, long: bool, timeout: float = 900) -> list[Row]:
    """Huge body, many attachments, a huge attachment, many pages: time and peak RSS."""
    if long:
        cases = [("20 MB page body", "body", 20.0), ("10,000 attachments on one page", "many", 10_000),
                 ("2 GB attachment", "big", 2 * 1024**3), ("50,000 pages", "pages", 50_000)]  # fmt: skip
    else:
        cases = [("2 MB page body", "body", 2.0), ("1,000 attachments on one page", "many", 1000),
                 ("256 MB attachment", "big", 256 * 1024**2), ("2,000 pages", "pages", 2000)]  # fmt: skip
    rows = []
    for label, kind, size in cases:
        options = (SandboxOptions(seed=None, synthetic_pages=int(size)) if kind == "pages"
                   else SandboxOptions(seed=TINY))  # fmt: skip
        built = time.monotonic()
        with start_sandbox(options) as sb:
            if kind == "body":
                oversized.add_big_body_page(sb, float(size))
            elif kind == "many":
                oversized.add_many_attachments_page(sb, int(size))
            elif kind == "big":
                oversized.add_big_attachment_page(sb, int(size))
            built = time.monotonic() - built
            config = write_config(sb, tmp / f"over-{kind}", output={"attachments": "all"})
            m = oversized.measure_export(config, timeout=timeout)
            expected = len([r for r in sb.store.all_content() if r.type != "folder"])
        docs = tmp / f"over-{kind}" / "out" / "docs"
        pages = len(list(docs.rglob("*.md"))) if docs.exists() else 0
        files = [p for p in docs.rglob("*") if p.is_file()] if docs.exists() else []
        done = sum(1 for p in files if not p.name.endswith(".part") and p.suffix != ".md")
        outcome = f"exit {m.code}" if m.code != -9 else f"killed after {timeout:.0f} s"
        rows.append(Row(label, "test_oversized.py (scaled: 1 MB body, 300 files, 80 MB file)",
                        f"{pages} .md files / {expected} pages; {done} attachment files",
                        "", f"{m.peak_rss_mb:.0f}", m.seconds,
                        f"{outcome}; peak {m.peak_fds} open files (sandbox built in {built:.0f} s)"))  # fmt: skip
        print(_line(rows[-1]), flush=True)
    return rows


def _line(row: Row) -> str:
    return f"{row.scenario:<40} {row.seconds:7.1f}s  {row.pages:<28} {row.retries:<28} {row.peak_mb:>6}  {row.result}"


def markdown(rows: list[Row], argv: list[str]) -> str:
    """docs/reliability.md: the scenario table plus how to regenerate it."""
    head = (
        "# Reliability and security\n\n"
        "Evidence that the export survives faults, refuses hostile input, loses nothing and leaks "
        "nothing (issue 8). Every row is a test in `tests/reliability/` (run in CI) and a "
        "scenario of `bench/reliability.py`, which measured the figures below against the sandbox "
        "over loopback HTTP on a shared 2-core machine (times include other jobs' load).\n\n"
        "Regenerate with `python bench/reliability.py --write-docs` (short scenarios, 30 "
        "SIGKILL rounds); `--long` runs the oversized content at full size (20 MB body, 10,000 "
        "attachments on a page, a 2 GB attachment, 50,000 pages) and `--fuzz-seconds 300` adds "
        "the fuzzing run. Long runs can be saved (`--save FILE`) and merged (`--include FILE`). "
        f"This file: `python bench/reliability.py {' '.join(argv)}`.\n\n"
        "| scenario | test | pages exported / expected | retries | peak MB | time | result |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r.scenario} | `{r.test}` | {r.pages} | {r.retries} | {r.peak_mb} | "
        f"{r.seconds:.1f} s | {r.result.replace('|', '/')} |\n"
        for r in rows
    )
    tail = (
        "\nPeak MB is the exporter process's own high-water RSS (`VmHWM`, sampled every 20 ms); "
        "empty where the export ran inside the benchmark process.\n\n"
        "## Open findings\n\nEach is a test marked `xfail` (not strict) whose reason names the "
        "bug; it starts passing when the bug is fixed.\n\n"
        + ("".join(f"- `{test}`: {what}\n" for test, what in FINDINGS) or "None at the moment.\n")
    )
    return head + body + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--long", action="store_true", help="full-size oversized scenarios")
    parser.add_argument("--kills", type=int, default=30, help="SIGKILL rounds (default 30)")
    parser.add_argument("--fuzz-seconds", type=float, default=0, help="fuzzing budget (0: none)")
    parser.add_argument(
        "--only", help="comma-separated scenario groups to run ('none': only --include)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="per oversized export (s)")
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS.relative_to(ROOT)}")
    parser.add_argument("--save", type=Path, help="also save the rows as JSON here")
    parser.add_argument(
        "--include",
        type=Path,
        action="append",
        default=[],
        help="add rows saved by an earlier --save run (e.g. a separate --long run)",
    )
    args = parser.parse_args(argv)
    raw = argv if argv is not None else sys.argv[1:]
    groups: dict[str, Callable[[Path], list[Row]]] = {
        "faults": lambda t: [faults(t), storm(t / "a", True), storm(t / "b", False), budget(t)],
        "auth": auth,
        "kills": lambda t: [kills(t, args.kills)],
        "disk": lambda t: [pytest_row("disk full; read-only output", "tests/reliability/test_disk.py")],
        "change": lambda t: [pytest_row("content edited mid-export", "tests/reliability/test_content_change.py")],
        "properties": lambda t: [pytest_row("converter properties (hypothesis, 150 examples)", "tests/reliability/test_converter_properties.py"),
                                 pytest_row("fuzz findings kept as regressions", "tests/reliability/test_regressions.py")],
        "hostile": lambda t: [pytest_row("hostile seed: paths, symlinks, token file, site", "tests/reliability/test_hostile.py")],
        "secrets": lambda t: [pytest_row("no secret in streams/files (-v..-vvv, text/json/github)", "tests/reliability/test_secrets.py")],
        "oversized": lambda t: oversized_rows(t, args.long, args.timeout),
    }  # fmt: skip
    chosen = [] if args.only == "none" else args.only.split(",") if args.only else list(groups)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="reliability-") as folder:
        for name in chosen:
            tmp = Path(folder) / name
            tmp.mkdir()
            try:
                new = groups[name](tmp)
            except (ExportError, AssertionError, OSError) as exc:
                new = [Row(name, "", result=f"ERROR {type(exc).__name__}: {exc}"[:200])]
            for row in new:
                if name != "oversized":
                    print(_line(row), flush=True)
            rows += new
        if args.fuzz_seconds:
            half = args.fuzz_seconds / 2
            for report in (
                fuzzing.hypothesis_fuzz(half),
                fuzzing.atheris_fuzz(half, Path(folder) / "atheris"),
            ):
                print(json.dumps(report), flush=True)
                found = report.get("findings", [])
                rows.append(Row(f"fuzzing ({report['engine']})", "test_regressions.py",
                                seconds=float(report.get("seconds", 0)),
                                result=report.get("skipped") or f"{len(found)} new finding(s) {found}; "
                                f"{report.get('searches') or report.get('executions')} searches/executions"))  # fmt: skip
    for path in args.include:
        rows += [Row(**row) for row in json.loads(path.read_text("utf-8"))]
    if args.save:
        args.save.write_text(json.dumps([vars(r) for r in rows], indent=1), "utf-8")
    if args.write_docs:
        shown = [Path(a).name if "/" in a else a for a in raw if a != "--write-docs"]
        DOCS.write_text(markdown(rows, shown + ["--write-docs"]), "utf-8")
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
