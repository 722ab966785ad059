"""The render cache: what an unchanged page contributes, kept so it need not be rendered again.

A scheduled export re-renders the site after every run, mostly over pages that did not change.
The cache, ``<cache dir>/<site key>.jsonl`` (the caller names the folder: the export and the
``site`` command pass ``OUT/.confluence-export/site-cache``, beside the docs folder and never in
the served site; without one nothing is kept), is JSON lines: a header with the site's :func:`fingerprint`, one line per
page (``{"d": digest, "s": source, "x": broken links}``, a tab, its search-index entry) and a
trailer with checksums of the lines above and of the ``search-index.js`` written with them.

A page is reused only when the fingerprint (everything but page bodies that shapes a page) is
the same and its Markdown bytes are too. A missing, damaged or foreign cache loads as empty:
a full render, never an error. The old cache is removed before a render starts, so a render
that stops half-way leaves none behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import IO

import exporter
from exporter._fs import clean_leftovers, temp_path
from exporter.site.search import INDEX_HEAD, INDEX_TAIL
from exporter.site.source import DocsTree, SiteNode

__all__ = ["CACHE_VERSION", "CachedPage", "RenderCache", "cache_path", "fingerprint", "load_cache"]

CACHE_VERSION = 1
LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "pygments", "nh3", "jinja2", "markupsafe")


@dataclass(frozen=True, slots=True)
class CachedPage:
    """What one rendered page left behind: its Markdown digest, broken links, search entry."""

    digest: str
    broken: tuple[str, ...]
    entry: bytes  # UTF-8 JSON (search.search_entry): 20,000 of them are held on a re-render


def cache_path(cache_dir: Path, site_dir: Path) -> Path:
    """The cache file in ``cache_dir`` for renders into ``site_dir`` (one per site folder)."""
    key = hashlib.sha256(str(site_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_dir / f"{key}.jsonl"


def fingerprint(
    tree: DocsTree,
    docs_dir: Path,
    *,
    flavor: str,
    site_name: str,
    templates: Path,
    extra: object = None,
) -> str:
    """A digest of every render input except page bodies: any change means a full render.

    Covers the tree (order, titles, positions, output paths, the front matter pages show, their
    attachments and sizes), the files copied, flavor, site name, the templates, this package's
    site code and version, the versions of the libraries that turn Markdown into HTML, and
    ``extra`` (JSON: what else the pages show, e.g. the spaces' names and descriptions).
    """
    h = hashlib.sha256()

    def put(*parts: object) -> None:
        h.update(json.dumps(parts, ensure_ascii=False).encode("utf-8") + b"\n")

    put(CACHE_VERSION, exporter.__version__, flavor, site_name, extra)
    for dist in LIBRARIES:
        put(dist, _version(dist))
    code = Path(__file__).resolve().parent
    for path in sorted([*templates.rglob("*"), *code.glob("*.py")]):
        if path.is_file():
            put(path.name, hashlib.sha256(path.read_bytes()).hexdigest())
    _put_node(tree.root, 0, put, docs_dir)
    put("files", tree.files)
    return h.hexdigest()


def _put_node(node: SiteNode, depth: int, put: Callable[..., None], docs_dir: Path) -> None:
    page = node.page
    put(depth, node.key, node.title, node.position, page is not None)
    if page is not None:
        sizes = [(docs_dir / rel).stat().st_size for rel in page.assets]
        put(page.source, page.output, page.title, page.position, page.source_url)
        put(page.updated, page.author, page.labels, page.space, page.assets, sizes)
        if page.body_start < 0:
            put(page.body)  # a generated page (the home page) holds its body
    for child in node.children:
        _put_node(child, depth + 1, put, docs_dir)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def load_cache(path: Path | None, fingerprint: str, index_file: Path) -> dict[str, CachedPage]:
    """The cached pages by source path, or ``{}`` when the cache cannot be trusted.

    Trusted means: present, every line intact (checksum), written for this fingerprint, and
    ``index_file`` (the site's ``search-index.js``) still the one written with it. Read line by
    line: the cache of a big site is tens of megabytes.
    """
    if path is None:
        return {}
    try:
        pages: dict[str, CachedPage] = {}
        sha = hashlib.sha256()
        with path.open("rb") as fh:
            head = fh.readline()
            if json.loads(head) != {"fingerprint": fingerprint, "v": CACHE_VERSION}:
                return {}
            sha.update(head)
            trailer = b""
            for line in fh:
                if not line.endswith(b"\n") or trailer:
                    return {}  # cut short, or lines after the trailer
                if b"\t" not in line:
                    trailer = line
                    continue
                sha.update(line)
                meta_text, entry = line[:-1].split(b"\t", 1)
                meta = json.loads(meta_text)
                broken = tuple(str(b) for b in meta["x"])
                pages[str(meta["s"])] = CachedPage(str(meta["d"]), broken, entry)
        check = json.loads(trailer)
        if check.get("sha") != sha.hexdigest() or check.get("index") != _file_sha(index_file):
            return {}
        return pages
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _file_sha(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


class RenderCache:
    """Writes the new cache and ``search-index.js`` side by side while pages render.

    Both are temporary files until :meth:`commit` (in a work folder named by ``_fs.temp_path``,
    renamed into place); without a cache path, or an unusable one, they live in a temporary
    folder and the cache is not kept.
    """

    def __init__(self, path: Path | None, fingerprint: str) -> None:
        self.path = path
        try:
            if path is None:
                raise FileNotFoundError("no cache folder")
            path.unlink(missing_ok=True)  # a render that stops half-way must leave no cache
            path.parent.mkdir(parents=True, exist_ok=True)
            clean_leftovers(path.parent)  # work folders of a killed render
            self.work = temp_path(path)
            self.work.mkdir()
            self.keep = True
        except OSError:
            self.work = Path(tempfile.mkdtemp(prefix="confluence-export-site-"))
            self.keep = False
        self.index_file = self.work / "search-index.js"
        self._cache: IO[bytes] = open(self.work / "cache.jsonl", "wb")  # noqa: SIM115
        self._index: IO[bytes] = open(self.index_file, "wb")  # noqa: SIM115
        self._cache_sha = hashlib.sha256()
        self._count = 0
        self._line(_json({"fingerprint": fingerprint, "v": CACHE_VERSION}).encode("utf-8"))

    def __enter__(self) -> RenderCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cache.close()
        self._index.close()
        for child in self.work.iterdir():
            child.unlink()
        self.work.rmdir()

    def add(self, source: str, page: CachedPage) -> None:
        """Record one page, in page order: its cache line and its search-index entry."""
        meta = {"d": page.digest, "s": source, "x": list(page.broken)}
        self._line(_json(meta).encode("utf-8") + b"\t" + page.entry)
        self._index.write(INDEX_HEAD.encode("utf-8") if not self._count else b",")
        self._index.write(page.entry)
        self._count += 1

    def close_index(self) -> Path:
        """Finish ``search-index.js`` (in the work folder) and return its path."""
        if not self._count:
            self._index.write(INDEX_HEAD.encode("utf-8"))
        self._index.write(INDEX_TAIL.encode("utf-8"))
        self._index.close()
        return self.index_file

    def commit(self) -> None:
        """Keep the cache (after the site is written): checksums, then an atomic rename."""
        if not self.keep or self.path is None:
            return
        trailer = {"index": _file_sha(self.index_file), "sha": self._cache_sha.hexdigest()}
        self._cache.write(_json(trailer).encode("utf-8") + b"\n")
        self._cache.close()
        with contextlib.suppress(OSError):  # then no cache next time: a full render
            os.replace(self.work / "cache.jsonl", self.path)

    def _line(self, data: bytes) -> None:
        self._cache.write(data + b"\n")
        self._cache_sha.update(data + b"\n")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
