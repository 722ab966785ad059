"""MarkdownRenderer on small snippets: flavor syntax, link rewriting and sanitizing."""

from __future__ import annotations

from exporter.site.links import LinkIndex
from exporter.site.markdown import MarkdownRenderer
from exporter.site.source import DocPage, DocsTree, SiteNode


def _links(*files: str, pages: tuple[str, ...] = ()) -> LinkIndex:
    docs = tuple(DocPage(p, p.replace(".md", ".html"), p, "") for p in pages)
    tree = DocsTree(root=SiteNode("Home", ""), pages=docs, files=files)
    return LinkIndex.build(tree)


def _render(flavor: str, body: str, links: LinkIndex | None = None) -> str:
    page = DocPage("space/page.md", "space/page.html", "Page", body)
    return MarkdownRenderer(flavor).render(page, links or _links()).html


def test_gfm_only_turns_githubs_five_alert_types_into_callouts() -> None:
    html = _render("gfm", "> [!CAUTION]\n> Hot.\n\n> [!FOO]\n> Plain quote.\n")
    assert '<div class="callout callout-caution callout-danger">' in html
    assert "<blockquote>\n<p>[!FOO]\nPlain quote.</p>\n</blockquote>" in html


def test_obsidian_callout_title_keeps_inline_markdown_and_nests() -> None:
    html = _render("obsidian", "> [!tip]+ Use **this**\n> Outer\n>\n> > [!bug] Inner\n> > Deep\n")
    assert '<details class="callout callout-tip" open="">' in html
    assert '<summary class="callout-title">Use <strong>this</strong></summary>' in html
    assert '<div class="callout callout-bug callout-danger">' in html
    assert html.index("callout-tip") < html.index("callout-bug") < html.index("</details>")


def test_mkdocs_attr_list_sets_image_width() -> None:
    links = _links("space/page.assets/chart.png")
    html = _render("mkdocs", '![Chart](page.assets/chart.png){ width="400" }\n', links)
    assert '<img src="page.assets/chart.png" alt="Chart" width="400">' in html


def test_docusaurus_legacy_title_after_the_type_is_the_title() -> None:
    html = _render("docusaurus", ":::danger Take care\n\nBody.\n\n:::\n")
    assert '<div class="callout callout-danger">\n<p class="callout-title">Take care</p>' in html


def test_obsidian_wikilink_to_a_file_with_a_hash_in_its_name() -> None:
    links = _links("space/page.assets/report #1.png")
    html = _render("obsidian", "![[page.assets/report #1.png]]\n", links)
    assert '<img src="page.assets/report%20%231.png" alt="">' in html


def test_obsidian_wikilink_to_a_heading_uses_its_anchor() -> None:
    links = _links(pages=("space/other.md",))
    html = _render("obsidian", "[[other#Set up the thing|setup]]\n", links)
    assert '<a href="other.html#set-up-the-thing" rel="noopener noreferrer">setup</a>' in html


def test_unknown_link_targets_are_kept_and_reported() -> None:
    links = _links()
    html = _render("gfm", "[gone](missing.md) and [up](../../outside.md)\n", links)
    assert 'href="missing.md"' in html
    assert links.broken == ["space/page.md: missing.md", "space/page.md: ../../outside.md"]


def test_data_urls_survive_only_as_raster_images() -> None:
    html = _render(
        "gfm",
        '<img src="data:image/png;base64,AAAA"> <img src="data:image/svg+xml,<svg/>">'
        ' <a href="data:image/png;base64,AAAA">x</a>\n',
    )
    assert html.count("data:") == 1 and '<img src="data:image/png;base64,AAAA">' in html


def test_code_without_a_known_language_is_escaped_not_highlighted() -> None:
    html = _render("gfm", "```nosuchlang\n<b>x</b>\n```\n")
    assert '<pre class="highlight"><code class="highlight language-nosuchlang">' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_footnotes_link_both_ways(flavor: str) -> None:
    html = _render(flavor, "Claim.[^1]\n\n[^1]: Source.\n")
    assert 'href="#fn1"' in html and 'id="fn1"' in html and 'href="#fnref1"' in html
