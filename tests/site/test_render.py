"""render_site over hand-built docs folders in every flavor: structure, links, safety."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sitedocs import DEEP_TITLE, HOSTILE_TITLE, UNIQUE_WORD, broken_links, build_docs

from exporter.errors import ConfigError, OutputError
from exporter.site import render_site
from exporter.site.nav import NavContext, Sidebar
from exporter.site.source import read_docs


def _render(tmp_path: Path, flavor: str) -> Path:
    docs = build_docs(tmp_path, flavor)
    render_site(docs, tmp_path / "site", flavor=flavor)
    return tmp_path / "site"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """One read-only site per flavor, shared by the tests that only look at it."""
    sites: dict[str, Path] = {}

    def get(flavor: str) -> Path:
        if flavor not in sites:
            sites[flavor] = _render(tmp_path_factory.mktemp(flavor), flavor)
        return sites[flavor]

    return get


def _body(html: str) -> str:
    return html[html.index('<div class="page-body">') : html.index("</article>")]


def test_every_page_and_site_file_is_written(rendered: Callable[[str], Path], flavor: str) -> None:
    site = rendered(flavor)
    for rel in (
        "index.html",
        "404.html",
        ".nojekyll",
        "search-index.js",
        "_static/site.css",
        "_static/search.js",
        "_static/pygments.css",
        "eng/index.html",
        "eng/guide/index.html",
        "eng/guide/deep/index.html",
        "eng/guide/deep/deeper.html",
        "eng/guide/deep/deeper.assets/report v1.txt",
        "ops/runbook.html",
    ):
        assert (site / rel).is_file(), rel
    assert not list(site.rglob("*.md"))


def test_site_has_no_broken_absolute_or_directory_links(
    rendered: Callable[[str], Path], flavor: str
) -> None:
    site = rendered(flavor)
    assert broken_links(site) == []


def test_callouts_render_as_callout_boxes(rendered: Callable[[str], Path], flavor: str) -> None:
    body = _body((rendered(flavor) / "eng/guide/callouts.html").read_text())
    assert '<div class="callout callout-note">' in body
    assert "<strong>bold</strong>" in body
    assert "callout-warning" in body
    assert "[!NOTE]" not in body and "!!!" not in body and ":::" not in body


def test_folding_callouts_become_details(rendered: Callable[[str], Path]) -> None:
    body = _body((rendered("mkdocs") / "eng/guide/callouts.html").read_text())
    assert '<details class="callout callout-warning">' in body
    assert '<summary class="callout-title">Mind the gap</summary>' in body
    assert '<details class="callout callout-tip" open="">' in body
    obsidian = _body((rendered("obsidian") / "eng/guide/callouts.html").read_text())
    assert '<details class="callout callout-warning">' in obsidian


def test_docusaurus_title_and_mdx_escapes_render_as_text(rendered: Callable[[str], Path]) -> None:
    body = _body((rendered("docusaurus") / "eng/guide/callouts.html").read_text())
    assert '<p class="callout-title">Heads up</p>' in body
    assert "{curly} &lt;tag&gt;" in body


def test_gfm_details_block_is_kept(rendered: Callable[[str], Path]) -> None:
    body = _body((rendered("gfm") / "eng/guide/callouts.html").read_text())
    assert "<details>\n<summary>More detail</summary>" in body


def test_obsidian_wikilinks_and_embeds_become_relative_links(
    rendered: Callable[[str], Path],
) -> None:
    body = _body((rendered("obsidian") / "eng/guide/callouts.html").read_text())
    assert '<a href="deep/deeper.html" rel="noopener noreferrer">the deep page</a>' in body
    assert '<img src="../index.assets/logo.png" alt="">' in body


def test_code_is_highlighted_with_css_classes(rendered: Callable[[str], Path], flavor: str) -> None:
    site = rendered(flavor)
    body = _body((site / "eng/guide/callouts.html").read_text())
    assert '<pre class="highlight"><code class="highlight language-python">' in body
    assert '<span class="k">def</span>' in body
    css = (site / "_static/pygments.css").read_text()
    assert ".highlight .k" in css and "prefers-color-scheme: dark" in css


def test_tables_task_lists_and_merged_cells_survive(
    rendered: Callable[[str], Path], flavor: str
) -> None:
    body = _body((rendered(flavor) / "eng/guide/callouts.html").read_text())
    assert "<th>Name</th>" in body and "<s>beta</s>" in body
    assert '<td colspan="2" rowspan="1">merged cell</td>' in body
    assert 'class="task-list-item-checkbox" checked="checked" disabled="disabled"' in body


def test_md_links_become_relative_html_links_keeping_anchors(
    rendered: Callable[[str], Path], flavor: str
) -> None:
    site = rendered(flavor)
    body = _body((site / "eng/guide/index.html").read_text())
    stem = "README" if flavor == "gfm" else "index"
    assert 'href="deep/index.html"' in body
    assert 'href="deep/deeper.html#second-heading"' in body
    assert body.count('href="../index.html"') == 2  # the index file and the folder link
    assert f'src="../{stem}.assets/logo.png"' in body
    assert 'href="https://example.com/page?x=1"' in body


def test_hostile_content_cannot_run_script(rendered: Callable[[str], Path], flavor: str) -> None:
    html = (rendered(flavor) / "eng/hostile.html").read_text()
    body = _body(html)
    for needle in (
        "<script",
        "onerror",
        "onload",
        "ontoggle",
        "onclick",
        '="javascript:',
        "<iframe",
        "<object",
        "<style",
        "style=",
        "<svg",
        "data:text",
        "<meta",
        "<base",
        "<form",
        "<button",
        "formaction",
        "<math",
    ):
        assert needle not in body.lower(), needle
    assert '<a rel="noopener noreferrer">raw js link</a>' in body
    assert "Safe text survives." in body
    assert html.count("<script") == 3  # only the site's own three scripts (theme, search, site)
    assert "&lt;/title&gt;&lt;script&gt;" in html
    assert HOSTILE_TITLE not in html


def test_pages_carry_a_strict_content_security_policy(rendered: Callable[[str], Path]) -> None:
    html = (rendered("gfm") / "eng/hostile.html").read_text()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None
    assert "script-src &#39;self&#39;" in csp.group(1)
    assert "unsafe-inline" not in csp.group(1)
    assert "object-src &#39;none&#39;" in csp.group(1)


def test_sidebar_marks_current_page_and_opens_its_ancestors(
    rendered: Callable[[str], Path],
) -> None:
    html = (rendered("mkdocs") / "eng/guide/deep/deeper.html").read_text()
    nav = html[html.index('<nav id="sidebar"') : html.index("</nav>")]
    current = 'href="../../../eng/guide/deep/deeper.html" aria-current="page">Fourth level café</a>'
    assert current in nav
    assert nav.count("<details open>") == 3  # eng, guide, deep
    assert '<details><summary><a class="nav-link" href="../../../ops/index.html">' in nav
    assert nav.index("Engineering") < nav.index("Operations")  # position, not title order


def test_breadcrumbs_prev_next_toc_and_meta(rendered: Callable[[str], Path]) -> None:
    html = (rendered("gfm") / "eng/guide/deep/deeper.html").read_text()
    crumbs = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', html)
    assert crumbs == [
        ("../../../index.html", "Company Docs"),
        ("../../index.html", "Engineering"),
        ("../index.html", "Guide"),
        ("index.html", "Deep dive"),
    ]
    assert (
        '<a class="pager-prev" href="index.html" rel="prev"><span>Previous</span>Deep dive' in html
    )
    assert 'href="../callouts.html" rel="next"><span>Next</span>Callouts &amp; code' in html
    assert '<li class="toc-level-2"><a href="#second-heading">Second heading</a></li>' in html
    assert '<time datetime="2024-05-06T07:08:09Z">2024-05-06</time>' in html
    assert "Ada Lövelace" in html
    assert 'href="https://example.atlassian.net/wiki/spaces/ENG/pages/' in html
    assert '<a href="deeper.assets/report%20v1.txt">report v1.txt</a>' in html


def test_unicode_titles_are_kept(rendered: Callable[[str], Path], flavor: str) -> None:
    html = (rendered(flavor) / "eng/unicode.html").read_text(encoding="utf-8")
    assert '<h1 class="page-title">Ünïcödé 日本語 ページ</h1>' in html


def test_search_index_is_a_classic_script_with_every_page(rendered: Callable[[str], Path]) -> None:
    text = (rendered("gfm") / "search-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.__SEARCH_INDEX__ = ") and text.endswith(";\n")
    index = json.loads(text[len("window.__SEARCH_INDEX__ = ") : -2])
    by_url = {doc["u"]: doc for doc in index["docs"]}
    assert len(by_url) == 10
    deep = by_url["eng/guide/deep/deeper.html"]
    assert deep["t"] == DEEP_TITLE and UNIQUE_WORD in deep["b"]
    assert [d["u"] for d in index["docs"] if UNIQUE_WORD in d["b"]] == [deep["u"]]
    assert "</script" not in text.lower()  # data only: cannot close a script element


def test_two_renders_are_byte_identical(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "obsidian")
    render_site(docs, tmp_path / "a", flavor="obsidian")
    render_site(docs, tmp_path / "b", flavor="obsidian")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    assert files_a == files_b
    for rel in files_a:
        if (tmp_path / "a" / rel).is_file():
            assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_rerender_writes_only_changes_and_removes_stale_pages(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    site = tmp_path / "site"
    render_site(docs, site, flavor="gfm")
    again = render_site(docs, site, flavor="gfm")
    assert (again.written, again.removed) == (0, 0)
    (docs / "ops/runbook.md").unlink()
    third = render_site(docs, site, flavor="gfm")
    assert not (site / "ops/runbook.html").exists()
    assert third.removed == 1
    assert third.written > 0  # sidebars and the search index changed


def test_missing_top_index_gets_a_generated_home(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "mkdocs")
    (docs / "index.md").unlink()
    report = render_site(docs, tmp_path / "site", site_name="My Export", flavor="mkdocs")
    home = (tmp_path / "site/index.html").read_text()
    assert "<title>My Export</title>" in home
    assert '<a href="eng/index.html">Engineering</a>' in home
    assert report.pages == 10
    assert broken_links(tmp_path / "site") == []


def test_unknown_flavor_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Use one of: gfm, mkdocs, docusaurus, obsidian"):
        render_site(build_docs(tmp_path, "gfm"), tmp_path / "site", flavor="asciidoc")


def test_site_dir_with_foreign_files_is_refused(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep me")
    with pytest.raises(OutputError, match="not built by confluence-export"):
        render_site(docs, tmp_path / "mine", flavor="gfm")
    with pytest.raises(OutputError, match="overlaps the docs folder"):
        render_site(docs, docs / "site", flavor="gfm")
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep me"


def test_big_trees_show_only_the_current_branch_in_the_sidebar(tmp_path: Path) -> None:
    tree = read_docs(build_docs(tmp_path, "gfm"))
    page = next(p for p in tree.pages if p.title == "Runbook")
    full = Sidebar(NavContext(tree)).html(page)
    pruned = Sidebar(NavContext(tree), prune_over=3).html(page)
    assert "Fourth level café" in full and "Fourth level café" not in pruned
    assert '<li class="nav-item nav-collapsed"><a class="nav-link" href="../eng/index.html">' in (
        pruned
    )
    assert 'href="runbook.html"' not in pruned  # hrefs go via the root: ../ops/runbook.html
    assert 'href="../ops/runbook.html" aria-current="page">Runbook</a>' in pruned
    assert "\x00" not in full + pruned


def test_rerender_into_a_gh_pages_checkout_keeps_git_and_cname(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    site = tmp_path / "site"
    (site / ".git" / "objects").mkdir(parents=True)
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site / "CNAME").write_text("docs.example.com\n")
    render_site(docs, site, flavor="gfm")
    (site / "old-page.html").write_text("stale")
    render_site(docs, site, flavor="gfm")
    assert (site / ".git" / "HEAD").is_file() and (site / ".git" / "objects").is_dir()
    assert (site / "CNAME").read_text() == "docs.example.com\n"
    assert not (site / "old-page.html").exists()


def test_view_in_confluence_link_only_accepts_web_urls(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    page = docs / "ops/runbook.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        re.sub(r"source_url: .*", "source_url: 'javascript:window.__pwned=1'", text),
        encoding="utf-8",
    )
    render_site(docs, tmp_path / "site", flavor="gfm")
    html = (tmp_path / "site/ops/runbook.html").read_text()
    assert "javascript:" not in html and "View in Confluence" not in html
    assert "View in Confluence" in (tmp_path / "site/eng/unicode.html").read_text()
