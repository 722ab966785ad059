"""Storage-format XHTML to Markdown in four flavors (gfm, mkdocs, docusaurus, obsidian).

``convert_page`` serves the export pipeline, ``convert_storage`` the ``convert`` command and
tests; both are pure functions of their arguments, so big exports can fan pages out to a
``ProcessPoolExecutor`` (:func:`convert_many`).
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import TypeVar

from exporter.convert.converter import StorageConverter
from exporter.convert.escape import plain_markdown
from exporter.convert.flavors import FLAVORS, Emitter, emitter_for
from exporter.convert.resolve import Link, OfflineResolver, PageRef, Resolver, TreeItem
from exporter.convert.state import BREAK, PARAGRAPH, TOC_MARK, ConversionState
from exporter.errors import ConfigError
from exporter.models import ConvertedPage, Page

__all__ = [
    "FLAVORS",
    "Link",
    "OfflineResolver",
    "PageRef",
    "Resolver",
    "TreeItem",
    "convert_many",
    "convert_page",
    "convert_storage",
]

T = TypeVar("T")
_DEEP_STACK = 512 * 1024 * 1024
_DEEP_RECURSION = 400_000
_TOC = re.compile(TOC_MARK + r"([0-9]+)" + TOC_MARK)
_DANGLING_BREAK = re.compile(BREAK + r"[ \t]*(?=\n[ \t>]*\n|\n?$|\n[ \t]*(?:[-*+]|[0-9]+\.) )")
_TRAILING_WS = re.compile(r"[ \t]+$", re.M)


def convert_page(page: Page, *, flavor: str, resolver: Resolver) -> ConvertedPage:
    """Convert one page's storage body into Markdown plus what the writer needs to place it."""
    ref = PageRef(
        title=page.title,
        space_key=page.space_key,
        page_id=page.id,
        kind="blogpost" if page.kind == "blogpost" else "page",
    )
    markdown, state = _convert(page.body or "", flavor, resolver, ref)
    return ConvertedPage(
        page=page,
        markdown=markdown,
        front_matter=dict(state.front_matter),
        attachments=frozenset(state.attachments),
        warnings=tuple(state.warnings),
    )


def convert_storage(storage: str, *, flavor: str = "gfm", resolver: Resolver | None = None) -> str:
    """Markdown of a storage body; offline links when no resolver is given."""
    markdown, _ = _convert(storage, flavor, resolver or OfflineResolver(), None)
    return markdown


def convert_many(
    storages: Iterable[str], *, flavor: str = "gfm", max_workers: int | None = None
) -> list[str]:
    """Convert many offline bodies in parallel processes, results in input order."""
    with ProcessPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(partial(convert_storage, flavor=flavor), storages, chunksize=8))


def _convert(
    storage: str, flavor: str, resolver: Resolver, page: PageRef | None
) -> tuple[str, ConversionState]:
    if flavor not in FLAVORS:
        raise ConfigError(f"Unknown flavor {flavor!r}. Use one of: {', '.join(FLAVORS)}.")

    def run() -> tuple[str, ConversionState]:
        emitter = emitter_for(flavor)
        state = ConversionState(emitter=emitter, resolver=resolver, page=page)
        text = StorageConverter(state).convert(storage)
        return _finish(text, state, emitter), state

    return _with_deep_stack(run)


def _with_deep_stack(fn: Callable[[], T]) -> T:
    """Run ``fn``; if the tree is too deep for the default stack, rerun it on a big one."""
    try:
        return fn()
    except RecursionError:
        pass
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _DEEP_RECURSION))
        try:
            results.append(fn())
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
        finally:
            sys.setrecursionlimit(limit)

    previous = threading.stack_size(_DEEP_STACK)
    try:
        thread = threading.Thread(target=target, name="convert-deep")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous)
    if errors:
        raise errors[0]
    return results[0]


def _finish(text: str, state: ConversionState, emitter: Emitter) -> str:
    """Fill in tables of contents, spell hard breaks, trim the page."""
    if state.tocs:
        text = _TOC.sub(lambda m: _toc(state, emitter, int(m.group(1))), text)
    if BREAK in text:
        text = _DANGLING_BREAK.sub("", text)
        text = text.replace(BREAK + "\n", emitter.hard_break).replace(BREAK, "")
    text = text.replace(PARAGRAPH, " ")
    if emitter.hard_break != "  \n":
        text = _TRAILING_WS.sub("", text)
    text = text.strip("\n")
    return text + "\n" if text else ""


def _toc(state: ConversionState, emitter: Emitter, index: int) -> str:
    low, high = state.tocs[index]
    used: dict[str, int] = {}
    entries = []
    for level, markdown in state.headings:
        text = plain_markdown(markdown)
        ident = emitter.heading_id(text, used)
        if low <= level <= high and text:
            entries.append((level, text, ident))
    if not entries:
        return ""
    base = min(level for level, _, _ in entries)
    step = max(2, emitter.list_indent)
    return "\n".join(
        " " * (step * (level - base)) + "- " + emitter.heading_link(text, ident)
        for level, text, ident in entries
    )
