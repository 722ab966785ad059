"""Oversized content for the sandbox (huge bodies, many or huge attachments) and a way to
measure what a CLI export of it costs: wall time and the exporter process's peak memory."""

from __future__ import annotations

import os
import subprocess
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
    page = sb.store.add_content(key, "Many files", "<p>Many files.</p>", parent_id=parent, when=when)
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


def measure_export(config_path: Path, *args: str, timeout: float = 3600) -> Measured:
    """Run ``export`` as a child process; its own peak RSS comes from ``wait4``'s rusage."""
    started = time.monotonic()
    child = subprocess.Popen(
        cli_command(config_path, "export", *args),
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    stderr = child.stderr.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        child.returncode, time.monotonic() - started, usage.ru_maxrss / 1024, stderr[-2000:]
    )
