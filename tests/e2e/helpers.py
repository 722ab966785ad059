"""Shared pieces of the end-to-end acceptance tests: exporting from a sandbox, reading trees.

Everything here runs the real pipeline over real loopback HTTP and inspects real files; the
link checkers are deliberately independent of the site and writer code they check.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, unquote_plus, urlsplit

import pytest
import yaml
from filelock import FileLock
from markdown_it import MarkdownIt
from markdown_it.token import Token

from exporter.config.settings import load_config
from exporter.errors import PartialExport
from exporter.run.pipeline import ExportSummary, export
from exporter.sandbox import SandboxHandle
from exporter.sandbox.store import ContentRecord, Store

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
HOSTILE_SEED = REPO / "tests" / "seeds" / "hostile"
STATE_DIR = ".confluence-export"
FLAVORS = ("gfm", "mkdocs", "docusaurus", "obsidian")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def shared_build(
    factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict[str, Any]]
) -> tuple[Path, dict[str, Any]]:
    """Build once per test session, even across xdist workers: (folder, JSON facts) of ``build``.

    The first worker to get here runs ``build(folder)``; the others wait on a file lock and
    reuse its folder and returned facts (pytest-xdist's recipe for once-only fixtures).
    """
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    root = base / f"e2e-{name}"
    with FileLock(f"{root}.lock"):
        facts_file = base / f"e2e-{name}.json"
        if facts_file.is_file():
            facts: dict[str, Any] = json.loads(facts_file.read_text(encoding="utf-8"))
            if "__error__" in facts:
                raise RuntimeError(
                    f"building {name} failed in another worker: {facts['__error__']}"
                )
            return root, facts
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        try:
            facts = build(root)
        except BaseException as error:
            facts_file.write_text(json.dumps({"__error__": repr(error)}), encoding="utf-8")
            raise
        facts_file.write_text(json.dumps(facts), encoding="utf-8")
        return root, facts


def run_export(
    sandbox: SandboxHandle,
    out: Path,
    *,
    flavor: str,
    fmt: str = "both",
    full: bool = False,
    allow_partial: bool = False,
    overrides: dict[str, object] | None = None,
) -> ExportSummary:
    """Export everything the sandbox serves (blog posts too, as the demo does) into ``out``."""
    config_path = sandbox.write_config(out.parent / f"{out.name}-config.yaml")
    config = load_config(config_path, {"output.blogposts": True, **(overrides or {})})
    try:
        return export(config, out=out, format=fmt, flavor=flavor, full=full)
    except PartialExport as error:
        if not allow_partial:
            raise
        summary: ExportSummary = error.summary  # type: ignore[attr-defined]
        return summary


def confluence_urls(sandbox: SandboxHandle) -> tuple[str, ...]:
    """Where the sandbox's Confluence lives: its public site URL and its loopback origin."""
    site = str(getattr(sandbox, "site_url", "") or sandbox.base_url)
    return tuple(dict.fromkeys((site.rstrip("/") + "/", sandbox.base_url + "/")))


def exported_space_keys(store: Store) -> list[str]:
    """The spaces ``spaces: all`` exports: current ones that are not personal spaces."""
    return [
        key
        for key, space in store.spaces.items()
        if space.type != "personal" and space.status == "current"
    ]


def current_content(store: Store, space_key: str | None = None) -> list[ContentRecord]:
    """Every current page, folder and blog post (what an export must contain), in store order."""
    keys = set(exported_space_keys(store))
    return [
        record
        for record in store.all_content()
        if record.status == "current"
        and record.space_key in keys
        and (space_key is None or record.space_key == space_key)
    ]


def tree_order(store: Store, space_key: str) -> list[str]:
    """Ids of a space's current pages and folders, depth first in Confluence's manual order."""
    return [r.id for r in store.walk_space(space_key) if r.status == "current"]


def front_matter(path: Path) -> dict[str, object]:
    """The YAML front matter of a Markdown file ({} when it has none)."""
    match = _FRONT.match(path.read_text(encoding="utf-8"))
    data = yaml.safe_load(match.group(1)) if match else None
    return data if isinstance(data, dict) else {}


def markdown_files(docs: Path) -> list[Path]:
    """Every Markdown page of a docs folder (``.md`` and Docusaurus ``.mdx``)."""
    return sorted(p for p in docs.rglob("*") if p.is_file() and p.suffix in (".md", ".mdx"))


def ids_by_file(docs: Path) -> dict[Path, str]:
    """Markdown file → its ``confluence_id`` (files without one, like generated indexes, left out)."""
    found: dict[Path, str] = {}
    for path in markdown_files(docs):
        page_id = front_matter(path).get("confluence_id")
        if page_id is not None:
            found[path] = str(page_id)
    return found


def snapshot(root: Path, *, skip: Iterable[str] = (STATE_DIR,)) -> dict[str, bytes]:
    """Relative POSIX path → bytes of every file under ``root`` (top-level ``skip`` dirs left out)."""
    skipped = set(skip)
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.relative_to(root).parts[0] not in skipped
    }


def tree_differences(left: dict[str, bytes], right: dict[str, bytes]) -> list[str]:
    """Human-readable differences between two snapshots, empty when byte-identical."""
    problems = [f"only in first: {p}" for p in sorted(left.keys() - right.keys())]
    problems += [f"only in second: {p}" for p in sorted(right.keys() - left.keys())]
    problems += [f"differs: {p}" for p in sorted(left.keys() & right.keys()) if left[p] != right[p]]
    return problems


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a throwaway identity; return stdout (raises on failure)."""
    result = subprocess.run(
        ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid",
         "-c", "commit.gpgsign=false", "-c", "core.quotepath=off", *args],
        cwd=repo, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout


def porcelain(repo: Path) -> list[str]:
    """``git status --porcelain -uall`` paths, the exporter's state dir left out."""
    lines = git(repo, "status", "--porcelain", "-uall", "-z").split("\0")
    paths = [line[3:] for line in lines if line]
    return sorted(p for p in paths if not p.startswith(STATE_DIR + "/"))


# ---- HTML ------------------------------------------------------------------------------


@dataclass
class Tag:
    """One start tag of an HTML document."""

    name: str
    attrs: list[tuple[str, str]]

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.attrs if k == key), None)


class _Collector(HTMLParser):
    """Start tags in document order plus every ``id``/``name`` anchor target."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self.anchors: set[str] = set()
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs)
        self._in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data.strip())

    def _record(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pairs = [(k.lower(), v or "") for k, v in attrs]
        self.tags.append(Tag(tag.lower(), pairs))
        for key, value in pairs:
            if key == "id" or (key == "name" and tag == "a"):
                self.anchors.add(value)


def parse_html(text: str) -> _Collector:
    """Parse an HTML document into its start tags, anchors and inline script text."""
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector


def html_refs(tags: Iterable[Tag]) -> Iterator[tuple[Tag, str]]:
    """Every (tag, URL) a browser would follow or load: href, src, srcset items, poster."""
    for tag in tags:
        for key, value in tag.attrs:
            if key in ("href", "src", "poster", "xlink:href", "data", "action", "formaction"):
                yield tag, value
            elif key == "srcset":
                for item in value.split(","):
                    if item.strip():
                        yield tag, item.split()[0]


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_EXTERNAL = re.compile(r"^(https?:|mailto:|tel:|data:image/)", re.I)


def check_relative(source: Path, ref: str, root: Path) -> tuple[Path | None, str | None]:
    """Resolve a relative ``ref`` from ``source``: (target file, problem) — one is None."""
    parts = urlsplit(ref)
    if not parts.path:
        return source, None
    target = source.parent / unquote(parts.path)
    if not target.resolve().is_relative_to(root.resolve()):
        return None, "leaves the output folder"
    if target.is_dir():
        return None, "points at a folder, not a file"
    if not target.is_file():
        return None, "no such file"
    return target, None


def site_link_problems(
    site: Path, confluence: tuple[str, ...], exported_ids: set[str]
) -> list[str]:
    """Broken relative links/images/anchors and absolute links back into the export, per page.

    ``confluence`` holds the URL prefixes of the Confluence site (its public URL and the
    sandbox's loopback origin); links there to an exported page should have become relative.
    """
    problems: list[str] = []
    parsed: dict[Path, _Collector] = {}

    def parse(path: Path) -> _Collector:
        if path not in parsed:
            parsed[path] = parse_html(path.read_text(encoding="utf-8"))
        return parsed[path]

    for page in sorted(site.rglob("*.html")):
        for tag, ref in html_refs(parse(page).tags):
            where = f"{page.relative_to(site).as_posix()}: <{tag.name} {ref!r}>"
            if ref.startswith(confluence):
                if "view-in-confluence" not in (tag.get("class") or "") and points_into(
                    ref, exported_ids
                ):
                    problems.append(f"absolute link back into the export {where}")
                continue
            if _EXTERNAL.match(ref):
                continue
            if ref.startswith(("/", "\\")) or _SCHEME.match(ref):
                problems.append(f"absolute or unsafe link {where}")
                continue
            target, problem = check_relative(page, ref, site)
            if problem:
                problems.append(f"{problem} {where}")
                continue
            fragment = unquote(urlsplit(ref).fragment)
            if (
                target is not None
                and fragment
                and target.suffix == ".html"
                and fragment not in parse(target).anchors
            ):
                problems.append(f"missing anchor #{fragment} {where}")
    return problems


def points_into(url: str, exported: set[str]) -> bool:
    """Whether an absolute Confluence URL names an exported page.

    ``exported`` holds page ids and ``KEY/Title`` pairs; the URL may carry the id as a path
    segment or ``pageId``, as a short link (``/x/<base64 of the id>``) or as ``/display/KEY/Title``.
    """
    parts = urlsplit(url)
    segments = unquote(parts.path).split("/")
    names = set(segments) | set(parse_qs(parts.query).get("pageId", []))
    if "x" in segments[:-1]:
        code = segments[segments.index("x") + 1]
        try:
            raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
            names.add(str(int.from_bytes(raw, "little")))
        except ValueError:
            pass
    if "display" in segments[:-2]:
        at = segments.index("display")
        names.add(f"{segments[at + 1]}/{unquote_plus(parts.path.split('/')[at + 2])}")
    return bool(names & exported)


def exported_names(store: Store) -> set[str]:
    """What :func:`points_into` matches for every current page: its id and ``KEY/Title``."""
    names: set[str] = set()
    for record in current_content(store):
        names.update((record.id, f"{record.space_key}/{record.title}"))
    return names


# ---- Markdown --------------------------------------------------------------------------

_MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def markdown_refs(text: str) -> list[str]:
    """Every link and image target in a Markdown page, raw HTML ``href``/``src`` included."""
    body = _FRONT.sub("", text, count=1)
    refs: list[str] = []

    def visit(tokens: Sequence[Token]) -> None:
        for token in tokens:
            if token.type == "link_open":
                refs.append(str(token.attrs.get("href", "")))
            elif token.type == "image":
                refs.append(str(token.attrs.get("src", "")))
            elif token.type in ("html_block", "html_inline"):
                refs.extend(ref for _, ref in html_refs(parse_html(token.content).tags))
            if token.children:
                visit(token.children)

    visit(_MD.parse(body))
    return refs


def docs_link_problems(
    docs: Path, confluence: tuple[str, ...], exported_ids: set[str]
) -> list[str]:
    """Broken relative links/images and absolute links back into the export in a docs folder."""
    problems: list[str] = []
    for page in markdown_files(docs):
        for ref in markdown_refs(page.read_text(encoding="utf-8")):
            where = f"{page.relative_to(docs).as_posix()}: {ref!r}"
            if ref.startswith(confluence):
                if points_into(ref, exported_ids):
                    problems.append(f"absolute link back into the export {where}")
                continue
            if _EXTERNAL.match(ref) or ref.startswith("#"):
                continue
            if ref.startswith(("/", "\\")) or _SCHEME.match(ref):
                problems.append(f"absolute or unsafe link {where}")
                continue
            _, problem = check_relative(page, ref, docs)
            if problem:
                problems.append(f"{problem} {where}")
    return problems
