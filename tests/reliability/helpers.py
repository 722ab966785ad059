"""Shared plumbing of the reliability campaign: configs, exports, tree hashes, mid-run triggers.

The tests, and ``bench/reliability.py``, drive the real pipeline against the sandbox over
loopback HTTP. Exports run in-process (``exporter.run.pipeline.export``) when only the outcome
matters and as ``python -m exporter`` subprocesses when exit codes, streams or SIGKILL matter.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from exporter.auth.connect import connect
from exporter.auth.tokens import TokenSet, TokenStore
from exporter.config.settings import DEFAULT_SCOPES, Config, load_config
from exporter.run.pipeline import ExportSummary, export
from exporter.sandbox import SandboxHandle

ROOT = Path(__file__).resolve().parents[2]
STATE_DIR = ".confluence-export"
FAST = {"backoff_base": 0.05, "backoff_cap": 0.5}  # retries in tens of milliseconds
# An API token through the gateway (these configs set cloud_id) cannot list its scopes, so an
# export first sends one small request per need (exporter/confluence/access.py); request-count triggers
# start after them.
PREFLIGHT_REQUESTS = 6


def write_config(
    sb: SandboxHandle,
    folder: Path,
    *,
    method: str = "basic",
    out: Path | None = None,
    output: dict[str, Any] | None = None,
    api: dict[str, Any] | None = None,
) -> Path:
    """A config.yaml for this sandbox (Basic, or OAuth with a token file under ``folder``)."""
    ready = sb.ready
    base = ready["base_url"]
    data: dict[str, Any] = {
        "site": base,
        "cloud_id": ready["cloud_id"],
        "spaces": "all",
        "api": {"endpoints": {"auth": base, "api": base, "site": base}, **(api or {})},
        "output": {"dir": str(out or folder / "out"), "format": "docs", **(output or {})},
    }
    if method == "oauth":
        data["auth"] = {
            "method": "oauth",
            "client_id": ready["client_id"],
            "client_secret": ready["client_secret"],
            "token_file": str(folder / "private" / "tokens.json"),
        }
    else:
        # cloud_id set: the gateway, where API tokens are scoped ones (reference 1.7)
        data["auth"] = {
            "method": "basic",
            "email": ready["email"],
            "api_token": ready["scoped_api_token"],
        }
    path = folder / "config.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def oauth_login(sb: SandboxHandle, config_path: Path) -> TokenSet:
    """Write a token file as ``login`` would, minted by the sandbox without the browser dance."""
    config = load_config(config_path)
    minted = sb.mint_token({*DEFAULT_SCOPES, "offline_access"})
    now = time.time()
    tokens = TokenSet(
        refresh_token=minted["refresh_token"],
        access_token=minted["access_token"],
        expires_at=now + float(minted["expires_in"]),
        scope=minted["scope"],
        cloud_id=sb.ready["cloud_id"],
        site_url=sb.base_url,
        obtained_at=now,
        last_refresh_at=now,
        client_id=sb.ready["client_id"],
    )
    TokenStore(config.auth.token_file).save(tokens)
    return tokens


def token_file_is_valid(config_path: Path) -> bool:
    """True when the configured token file parses as a complete token set."""
    path = load_config(config_path).auth.token_file
    assert path is not None
    try:
        TokenSet.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def run_inprocess(config_path: Path, out: Path | None = None, **kw: Any) -> ExportSummary:
    """One export through the library API with fast retries; raises the pipeline's errors."""
    config: Config = load_config(config_path, {"output.dir": out} if out else None)
    options = {**FAST, **kw.pop("client_options", {})}
    return export(config, out=out, connection=connect(config), client_options=options, **kw)


@dataclass(frozen=True)
class CliResult:
    """What a ``python -m exporter`` run left: exit code and both streams."""

    code: int
    stdout: str
    stderr: str


def cli_command(config_path: Path, *args: str) -> list[str]:
    """The argv of ``python -m exporter --config CONFIG ARGS``."""
    return [sys.executable, "-m", "exporter", "--config", str(config_path), *args]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for CLI subprocesses: this checkout importable, no GitHub runner."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def run_cli(config_path: Path, *args: str, timeout: float = 120) -> CliResult:
    """Run the CLI in a subprocess and collect its exit code and output."""
    proc = subprocess.run(
        cli_command(config_path, *args),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=cli_env(),
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file below ``root`` by relative path, the state dir left out."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if STATE_DIR in rel.parts or not path.is_file():
            continue
        out[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def tree_diff(got: dict[str, str], want: dict[str, str]) -> str:
    """A short description of how two hashed trees differ (for assertion messages)."""
    missing = sorted(set(want) - set(got))[:5]
    extra = sorted(set(got) - set(want))[:5]
    changed = sorted(k for k in set(got) & set(want) if got[k] != want[k])[:5]
    return f"missing {missing}, extra {extra}, changed {changed}"


# ``spaces: all`` lists each of the three default space types with its own request, where one
# listing used to do; request counts below that meant "after the space listing" add these.
EXTRA_SPACE_LISTINGS = 2


def when_requests(sb: SandboxHandle, count: int, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` in a thread once the sandbox has answered ``count`` requests."""

    def wait_then_act() -> None:
        deadline = time.monotonic() + 60
        while sb.sandbox.stats.requests < count and time.monotonic() < deadline:
            time.sleep(0.005)
        action()

    thread = threading.Thread(target=wait_then_act, daemon=True)
    thread.start()
    return thread


def when_downloads_start(sb: SandboxHandle, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` in a thread once the first attachment reaches the media host: the scan
    is over whatever it cost (space listings, scope probes, trash listings)."""

    def started() -> bool:
        return sb.sandbox.stats.media["requests"] >= 1

    def wait_then_act() -> None:
        deadline = time.monotonic() + 60
        while not started() and time.monotonic() < deadline:
            time.sleep(0.002)
        action()

    thread = threading.Thread(target=wait_then_act, daemon=True)
    thread.start()
    return thread


def revoke_all_families(sb: SandboxHandle) -> int:
    """Revoke every OAuth token family (what Atlassian does on refresh-token reuse or revoke)."""
    oauth = sb.sandbox.oauth
    with oauth.lock:
        for family in oauth.families.values():
            family.revoked = True
        return len(oauth.families)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux ru_maxrss is in KB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class KillRound:
    """One SIGKILL round: when the kill landed and what it left behind."""

    delay_s: float
    killed: bool  # False when the export had already finished before the signal
    token_valid: bool
    recorded_files_present: bool


def edit_some_pages(sb: SandboxHandle, rng: Any, round_no: int, count: int = 4) -> None:
    """Give the next export work: new versions of a few pages (what a busy wiki does)."""
    pages = [r for r in sb.store.all_content() if r.type == "page"]
    for record in rng.sample(pages, min(count, len(pages))):
        body = f"<p>Edited in round {round_no}.</p><p>{'x' * rng.randint(10, 2000)}</p>"
        sb.store.update_content(record.id, body=body)


def kill_round(
    config_path: Path, rng: Any, *, full: bool = False, window_s: float = 2.0
) -> KillRound:
    """Start ``export`` as a subprocess, SIGKILL it at a random moment once it has begun."""
    import signal

    out = Path(load_config(config_path).output.dir)
    args = ["export", "--format", "docs", *(["--full"] if full else [])]
    child = subprocess.Popen(
        cli_command(config_path, *args),
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not _holds_lock(out, child.pid) and child.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)  # wait for the export itself, not the interpreter's start-up
    delay = rng.uniform(0.0, window_s)
    time.sleep(delay)
    killed = child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait()
    manifest = out / STATE_DIR / "manifest.json"
    present = True
    if manifest.exists():
        pages = json.loads(manifest.read_text(encoding="utf-8")).get("pages", {})
        present = all((out / name).is_file() for rec in pages.values() for name in rec["files"])
    if (out / STATE_DIR / "cache.sqlite").exists():  # records the run committed since its save
        from exporter.run.manifest import State

        records = State.load(out).pages.values()
        present = present and all((out / n).is_file() for rec in records for n in rec.files)
    return KillRound(delay, killed, token_file_is_valid(config_path), present)


def _holds_lock(out: Path, pid: int) -> bool:
    """True once process ``pid`` has taken the output's export lock (``export.lock.json``)."""
    try:
        info = json.loads((out / STATE_DIR / "export.lock.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and info.get("pid") == pid
