"""Storage-format XHTML to Markdown in four flavors (gfm, mkdocs, docusaurus, obsidian).

``convert_page`` serves the export pipeline, ``convert_storage`` the ``convert`` command and
tests, ``convert_rendered_html`` HTML that Confluence rendered (markdownify in the flavor's
spelling); all are pure functions of their arguments, so big exports can fan pages out to a
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

from exporter.convert import converter
from exporter.convert.anchors import HeadingIndex
from exporter.convert.converter import NotStreamable, StorageConverter
from exporter.convert.emitter import Emitter
from exporter.convert.escape import plain_markdown
from exporter.convert.flavors import FLAVORS, emitter_for
from exporter.convert.marks import ANCHOR_MARK, BREAK, PARAGRAPH, TOC_MARK
from exporter.convert.rendered import convert_rendered_html
from exporter.convert.resolve import Link, OfflineResolver, PageRef, Resolver, TreeItem
from exporter.convert.state import ConversionState
from exporter.errors import ConfigError
from exporter.models import ConvertedPage, Page
from exporter.warnings import BROKEN_ANCHOR, PageWarning

__all__ = [
    "FLAVORS",
    "Link",
    "OfflineResolver",
    "PageRef",
    "Resolver",
    "TreeItem",
    "convert_body",
    "convert_many",
    "convert_page",
    "convert_rendered_html",
    "convert_storage",
]

T = TypeVar("T")
_DEEP_STACK = 512 * 1024 * 1024
_DEEP_RECURSION = 400_000
_TOC = re.compile(TOC_MARK + r"([0-9]+)" + TOC_MARK)
_ANCHOR = re.compile(ANCHOR_MARK + r"([^" + ANCHOR_MARK + r"]*)" + ANCHOR_MARK)
_DANGLING_BREAK = re.compile(BREAK + r"[ \t]*(?=\n[ \t>]*\n|\n?$|\n[ \t]*(?:[-*+]|[0-9]+\.) )")
_TRAILING_WS = re.compile(r"[ \t]+$", re.M)
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")


def convert_page(page: Page, *, flavor: str, resolver: Resolver) -> ConvertedPage:
    """Convert one page's storage body into Markdown plus what the writer needs to place it."""
    ref = PageRef(
        title=page.title,
        space_key=page.space_key,
        page_id=page.id,
        kind="blogpost" if page.kind == "blogpost" else "page",
    )
    markdown, state = _convert(page.body or "", flavor, resolver, ref, page.url)
    warnings = tuple(
        PageWarning(code, message, page_id=page.id, title=page.title, url=page.url)
        for code, message in state.warnings
    )
    return ConvertedPage(
        page=page,
        markdown=markdown,
        front_matter=dict(state.front_matter),
        attachments=frozenset(state.attachments),
        warnings=warnings,
    )


def convert_storage(storage: str, *, flavor: str = "gfm", resolver: Resolver | None = None) -> str:
    """Markdown of a storage body; offline links when no resolver is given."""
    return convert_body(storage, flavor=flavor, resolver=resolver)[0]


def convert_body(
    storage: str, *, flavor: str = "gfm", resolver: Resolver | None = None
) -> tuple[str, tuple[PageWarning, ...]]:
    """Markdown of a storage body and its warnings (without a page: ids and paths empty)."""
    markdown, state = _convert(storage, flavor, resolver or OfflineResolver(), None)
    return markdown, tuple(PageWarning(code, message) for code, message in state.warnings)


def convert_many(
    storages: Iterable[str], *, flavor: str = "gfm", max_workers: int | None = None
) -> list[str]:
    """Convert many offline bodies in parallel processes, results in input order."""
    with ProcessPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(partial(convert_storage, flavor=flavor), storages, chunksize=8))


def _convert(
    storage: str, flavor: str, resolver: Resolver, page: PageRef | None, base_url: str = ""
) -> tuple[str, ConversionState]:
    if flavor not in FLAVORS:
        raise ConfigError(f"Unknown flavor {flavor!r}. Use one of: {', '.join(FLAVORS)}.")

    def run() -> tuple[str, ConversionState]:
        emitter = emitter_for(flavor)
        stream = len(storage) >= converter.STREAM_MIN_CHARS
        while True:
            state = ConversionState(
                emitter=emitter, resolver=resolver, page=page, base_url=base_url
            )
            try:
                text = StorageConverter(state).convert(storage, stream=stream)
            except NotStreamable:  # not strict XML: once more, whole, with what it recovers
                stream = False
                continue
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
    if state.tocs or ANCHOR_MARK in text:
        headings = _heading_ids(state, emitter)
        if state.tocs:
            text = _TOC.sub(lambda m: _toc(state, emitter, headings, int(m.group(1))), text)
        if ANCHOR_MARK in text:
            index = HeadingIndex([text for _, text, _ in headings])
            text = _ANCHOR.sub(
                lambda m: _anchor_href(m.group(1), state, emitter, headings, index), text
            )
    if BREAK in text:
        text = _DANGLING_BREAK.sub("", text)
        text = text.replace(BREAK + "\n", emitter.hard_break).replace(BREAK, "")
    text = text.replace(PARAGRAPH, " ")
    if emitter.hard_break != "  \n" and _TRAILING_WS.search(text):
        text = _strip_trailing_spaces(text)
    text = text.strip("\n")
    return text + "\n" if text else ""


def _strip_trailing_spaces(text: str) -> str:
    """Drop spaces at line ends (two of them would be a hard break), code blocks untouched."""
    lines = text.split("\n")
    fence = ""
    for i, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1).startswith(fence):
                fence = ""
            continue
        if match:
            fence = match.group(1)
        lines[i] = line.rstrip(" \t")
    return "\n".join(lines)


def _heading_ids(state: ConversionState, emitter: Emitter) -> list[tuple[int, str, str]]:
    """(level, visible text, id in the target renderer) of every heading, in page order."""
    used: dict[str, int] = {}
    result = []
    for level, markdown in state.headings:
        text = plain_markdown(markdown)
        result.append((level, text, emitter.heading_id(text, used)))
    return result


def _toc(
    state: ConversionState, emitter: Emitter, headings: list[tuple[int, str, str]], index: int
) -> str:
    low, high, include, exclude = state.tocs[index]
    # Confluence matches the whole heading text (Java's Pattern.matches).
    entries = [
        (lvl, text, ident)
        for lvl, text, ident in headings
        if low <= lvl <= high
        and text
        and (include is None or re.fullmatch(include, text))
        and not (exclude is not None and re.fullmatch(exclude, text))
    ]
    if not entries:
        return ""
    base = min(level for level, _, _ in entries)
    step = max(2, emitter.list_indent)
    return "\n".join(
        " " * (step * (level - base)) + "- " + emitter.heading_link(text, ident)
        for level, text, ident in entries
    )


def _anchor_href(
    name: str,
    state: ConversionState,
    emitter: Emitter,
    headings: list[tuple[int, str, str]],
    index: HeadingIndex,
) -> str:
    """A same-page anchor: an anchor macro's name, else the heading Confluence derived it from."""
    target = name
    if name not in state.anchors:
        title = state.page.title if state.page else None
        found = index.find(name, title)
        if found is not None:
            target = headings[found][2]
        else:
            state.warn(BROKEN_ANCHOR, f"links to anchor '#{name}', which no heading or anchor "
                       "on the page has")  # fmt: skip
    return emitter.fragment(target)
