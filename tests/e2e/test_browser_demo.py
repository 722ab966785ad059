"""Headless Chromium over the DEMO output: sidebar to a page four levels deep, then search.

Runs `confluence-export demo` for real, then drives Debian's chromium through Playwright from
file:// and through `confluence-export serve --sub-path /project/`. The screenshot lands in
test-artifacts/ at the repo root (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page

from exporter.sandbox import SandboxOptions, build_sandbox
from exporter.sandbox.store import Store
from tests.e2e.helpers import ARTIFACTS, current_content, shared_build

pytestmark = pytest.mark.timeout(300)
SUB_PATH = "/project/"


@dataclass(frozen=True)
class Demo:
    """The demo's output folder, what it printed, and the pages the browser goes looking for."""

    out: Path
    stdout: str
    chain: tuple[str, ...]  # titles from the space home down to a page four levels deep
    word: str  # occurs in exactly one page's body
    word_page: str  # that page's title


def _deep_chain(store: Store) -> tuple[str, ...]:
    for record in current_content(store):
        ancestors = store.ancestors(record)
        if len(ancestors) == 4 and all(a.type == "page" for a in ancestors):
            return (*(a.title for a in ancestors), record.title)
    raise AssertionError("the sample has no page four levels deep")


def _unique_word(store: Store, site: Path) -> tuple[str, str]:
    """A word in exactly one page's body (Confluence's and the search index's), and that page."""
    records = [r for r in current_content(store) if r.type == "page"]
    pages: dict[str, set[str]] = {}
    for record in records:
        text = BeautifulSoup(record.body, "html.parser").get_text(" ")
        for word in set(re.findall(r"[A-Za-z]{8,}", text)):
            pages.setdefault(word.lower(), set()).add(record.title)
    raw = (site / "search-index.js").read_text(encoding="utf-8")
    docs = json.loads(raw[raw.index("{") : raw.rindex("}") + 1])["docs"]
    titles = " ".join(r.title.lower() for r in records)
    for word, holders in sorted(pages.items()):
        if len(holders) != 1 or word in titles:
            continue
        hits = [d for d in docs if word in f"{d['t']} {d['b']} {d.get('p', '')}".lower()]
        (title,) = holders
        if len(hits) == 1 and hits[0]["t"] == title:
            return word, title
    raise AssertionError("no word occurs in exactly one page of the sample")


def _run_demo(root: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "demo", "--out", "demo-out"],
        cwd=root, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    return {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root, facts = shared_build(tmp_path_factory, "demo", _run_demo)
    assert facts["returncode"] == 0, facts["stderr"]
    out = root / "demo-out"
    store = build_sandbox(SandboxOptions(seed="sample")).store
    word, page = _unique_word(store, out / "site")
    return Demo(out, facts["stdout"], _deep_chain(store), word, page)


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the site: {errors}"


@pytest.fixture(scope="module")
def served(demo: Demo) -> Iterator[str]:
    """`confluence-export serve SITE --port 0 --sub-path /project/` in a child process."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "exporter", "serve", str(demo.out / "site"),
         "--port", "0", "--sub-path", SUB_PATH],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+\S*)", line)
        assert found, f"serve printed {line!r}"
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _follow_sidebar(tab: Page, chain: tuple[str, ...]) -> None:
    for title in chain:
        tab.locator("#sidebar").get_by_role("link", name=title, exact=True).first.click()
        tab.wait_for_load_state()
        assert tab.locator("h1").first.inner_text().strip() == title


def _search_and_open(tab: Page, word: str, title: str) -> None:
    tab.locator("#search-input").fill(word)
    results = tab.locator("#search-results li a")
    results.first.wait_for()
    assert results.all_inner_texts() == [title]
    results.first.click()
    tab.wait_for_load_state()
    assert tab.locator("h1").first.inner_text().strip() == title


def test_demo_prints_where_to_open_the_docs_and_the_site(demo: Demo) -> None:
    assert str((demo.out / "docs").resolve()) in demo.stdout
    assert str((demo.out / "site" / "index.html").resolve()) in demo.stdout


def test_sidebar_leads_to_a_page_four_levels_deep_from_file_url(demo: Demo, tab: Page) -> None:
    tab.goto((demo.out / "site" / "index.html").resolve().as_uri())
    _follow_sidebar(tab, demo.chain)
    crumbs = tab.locator(".breadcrumbs li").all_inner_texts()
    assert [c.strip() for c in crumbs][-len(demo.chain) :] == list(demo.chain)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "e2e-demo-page.png"
    tab.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def test_search_finds_the_one_page_with_a_word_from_file_url(demo: Demo, tab: Page) -> None:
    tab.goto((demo.out / "site" / "index.html").resolve().as_uri())
    _search_and_open(tab, demo.word, demo.word_page)
    assert tab.url.startswith("file://")


def test_sidebar_and_search_work_when_served_under_a_sub_path(
    demo: Demo, served: str, tab: Page
) -> None:
    assert served.rstrip("/").endswith(SUB_PATH.rstrip("/"))
    tab.goto(served)
    _follow_sidebar(tab, demo.chain)
    assert SUB_PATH in tab.url
    _search_and_open(tab, demo.word, demo.word_page)
    assert SUB_PATH in tab.url
    tab.screenshot(path=str(ARTIFACTS / "e2e-demo-served.png"))
