"""The hostile seed exports in every flavor: every path inside OUT, nothing executable in the site."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, Dialog

from exporter.sandbox import SandboxOptions, start_sandbox
from exporter.site.render import templates_dir
from tests.e2e.helpers import (
    FLAVORS,
    HOSTILE_SEED,
    STATE_DIR,
    current_content,
    docs_link_problems,
    ids_by_file,
    parse_html,
    run_export,
    shared_build,
    site_link_problems,
)

pytestmark = pytest.mark.timeout(300)
# Schemes that run code when followed; whitespace and control characters inside are ignored by
# browsers, so they are stripped before the check (`java\tscript:`, ` javascript:`).
UNSAFE_SCHEME = re.compile(r"^(javascript|vbscript|data:text/html|data:image/svg)", re.I)
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
WINDOWS_RESERVED = re.compile(
    r"^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(\..*)?$", re.I
)
WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*\\\x00-\x1f]')
MAX_RELPATH = 240  # Windows' 260-character MAX_PATH, less room for the OUT folder itself


@dataclass(frozen=True)
class Hostile:
    """One flavor's export of the hostile seed."""

    flavor: str
    out: Path
    failures: list[str]
    pages_exported: int
    rewritten: list[str]  # files a second, no-change run touched
    expected_ids: frozenset[str]
    attachments: dict[str, int]  # page id -> number of current attachments in Confluence


def _stamps(out: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime in ns) of every file under docs/ and site/."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for tree in ("docs", "site")
        for p in (out / tree).rglob("*")
        if p.is_file()
    }


def _build(root: Path) -> dict[str, Any]:
    """Export the hostile seed once per flavor (every attachment, not only referenced ones)."""
    facts: dict[str, Any] = {}
    all_ = {"output.attachments": "all"}
    with start_sandbox(SandboxOptions(seed=HOSTILE_SEED)) as sandbox:
        store = sandbox.store
        facts["ids"] = sorted(r.id for r in current_content(store))
        facts["attachments"] = {
            r.id: sum(store.attachments[a].status == "current" for a in r.attachments)
            for r in current_content(store)
            if r.attachments
        }
        for flavor in FLAVORS:
            out = root / flavor / "out"
            out.parent.mkdir()
            options: dict[str, Any] = {"flavor": flavor, "allow_partial": True, "overrides": all_}
            summary = run_export(sandbox, out, **options)
            before = _stamps(out)
            run_export(sandbox, out, **options)  # nothing changed in Confluence meanwhile
            after = _stamps(out)
            touched = before.keys() | after.keys()
            facts[flavor] = {
                "failures": [f"{f.page_id} {f.title}: {f.reason}" for f in summary.failures],
                "pages_exported": summary.pages_exported,
                "rewritten": sorted(p for p in touched if before.get(p) != after.get(p)),
            }
    return facts


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Hostile]:
    root, facts = shared_build(tmp_path_factory, "hostile", _build)
    return {
        flavor: Hostile(
            flavor,
            root / flavor / "out",
            facts[flavor]["failures"],
            facts[flavor]["pages_exported"],
            facts[flavor]["rewritten"],
            frozenset(facts["ids"]),
            facts["attachments"],
        )
        for flavor in FLAVORS
    }


@pytest.fixture(params=FLAVORS)
def hostile(request: pytest.FixtureRequest, exports: dict[str, Hostile]) -> Hostile:
    return exports[str(request.param)]


def test_hostile_seed_exports_without_failures(hostile: Hostile) -> None:
    assert hostile.failures == []
    assert hostile.pages_exported == len(hostile.expected_ids)


def test_no_change_run_rewrites_no_file_of_the_hostile_export(hostile: Hostile) -> None:
    assert hostile.rewritten == []


def test_every_hostile_page_gets_its_own_file(hostile: Hostile) -> None:
    ids = list(ids_by_file(hostile.out / "docs").values())
    assert sorted(ids) == sorted(hostile.expected_ids)


def test_every_path_stays_inside_out(hostile: Hostile) -> None:
    root = hostile.out.resolve()
    outside = []
    for dirpath, dirnames, filenames in os.walk(hostile.out, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.resolve().is_relative_to(root):
                outside.append(str(path))
    assert outside == []
    written = {p for p in hostile.out.parent.rglob("*")}
    strays = {p for p in written if not p.is_relative_to(hostile.out)}
    assert {p.name for p in strays} <= {"out-config.yaml"}, sorted(map(str, strays))
    top = {p.name for p in hostile.out.iterdir()}
    expected = {"docs", "site", STATE_DIR, "mkdocs.yml", "export-report.md", "export-report.json"}
    assert top <= expected, "something escaped docs/ or site/"


def portability_problems(out: Path) -> list[str]:
    """Names Windows or macOS cannot hold, or that collide there, under ``out``'s docs and site."""
    problems: list[str] = []
    for tree in ("docs", "site"):
        for dirpath, dirnames, filenames in os.walk(out / tree):
            seen: dict[str, str] = {}
            for name in sorted(dirnames + filenames):
                rel = (Path(dirpath) / name).relative_to(out).as_posix()
                if WINDOWS_RESERVED.match(name) or WINDOWS_FORBIDDEN.search(name):
                    problems.append(f"not a Windows name: {rel}")
                if name.endswith((".", " ")) or name != name.strip():
                    problems.append(f"trailing/leading dot or space: {rel}")
                if len(name.encode("utf-8")) > 255 or len(rel) > MAX_RELPATH:
                    problems.append(f"too long: {rel}")
                folded = unicodedata.normalize("NFC", name).casefold()
                if folded in seen:
                    problems.append(f"collides on case-insensitive disks: {rel} / {seen[folded]}")
                seen[folded] = rel
    return problems


def test_hostile_paths_are_portable_to_windows_and_macos(hostile: Hostile) -> None:
    assert portability_problems(hostile.out) == []


def site_scripts(site: Path) -> set[Path]:
    """The site's own script files: the search index and what lives in ``_static/``."""
    return {p.resolve() for p in [site / "search-index.js", *site.glob("_static/*.js")]}


def executable_bits(site: Path) -> list[str]:
    """Scripts other than the site's own files, on* handlers and script URLs in any HTML.

    The one inline script allowed is the root 404 page's own, byte for byte the packaged
    ``404.js`` (that page loads nothing by a relative path: it is served at any depth).
    """
    own = site_scripts(site)
    own_inline = (templates_dir() / "static" / "404.js").read_text(encoding="utf-8").strip()
    problems: list[str] = []
    for page in sorted(site.rglob("*.html")):
        where = page.relative_to(site).as_posix()
        html = parse_html(page.read_text(encoding="utf-8"))
        inline_ok = 0
        for text in html.script_text:
            if where == "404.html" and text == own_inline:
                inline_ok += 1
            else:
                problems.append(f"{where}: inline script {text[:60]!r}")
        for tag in html.tags:
            src = tag.get("src")
            if tag.name == "script" and not src and inline_ok:
                inline_ok -= 1
            elif tag.name == "script" and (
                not src or (page.parent / unquote(src)).resolve() not in own
            ):
                problems.append(f"{where}: <script src={src!r}>")
            for key, value in tag.attrs:
                if key.startswith("on"):
                    problems.append(f"{where}: <{tag.name} {key}=...>")
                if key in URL_ATTRS and UNSAFE_SCHEME.match(re.sub(r"[\x00-\x20]", "", value)):
                    problems.append(f"{where}: <{tag.name} {key}={value[:40]!r}>")
    return problems


def test_nothing_executable_in_the_hostile_site(hostile: Hostile) -> None:
    site = hostile.out / "site"
    assert len(list(site.rglob("*.html"))) > len(hostile.expected_ids) // 2
    assert executable_bits(site) == []


def test_hostile_site_ships_no_script_bearing_svg(hostile: Hostile) -> None:
    site = hostile.out / "site"
    bad = [
        p.relative_to(site).as_posix()
        for p in site.rglob("*.svg")
        if re.search(rb"<script|\son\w+\s*=|javascript:", p.read_bytes(), re.I)
    ]
    assert bad == []


def test_executable_bits_finds_inline_foreign_scripts_handlers_and_script_urls(
    tmp_path: Path,
) -> None:
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "site.js").write_text("", encoding="utf-8")
    (tmp_path / "p.assets").mkdir()
    (tmp_path / "p.assets" / "x.js").write_text("", encoding="utf-8")
    (tmp_path / "p.html").write_text(
        '<script src="_static/site.js"></script><script>evil()</script>'
        '<script src="p.assets/x.js"></script><img src=x onerror="evil()">'
        '<a href=" Java\tScript:evil()">x</a><a href="https://example.com/">fine</a>',
        encoding="utf-8",
    )
    assert executable_bits(tmp_path) == [
        "p.html: inline script 'evil()'",
        "p.html: <script src=None>",
        "p.html: <script src='p.assets/x.js'>",
        "p.html: <img onerror=...>",
        "p.html: <a href=' Java\\tScript:evil()'>",
    ]


def test_every_hostile_attachment_lands_beside_its_page(hostile: Hostile) -> None:
    files = {page_id: path for path, page_id in ids_by_file(hostile.out / "docs").items()}
    missing = {}
    for page_id, expected in hostile.attachments.items():
        page = files[page_id]
        assets = page.parent / f"{page.stem}.assets"
        found = sum(p.is_file() for p in assets.rglob("*")) if assets.is_dir() else 0
        if found != expected:
            missing[page.relative_to(hostile.out).as_posix()] = (found, expected)
    assert missing == {}, "page: (files found, attachments in Confluence)"


def test_mkdocs_strict_build_of_the_hostile_export_succeeds(
    exports: dict[str, Hostile], tmp_path: Path
) -> None:
    out = exports["mkdocs"].out
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(out / "mkdocs.yml"),
         "-d", str(tmp_path / "built")],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


def test_no_relative_link_in_the_hostile_export_leaves_out(hostile: Hostile) -> None:
    leaving = [
        problem
        for problem in docs_link_problems(hostile.out / "docs", ("http://none/",), set())
        + site_link_problems(hostile.out / "site", ("http://none/",), set())
        if problem.startswith("leaves the output folder")
    ]
    assert leaving == []


def _dialogs_opening(browser: Browser, urls: list[str]) -> list[str]:
    """Open each URL in Chromium; return the alert/confirm dialogs any of them raised."""
    context = browser.new_context()
    tab = context.new_page()
    seen: list[str] = []
    current = [""]

    def record(dialog: Dialog) -> None:
        seen.append(f"{current[0]}: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", record)
    try:
        for url in urls:
            current[0] = url.rsplit("/", 1)[-1]
            tab.goto(url)  # scripts that run on load have raised their dialogs by now
    finally:
        context.close()
    return seen


def test_no_script_runs_in_chromium_on_any_hostile_page(
    exports: dict[str, Hostile], browser: Browser
) -> None:
    site = exports["gfm"].out / "site"
    pages = [p.resolve().as_uri() for p in sorted(site.rglob("*.html"))]
    assert _dialogs_opening(browser, pages) == []


def test_no_script_runs_when_opening_hostile_attachments(
    exports: dict[str, Hostile], browser: Browser
) -> None:
    site = exports["gfm"].out / "site"
    svgs = [p.resolve().as_uri() for p in sorted(site.rglob("*.svg"))]
    assert svgs, "the hostile seed's evil.svg did not reach the site"
    assert _dialogs_opening(browser, svgs) == []


def test_portability_check_flags_reserved_trailing_long_and_colliding_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "site").mkdir()
    for name in ("CON.md", "x.", "Readme.md", "README.md", "a:b", "Cafe\u0301", "Caf\u00e9"):
        (tmp_path / "docs" / name).write_text("x", encoding="utf-8")
    (tmp_path / "site" / ("p" * 250)).write_text("x", encoding="utf-8")
    assert portability_problems(tmp_path) == [
        "not a Windows name: docs/CON.md",
        "collides on case-insensitive disks: docs/Caf\u00e9 / docs/Cafe\u0301",
        "collides on case-insensitive disks: docs/Readme.md / docs/README.md",
        "not a Windows name: docs/a:b",
        "trailing/leading dot or space: docs/x.",
        f"too long: site/{'p' * 250}",
    ]
