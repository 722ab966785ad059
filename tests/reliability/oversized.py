"""Oversized content for the sandbox (huge bodies, many or huge attachments) and a way to
measure what a CLI export of it costs: wall time and the exporter process's peak memory."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from exporter.sandbox import SandboxHandle

from .helpers import cli_command, cli_env

ROOT = Path(__file__).resolve().parents[2]
PARAGRAPH = (
    "<p>Paragraph {n}: the <strong>deploy</strong> pipeline promotes a <em>canary</em> to "
    "production once its error budget holds; see the runbook for rollback steps.</p>"
)


def space_root(sb: SandboxHandle) -> tuple[str, str]:
    """(space key, id of a top-level page) of the sandbox's first space."""
    home = next(r for r in sb.store.all_content() if r.type == "page" and r.parent_id is None)
    return home.space_key, home.id


def add_big_body_page(sb: SandboxHandle, megabytes: float) -> str:
    """A page whose storage body is about ``megabytes`` MB of ordinary paragraphs."""
    key, parent = space_root(sb)
    count = int(megabytes * 1_000_000 / len(PARAGRAPH.format(n=0)))
    body = "".join(PARAGRAPH.format(n=n) for n in range(count))
    when = sb.store.clock.now()
    return sb.store.add_content(key, "Huge page", body, parent_id=parent, when=when).id


def add_many_attachments_page(sb: SandboxHandle, count: int) -> str:
    """A page with ``count`` small attachments (export them with ``attachments: all``)."""
    key, parent = space_root(sb)
    when = sb.store.clock.now()
    page = sb.store.add_content(
        key, "Many files", "<p>Many files.</p>", parent_id=parent, when=when
    )
    for n in range(count):
        sb.store.add_attachment(page.id, f"file-{n:05d}.txt", f"file {n}\n".encode(), "text/plain",
                                when=when)  # fmt: skip
    return page.id


def add_big_attachment_page(sb: SandboxHandle, size: int) -> str:
    """A page showing one attachment of ``size`` bytes (a repeating pattern, not random)."""
    key, parent = space_root(sb)
    when = sb.store.clock.now()
    body = '<p>Big file</p><ac:link><ri:attachment ri:filename="big.bin"/></ac:link>'
    page = sb.store.add_content(key, "Big file", body, parent_id=parent, when=when)
    block = bytes(range(256)) * 4096
    data = block * (size // len(block)) + block[: size % len(block)]
    sb.store.add_attachment(page.id, "big.bin", data, "application/octet-stream", when=when)
    return page.id


@dataclass(frozen=True)
class Measured:
    """One measured CLI export."""

    code: int
    seconds: float
    peak_rss_mb: float
    stderr: str
    peak_fds: int = 0  # most file descriptors the exporter held open at once (sampled)


def _hwm_mb(pid: int) -> float | None:
    """The process's own peak RSS (``VmHWM``), or None once it has gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure_export(config_path: Path, *args: str, timeout: float = 3600) -> Measured:
    """Run ``export`` as a child process, sampling its peak RSS until it exits.

    ``VmHWM`` is read from /proc every 20 ms: ``wait4``'s ``ru_maxrss`` would include the
    parent's memory at fork time (Linux keeps the high-water mark across exec), and here the
    parent holds the sandbox with the oversized content.
    """
    started = time.monotonic()
    child = subprocess.Popen(
        cli_command(config_path, "export", *args),
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0.0
    fds = 0
    sampler_done = threading.Event()

    def sample() -> None:
        nonlocal peak, fds
        while not sampler_done.is_set():
            hwm = _hwm_mb(child.pid)
            if hwm is not None and child.poll() is None:
                peak = max(peak, hwm)
                with contextlib.suppress(OSError):
                    fds = max(fds, len(os.listdir(f"/proc/{child.pid}/fd")))
            sampler_done.wait(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        _out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()  # reported as exit -9
        _out, err = child.communicate()
    sampler_done.set()
    thread.join()
    stderr = err.decode("utf-8", "replace")
    return Measured(child.returncode, time.monotonic() - started, peak, stderr[-2000:], fds)
