"""Headless Chromium over the Recent changes page, from file://: the home page leads to it, it
lists each run's changes with working links to the pages, and it is styled (screenshots in
test-artifacts/: site-changes.png, site-changes-dark.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sitedocs import build_docs

from exporter.models import Change, RunChanges
from exporter.site import render_site

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("changes")
    docs = build_docs(root, "gfm")
    deep = next(p for p in sorted(docs.rglob("*.md")) if len(p.relative_to(docs).parts) > 2)
    rel = f"docs/{deep.relative_to(docs).as_posix()}"
    runs = [
        RunChanges(
            "2026-11-30T08:00:00Z", (Change("page", "added", "1", "Deep page", "ENG", rel),)
        ),
        RunChanges(
            "2026-12-01T09:30:00Z",
            (
                Change(
                    "page",
                    "edited",
                    "1",
                    "Deep page",
                    "ENG",
                    rel,
                    version=5,
                    author="Maya Okafor",
                    message="Explain the rollback",
                ),  # fmt: skip
                Change("page", "deleted", "2", "Old runbook", "OPS", old_path="docs/ops/old.md"),
            ),
        ),
    ]
    render_site(docs, root / "site", flavor="gfm", site_name="Acme docs", changes=runs)
    return root / "site"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 700})
    tab = context.new_page()
    yield tab
    context.close()


def test_home_links_to_recent_changes_whose_rows_open_their_pages(page: Page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    page.click("a[href='changes.html']")
    assert page.title() == "Recent changes · Acme docs"
    runs = page.locator("section.changes-run h2")
    assert runs.all_inner_texts() == ["2026-12-01 09:30:00 UTC", "2026-11-30 08:00:00 UTC"]
    assert page.locator("section.changes-run").first.locator("tbody tr").count() == 2
    assert "Explain the rollback" in page.inner_text("main")
    # the stylesheet applies: the table rows are ruled
    border = page.eval_on_selector(
        ".changes-table td", "td => getComputedStyle(td).borderBottomStyle"
    )
    assert border == "solid"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-changes.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(ARTIFACTS / "site-changes-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    page.locator("section.changes-run").first.locator("a", has_text="Deep page").click()
    assert page.locator("h1.page-title").inner_text() != "Recent changes"
    assert page.url.endswith(".html") and "changes.html" not in page.url
