"""Page conversion off the event loop: in a thread for small runs, worker processes for big ones.

Conversion is pure string-in, string-out, so a worker process needs only its own planned layout
(a ``DocsWriter`` that writes nothing) and a reader of the state's body cache (included pages).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from exporter.convert import convert_page
from exporter.docs.writer import DocsWriter
from exporter.models import ConvertedPage, NavTree, Page
from exporter.run.manifest import State
from exporter.signals import worker_signals

__all__ = ["MAX_WORKERS", "convert_in_worker", "process_pool", "set_writer"]

MAX_WORKERS = 4

_WORKER: dict[str, Any] = {}


def set_writer(writer: DocsWriter | None) -> None:
    """The writer conversions in this process use (None: forget it once the run is done)."""
    if writer is None:
        _WORKER.clear()
    else:
        _WORKER["writer"] = writer


def process_pool(writer: DocsWriter, tree: NavTree, out: Path) -> Executor | None:
    """Worker processes converting pages for ``writer`` (None on a single core)."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers <= 1:
        return None
    # fork: workers must not re-run the caller's __main__ (spawn would, in scripts).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_init,
        initargs=(_writer_args(writer, tree, out),),
    )


def _writer_args(w: DocsWriter, tree: NavTree, out: Path) -> dict[str, Any]:
    return {
        "media_types": w.media_types,
        "docs_root": w.docs_root,
        "tree": tree,
        "flavor": w.flavor,
        "site_url": w.site_url,
        "users": w.users,
        "attachments": w.attachments,
        "out": out,
    }


def _worker_init(args: dict[str, Any]) -> None:
    """Set up a conversion process: its own planned layout and a reader of the body cache."""
    worker_signals()
    _WORKER["writer"] = DocsWriter(
        args["docs_root"],
        args["tree"],
        args["flavor"],
        site_url=args["site_url"],
        users=args["users"],
        body_provider=State(out=args["out"]).get_body,
        attachments=args["attachments"],
        dry_run=True,
        media_types=args["media_types"],
    )


def convert_in_worker(
    page: Page, attachment_names: list[str]
) -> tuple[ConvertedPage, set[str], set[tuple[str, str]]]:
    """Convert one page where the worker's writer lives; returns its link dependencies too."""
    writer = _WORKER["writer"]
    writer.register_attachments(page.id, attachment_names)
    resolver = writer.resolver(page)
    converted = convert_page(page, flavor=writer.flavor, resolver=resolver)
    return converted, set(resolver.dependencies), set(resolver.attachment_refs)
