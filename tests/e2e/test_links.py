"""A link checker over the sample's gfm docs folder and its static site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from exporter.sandbox import SandboxOptions, start_sandbox
from tests.e2e.helpers import (
    confluence_urls,
    current_content,
    docs_link_problems,
    exported_names,
    exported_space_keys,
    ids_by_file,
    markdown_refs,
    parse_html,
    points_into,
    run_export,
    shared_build,
    site_link_problems,
    tree_order,
)

pytestmark = pytest.mark.timeout(300)


@dataclass(frozen=True)
class Exported:
    """A gfm export of the sample (docs and site) and what the sandbox held."""

    out: Path
    confluence: tuple[str, ...]  # URL prefixes of the Confluence site
    page_ids: frozenset[str]
    names: frozenset[str]  # ids and KEY/Title of every exported page, for links back
    orders: dict[str, list[str]]  # space key -> page ids in Confluence's manual order


def _build(root: Path) -> dict[str, Any]:
    with start_sandbox(SandboxOptions(seed="sample")) as sandbox:
        run_export(sandbox, root / "out", flavor="gfm", fmt="both")
        store = sandbox.store
        return {
            "confluence": confluence_urls(sandbox),
            "ids": sorted(r.id for r in current_content(store)),
            "names": sorted(exported_names(store)),
            "orders": {key: tree_order(store, key) for key in exported_space_keys(store)},
        }


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root, facts = shared_build(tmp_path_factory, "links", _build)
    return Exported(
        root / "out",
        tuple(facts["confluence"]),
        frozenset(facts["ids"]),
        frozenset(facts["names"]),
        facts["orders"],
    )


def test_gfm_export_holds_every_current_page_of_the_sample(exported: Exported) -> None:
    found = set(ids_by_file(exported.out / "docs").values())
    assert found == exported.page_ids


def test_every_relative_link_and_image_in_the_gfm_docs_resolves(exported: Exported) -> None:
    docs = exported.out / "docs"
    refs = [ref for page in docs.rglob("*.md") for ref in markdown_refs(page.read_text("utf-8"))]
    assert len(refs) > 50, "the checker found almost no links: is it reading the pages?"
    assert docs_link_problems(docs, exported.confluence, set(exported.names)) == []


def test_every_relative_link_image_and_anchor_in_the_site_resolves(exported: Exported) -> None:
    site = exported.out / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(exported.page_ids)
    assert site_link_problems(site, exported.confluence, set(exported.names)) == []


def test_site_shows_the_sample_images_it_links(exported: Exported) -> None:
    site = exported.out / "site"
    images = [
        tag.get("src")
        for page in site.rglob("*.html")
        for tag in parse_html(page.read_text("utf-8")).tags
        if tag.name == "img"
    ]
    assert any(src and not src.startswith(("http:", "https:", "data:")) for src in images)


def test_site_sidebar_lists_pages_in_confluence_manual_order(exported: Exported) -> None:
    docs, site = exported.out / "docs", exported.out / "site"
    by_html: dict[Path, str] = {}
    for path, page_id in ids_by_file(docs).items():
        rel = path.relative_to(docs)
        html = rel.parent / "index.html" if rel.name == "README.md" else rel.with_suffix(".html")
        by_html[(site / html).resolve()] = page_id
    order: list[str] = []
    for tag in parse_html((site / "index.html").read_text("utf-8")).tags:
        href = tag.get("href")
        if tag.name == "a" and href and "nav-link" in (tag.get("class") or ""):
            found = by_html.get((site / unquote(href)).resolve())
            if found and found not in order:
                order.append(found)
    for key, expected in exported.orders.items():
        assert [i for i in order if i in set(expected)] == expected, f"space {key}"


def test_link_checkers_catch_missing_files_folders_anchors_and_links_back(tmp_path: Path) -> None:
    base = "http://127.0.0.1:1"
    back = f"{base}/wiki/spaces/ENG/pages/42/Home"
    (tmp_path / "docs" / "a").mkdir(parents=True)
    (tmp_path / "docs" / "a" / "ok.md").write_text("# ok\n", encoding="utf-8")
    (tmp_path / "docs" / "a" / "page.md").write_text(
        f"---\nsource_url: {back}\n---\n[fine](ok.md) [gone](gone.md) ![img](x%20y.png) "
        f"[back]({back}) [folder](../a)\n",
        encoding="utf-8",
    )
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "t.html").write_text('<h2 id="here">t</h2>', encoding="utf-8")
    (tmp_path / "site" / "p.html").write_text(
        f'<a class="view-in-confluence" href="{back}">v</a><a href="t.html#here">ok</a>'
        f'<a href="t.html#nowhere">bad</a><a href="{back}">back</a><img src="/abs.png">',
        encoding="utf-8",
    )
    assert docs_link_problems(tmp_path / "docs", (base,), {"42"}) == [
        "no such file a/page.md: 'gone.md'",
        "no such file a/page.md: 'x%20y.png'",
        f"absolute link back into the export a/page.md: '{back}'",
        "points at a folder, not a file a/page.md: '../a'",
    ]
    assert site_link_problems(tmp_path / "site", (base,), {"42"}) == [
        "missing anchor #nowhere p.html: <a 't.html#nowhere'>",
        f"absolute link back into the export p.html: <a '{back}'>",
        "absolute or unsafe link p.html: <img '/abs.png'>",
    ]


def test_links_back_are_recognised_by_id_short_link_title_and_page_id_query() -> None:
    exported = {"65578", "ENG/Deploy checklist (old)", "42"}
    site = "https://acme.atlassian.net/wiki"
    assert points_into(f"{site}/spaces/ACME/pages/65578/Benefits+overview", exported)
    assert points_into(f"{site}/x/KgAB", exported)  # 65578, little-endian base64
    assert points_into(f"{site}/display/ENG/Deploy+checklist+%28old%29", exported)
    assert points_into(f"{site}/pages/viewpage.action?pageId=42", exported)
    assert not points_into(f"{site}/spaces/ENG/pages/1048577/Release+notes+archive", exported)
    assert not points_into(f"{site}/display/ENG/Other+page", exported)
