"""Oversized input, scaled down (bench/reliability.py --long runs the full sizes): a 1 MB body,
300 attachments on one page and an 80 MB attachment export with bounded memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exporter.sandbox import SandboxHandle

from .helpers import ROOT, write_config
from .oversized import (
    add_big_attachment_page,
    add_big_body_page,
    add_many_attachments_page,
    measure_export,
)

BIG = 80 * 1024 * 1024
FILES = 300


def test_huge_body_many_attachments_and_a_big_file_export_with_bounded_memory(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory(seed=ROOT / "tests" / "sandbox" / "seeds" / "tiny")
    add_big_body_page(sb, 1.0)
    add_many_attachments_page(sb, FILES)
    add_big_attachment_page(sb, BIG)
    config = write_config(sb, tmp_path, output={"attachments": "all"})
    result = measure_export(config)
    assert result.code == 0, result.stderr
    docs = tmp_path / "out" / "docs"
    big = [p for p in docs.rglob("big.bin")]
    assert len(big) == 1 and big[0].stat().st_size == BIG
    assert len([p for p in docs.rglob("file-*.txt")]) == FILES
    huge = [p for p in docs.rglob("huge-page*.md")]
    assert len(huge) == 1 and huge[0].stat().st_size > 500_000
    # The 80 MB file was streamed to disk, never held whole in memory.
    assert 0 < result.peak_rss_mb < 100, result.peak_rss_mb


def test_many_attachments_on_one_page_keep_open_files_bounded(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory(seed=ROOT / "tests" / "sandbox" / "seeds" / "tiny")
    add_many_attachments_page(sb, FILES)
    result = measure_export(write_config(sb, tmp_path, output={"attachments": "all"}))
    assert result.code == 0, result.stderr
    assert result.peak_fds < 100, f"{result.peak_fds} files open at once for {FILES} attachments"
