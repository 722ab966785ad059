"""Headless Chromium over the rendered site: from file:// and through `serve` under a sub-path.

One browser per module; each test opens its own page. Screenshots land in test-artifacts/ at
the repo root (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sitedocs import DEEP_TITLE, UNIQUE_WORD, build_docs

from exporter.site import render_site

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    render_site(build_docs(root, "gfm"), root / "site", flavor="gfm")
    return root / "site"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    yield tab
    context.close()


def _follow_sidebar_to_the_deep_page(page: Page) -> None:
    for title in ("Engineering", "Guide", "Deep dive", DEEP_TITLE):
        page.locator("#sidebar a.nav-link", has_text=title).first.click()
        page.wait_for_load_state()
        assert page.locator("h1.page-title").inner_text() == title


def _search_reaches_the_only_page_with_the_word(page: Page) -> None:
    page.fill("#search-input", UNIQUE_WORD)
    results = page.locator("#search-results li a")
    results.first.wait_for()  # search-index.js loads on first use
    assert results.count() == 1
    assert results.first.inner_text() == DEEP_TITLE
    page.press("#search-input", "Enter")
    page.wait_for_url("**/eng/guide/deep/deeper.html")
    assert page.locator("h1.page-title").inner_text() == DEEP_TITLE


def test_file_url_sidebar_reaches_a_page_four_levels_deep(page: Page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    _follow_sidebar_to_the_deep_page(page)
    assert page.url.endswith("/eng/guide/deep/deeper.html")
    current = page.locator('#sidebar [aria-current="page"]')
    assert current.inner_text() == DEEP_TITLE
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-page.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(ARTIFACTS / "site-page-dark.png"), full_page=True)


def test_file_url_search_finds_a_word_only_in_one_page_body(page: Page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    _search_reaches_the_only_page_with_the_word(page)


def test_search_results_link_relative_to_a_nested_page(page: Page, site: Path) -> None:
    page.goto((site / "eng/guide/deep/index.html").as_uri())
    page.fill("#search-input", "restart")
    page.locator("#search-results li a", has_text="Runbook").click()
    page.wait_for_url("**/ops/runbook.html")
    assert page.locator("h1.page-title").inner_text() == "Runbook"


def test_hostile_page_content_never_runs_script(page: Page, site: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((site / "eng/hostile.html").as_uri())
    page.wait_for_load_state("load")
    for link in page.locator(".page-body a").all():
        link.click(no_wait_after=True)
    page.locator(".page-body details summary").first.click()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("typeof window.confluenceSearch") == "object"  # our scripts did run
    assert errors == []


def test_phone_width_hides_the_sidebar_behind_a_toggle(browser: Browser, site: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.goto((site / "eng/guide/callouts.html").as_uri())
    assert not tab.locator("#sidebar").is_visible()
    tab.click(".nav-toggle")
    assert tab.locator("#sidebar").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "site-phone.png"))
    context.close()


def test_served_under_sub_path_sidebar_and_search_work(page: Page, served: str) -> None:
    assert served.endswith("/proj/")
    page.goto(served)
    assert page.title() == "Company Docs"
    _follow_sidebar_to_the_deep_page(page)
    assert page.url == served + "eng/guide/deep/deeper.html"
    page.goto(served + "ops/runbook.html")
    _search_reaches_the_only_page_with_the_word(page)
    assert page.url == served + "eng/guide/deep/deeper.html"


def test_search_finds_a_word_past_the_verbatim_body_of_a_big_site(
    page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("exporter.site.search.TOTAL_BODY_CHARS", 0)  # as if the site were huge
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("---\ntitle: Home\n---\nWelcome.\n", encoding="utf-8")
    filler = "Filler words here. " * 100  # past MIN_BODY_CHARS, the page keeps only its words
    long_page = f"---\ntitle: Long page\n---\n{filler}The word Vérïtasquux is far down.\n"
    (docs / "long.md").write_text(long_page, encoding="utf-8")
    render_site(docs, tmp_path / "site", flavor="gfm")
    index = (tmp_path / "site/search-index.js").read_text(encoding="utf-8")
    assert "Vérïtasquux" not in index and " veritasquux" in index
    page.goto((tmp_path / "site/index.html").as_uri())
    page.fill("#search-input", "VERITASQU")
    results = page.locator("#search-results li a")
    results.first.wait_for()
    assert results.count() == 1 and results.first.inner_text() == "Long page"
    assert page.locator("#search-results .result-snippet").first.inner_text().startswith("Filler")
