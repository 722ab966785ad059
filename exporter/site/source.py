"""Read an exported docs folder into a page tree the site renderer can walk.

The docs folder is the source of truth (the site shows what git holds), so this module knows
its layout: one folder per space, ``<slug>/index.md`` (``README.md`` for gfm) for a page with
children, ``<slug>.md`` for a leaf, attachments in ``<page file stem>.assets/`` beside the page,
YAML front matter on every page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from exporter.errors import ConfigError, OutputError

__all__ = [
    "DocPage",
    "DocsTree",
    "SiteNode",
    "output_path",
    "page_body",
    "read_docs",
    "split_front_matter",
]

INDEX_NAMES = ("index.md", "README.md", "index.mdx")
PAGE_SUFFIXES = (".md", ".mdx")
SKIPPED_FILES = frozenset({"_category_.json", "_category_.yml", "mkdocs.yml"})
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_H1 = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\r?\n|\Z)")
# libyaml when PyYAML was built with it: front matter of 20,000 pages parses ~10x faster.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class DocPage:
    """One Markdown file of the docs folder, with the front matter the site shows."""

    source: str  # docs-relative POSIX path of the .md file, e.g. "ENG/guide/index.md"
    output: str  # site-relative POSIX path of its HTML, e.g. "ENG/guide/index.html"
    title: str
    body: str  # Markdown without front matter ("" when left on disk: see ``body_start``)
    position: int | None = None
    source_url: str = ""
    updated: str = ""
    author: str = ""
    labels: tuple[str, ...] = ()
    space: str = ""
    assets: tuple[str, ...] = ()  # docs-relative paths of the files in its .assets folder
    digest: str = ""  # sha256 of the file's bytes: an unchanged page can skip re-rendering
    body_start: int = -1  # >= 0: the body is the file's text from here on (not held in memory)


@dataclass(frozen=True, slots=True)
class SiteNode:
    """A sidebar entry: a page, or a folder without an index page (a plain group)."""

    title: str
    key: str  # docs-relative path of the page file or of the folder; unique in the tree
    page: DocPage | None = None
    position: int | None = None
    children: tuple[SiteNode, ...] = ()

    def walk(self) -> Iterator[SiteNode]:
        """This node, then its descendants, depth first in sidebar order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class DocsTree:
    """The whole docs folder: the tree, its pages in order and the non-page files to copy."""

    root: SiteNode
    pages: tuple[DocPage, ...]  # depth-first tree order: the prev/next sequence
    files: tuple[str, ...]  # docs-relative paths of attachments and other files to copy
    parents: Mapping[str, str] = field(default_factory=dict)  # node key -> parent key


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split ``---`` YAML front matter from a Markdown text; bad YAML counts as none."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.load(match.group(1) or "", Loader=_YAML_LOADER) or {}  # a safe loader
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def output_path(source: str) -> str:
    """The site path of a page: ``a/README.md`` → ``a/index.html``, ``a/b.md`` → ``a/b.html``."""
    path = PurePosixPath(source)
    if path.name in INDEX_NAMES:
        return str(path.parent / "index.html") if str(path.parent) != "." else "index.html"
    return str(path.with_suffix(".html"))


def page_body(docs_dir: Path, page: DocPage) -> str:
    """The Markdown body of ``page``: read again from disk when ``read_docs`` left it there."""
    if page.body_start < 0:
        return page.body
    return _decode((docs_dir / page.source).read_bytes())[page.body_start :]


def _decode(raw: bytes) -> str:
    """A page's text as text-mode reading gives it: UTF-8 (bad bytes replaced), ``\n`` newlines."""
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def read_docs(docs_dir: Path) -> DocsTree:
    """Scan ``docs_dir`` into a :class:`DocsTree`, ordering siblings by position then title.

    Page bodies are not kept (20,000 pages of Markdown would be held until the render ends);
    :func:`page_body` reads one again when it is rendered.
    """
    if not docs_dir.is_dir():
        raise ConfigError(
            f"Docs folder {docs_dir} does not exist. Run `confluence-export export` first, "
            "or pass the folder that holds the exported Markdown."
        )
    files: list[str] = []
    try:
        root = _scan_dir(docs_dir, PurePosixPath("."), files)
    except OSError as exc:
        raise OutputError(
            f"Cannot read the docs folder {docs_dir}: {exc}. Check its permissions."
        ) from exc
    if root is None:
        root = SiteNode(title="Home", key="")
    pages = tuple(node.page for node in root.walk() if node.page is not None)
    parents = {child.key: node.key for node in root.walk() for child in node.children}
    return DocsTree(root=root, pages=pages, files=tuple(sorted(files)), parents=parents)


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name == "node_modules"


def _scan_dir(docs_dir: Path, rel: PurePosixPath, files: list[str]) -> SiteNode | None:
    """Build the node of one folder: its index page (if any) with pages and subfolders below."""
    folder = docs_dir / rel
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    names = {p.name for p in entries}
    index_name = next((n for n in INDEX_NAMES if n in names and (folder / n).is_file()), None)
    children: list[SiteNode] = []
    for entry in entries:
        child_rel = rel / entry.name
        if _is_hidden(entry.name) or entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.name.endswith(".assets"):
                files.extend(_list_files(docs_dir, child_rel))
                continue
            node = _scan_dir(docs_dir, child_rel, files)
            if node is not None:
                children.append(node)
        elif entry.suffix in PAGE_SUFFIXES and entry.name not in INDEX_NAMES:
            page = _read_page(docs_dir, child_rel)
            children.append(SiteNode(page.title, page.source, page, page.position))
        elif entry.suffix not in PAGE_SUFFIXES and entry.name not in SKIPPED_FILES:
            files.append(_key(child_rel))
    children.sort(key=_order)
    if index_name is not None:
        page = _read_page(docs_dir, rel / index_name)
        return SiteNode(page.title, page.source, page, page.position, tuple(children))
    if not children:
        return None
    title, position = _category(folder, rel)
    return SiteNode(title, _key(rel), None, position, tuple(children))


def _key(rel: PurePosixPath) -> str:
    text = str(rel)
    return "" if text == "." else text


def _order(node: SiteNode) -> tuple[bool, int, str, str]:
    return (node.position is None, node.position or 0, node.title.casefold(), node.key)


def _list_files(docs_dir: Path, rel: PurePosixPath) -> list[str]:
    found = []
    for path in sorted((docs_dir / rel).rglob("*")):
        parts = path.relative_to(docs_dir).parts
        if path.is_file() and not path.is_symlink() and not any(_is_hidden(p) for p in parts):
            found.append(path.relative_to(docs_dir).as_posix())
    return found


def _category(folder: Path, rel: PurePosixPath) -> tuple[str, int | None]:
    """Label and position of a folder without an index page, from Docusaurus' category file."""
    title = rel.name or "Home"
    category = folder / "_category_.json"
    if category.is_file():
        try:
            data = json.loads(category.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            data = {}
        if isinstance(data, dict):
            return str(data.get("label") or title), _as_int(data.get("position"))
    return title, None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return str(value.get("display_name") or value.get("name") or "")
    return str(value)


def _web_url(value: object) -> str:
    """An http(s) URL from front matter, or "" (a ``javascript:`` link must never reach a page)."""
    text = _as_text(value).strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


def _read_page(docs_dir: Path, rel: PurePosixPath) -> DocPage:
    raw = (docs_dir / rel).read_bytes()
    text = _decode(raw)
    meta, body = split_front_matter(text)
    title = _as_text(meta.get("title") or meta.get("sidebar_label")).strip()
    heading = _H1.match(body)
    if heading and (not title or heading.group(1).strip() == title):
        title = title or heading.group(1).strip()
        body = body[heading.end() :]
    if not title:
        title = rel.parent.name if rel.name in INDEX_NAMES and rel.parent.name else rel.stem
    position = next(
        (
            _as_int(meta[k])
            for k in ("position", "sidebar_position", "nav_order")
            if _as_int(meta.get(k)) is not None
        ),
        None,
    )
    labels = meta.get("labels") or ()
    assets_rel = rel.with_name(rel.stem + ".assets")
    assets = _list_files(docs_dir, assets_rel) if (docs_dir / assets_rel).is_dir() else []
    return DocPage(
        source=str(rel),
        output=output_path(str(rel)),
        title=title,
        body="",
        position=position,
        source_url=_web_url(meta.get("source_url")),
        updated=_as_text(meta.get("updated")),
        author=_as_text(meta.get("author")),
        labels=tuple(str(x) for x in labels) if isinstance(labels, list | tuple) else (),
        space=_as_text(meta.get("space")),
        assets=tuple(assets),
        digest=hashlib.sha256(raw).hexdigest(),
        body_start=len(text) - len(body),
    )
