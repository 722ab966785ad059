"""Constructs of real Cloud pages that the converter used to get wrong (one test each)."""

from __future__ import annotations

import pytest

from exporter.convert import FLAVORS, Link, PageRef, TreeItem, convert_storage
from exporter.site.markdown import MarkdownRenderer
from exporter.site.sanitize import clean
from tests.convert.world import WorldResolver

HEADERLESS = (
    "<table><tbody><tr><td><p>Region</p></td><td><p>eu-west-1</p></td></tr>"
    "<tr><td><p>Port</p></td><td><p>8080</p></td></tr></tbody></table>"
)


def rendered(markdown: str, flavor: str) -> str:
    return clean(MarkdownRenderer(flavor).md.render(markdown))


@pytest.mark.parametrize("flavor", FLAVORS)
def test_table_without_header_row_keeps_its_first_row_as_data(flavor: str) -> None:
    html = rendered(convert_storage(HEADERLESS, flavor=flavor), flavor)
    assert "<th" not in html and "<thead" not in html
    assert html.count("<tr>") == 2
    assert html.index("Region") < html.index("Port")


@pytest.mark.parametrize(
    ("cell", "tag"),
    [("<ul><li>only</li></ul>", "<li>"), ("<h3>Heading</h3>", "<h3"), ("<hr/>", "<hr")],
)
@pytest.mark.parametrize("flavor", ["gfm", "mkdocs"])
def test_cell_holding_only_a_block_renders_the_block_not_its_markdown(
    cell: str, tag: str, flavor: str
) -> None:
    body = f"<table><tbody><tr><td><p>a</p></td><td>{cell}</td></tr></tbody></table>"
    markdown = convert_storage(body, flavor=flavor)
    html = rendered(markdown, flavor)
    assert tag in html
    assert "- only" not in html and "### " not in html


def test_non_breaking_space_ending_a_mark_is_kept() -> None:
    markdown = convert_storage("<p>on <strong>Port&nbsp;</strong>8080</p>")
    assert markdown == "on **Port**\u00a08080\n"


def test_zero_width_space_at_a_mark_edge_is_dropped_so_the_mark_still_parses() -> None:
    markdown = convert_storage("<p>a <strong>\u200bbold\u200b</strong> b</p>")
    assert markdown == "a **bold** b\n"
    assert "<strong>bold</strong>" in rendered(markdown, "gfm")


def test_custom_site_emoji_keeps_its_shortname() -> None:
    body = (
        '<p><ac:emoticon ac:name="blue-star" ac:emoji-shortname=":ship-it:" '
        'ac:emoji-id="8131cbc6-728f-4eb5-abed-e3e9204f76a4" ac:emoji-fallback=":ship-it:" /></p>'
    )
    assert convert_storage(body) == ":ship-it:\n"


def test_stacked_block_images_do_not_share_a_line() -> None:
    body = (
        '<ac:image><ri:attachment ri:filename="a.png"/></ac:image>'
        '<ac:image><ri:attachment ri:filename="b.png"/></ac:image>'
    )
    assert convert_storage(body) == "![a](attachments/a.png)\n\n![b](attachments/b.png)\n"


def test_neighbouring_view_file_links_are_apart() -> None:
    macro = (
        '<ac:structured-macro ac:name="view-file"><ac:parameter ac:name="name">'
        '<ri:attachment ri:filename="{}"/></ac:parameter></ac:structured-macro>'
    )
    body = "<p>" + macro.format("a.pdf") + macro.format("b.pdf") + "</p>"
    assert convert_storage(body) == "[a.pdf](attachments/a.pdf) [b.pdf](attachments/b.pdf)\n"


def test_widget_macro_with_its_url_in_an_ri_url_links_the_video() -> None:
    body = (
        '<ac:structured-macro ac:name="widget"><ac:parameter ac:name="url">'
        '<ri:url ri:value="https://www.youtube.com/watch?v=abc"/></ac:parameter>'
        "</ac:structured-macro>"
    )
    assert "(https://www.youtube.com/watch?v=abc)" in convert_storage(body)


def test_obsidian_image_embed_keeps_its_alt_text() -> None:
    body = '<ac:image ac:alt="Org chart"><ri:attachment ri:filename="org.svg"/></ac:image>'
    markdown = convert_storage(body, flavor="obsidian")
    assert markdown == "![[attachments/org.svg|Org chart]]\n"


def toc(*params: tuple[str, str]) -> str:
    inner = "".join(f'<ac:parameter ac:name="{k}">{v}</ac:parameter>' for k, v in params)
    return f'<ac:structured-macro ac:name="toc">{inner}</ac:structured-macro>'


HEADINGS = "<h1>Top</h1><h2>Setup</h2><h3>Install</h3><h4>Deep</h4><h2>Appendix A</h2>"


def test_toc_honours_min_and_max_level() -> None:
    markdown = convert_storage(toc(("minLevel", "2"), ("maxLevel", "3")) + HEADINGS)
    listed = markdown.split("\n\n")[0]
    assert listed == "- [Setup](#setup)\n  - [Install](#install)\n- [Appendix A](#appendix-a)"


def test_toc_exclude_and_include_match_the_whole_heading_as_regular_expressions() -> None:
    excluded = convert_storage(toc(("exclude", "Appendix.*|Deep")) + HEADINGS).split("\n\n")[0]
    assert "Appendix" not in excluded and "Deep" not in excluded and "[Setup]" in excluded
    included = convert_storage(toc(("include", "S.*")) + HEADINGS).split("\n\n")[0]
    assert included == "- [Setup](#setup)"


def test_toc_with_an_invalid_pattern_lists_every_heading_and_warns() -> None:
    from exporter.convert import convert_page
    from exporter.models import Page

    page = Page(id="1", space_key="ENG", title="T", body=toc(("exclude", "(")) + HEADINGS)
    result = convert_page(page, flavor="gfm", resolver=WorldResolver())
    assert "[Appendix A]" in result.markdown
    assert [w.code for w in result.warnings] == ["invalid-macro-parameter"]


def children(*params: tuple[str, str]) -> str:
    inner = "".join(f'<ac:parameter ac:name="{k}">{v}</ac:parameter>' for k, v in params)
    return f'<ac:structured-macro ac:name="children">{inner}</ac:structured-macro>'


class DatedWorld(WorldResolver):
    def children(self, ref: PageRef | None, depth: int | None = None) -> tuple[TreeItem, ...]:
        return (
            TreeItem(
                "beta", Link("beta.md", True, "beta"), created="2024-03-01", updated="2024-01-01"
            ),
            TreeItem(
                "Alpha", Link("alpha.md", True, "Alpha"), created="2024-02-01", updated="2025-01-01"
            ),
            TreeItem(
                "gamma", Link("gamma.md", True, "gamma"), created="2024-01-01", updated="2024-06-01"
            ),
        )


def titles(markdown: str) -> list[str]:
    return [line.split("[", 1)[1].split("]", 1)[0] for line in markdown.splitlines() if "[" in line]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ((), ["beta", "Alpha", "gamma"]),
        ((("sort", "title"),), ["Alpha", "beta", "gamma"]),
        ((("sort", "title"), ("reverse", "true")), ["gamma", "beta", "Alpha"]),
        ((("sort", "creation"),), ["gamma", "Alpha", "beta"]),
        ((("sort", "modified"), ("reverse", "true")), ["Alpha", "gamma", "beta"]),
        ((("sort", "title"), ("first", "2")), ["Alpha", "beta"]),
    ],
)
def test_children_macro_honours_sort_reverse_and_first(
    params: tuple[tuple[str, str], ...], expected: list[str]
) -> None:
    assert titles(convert_storage(children(*params), resolver=DatedWorld())) == expected


def test_children_with_depth_lists_that_many_levels() -> None:
    one = convert_storage(children(), resolver=WorldResolver())
    two = convert_storage(children(("depth", "2")), resolver=WorldResolver())
    assert "Grandchild" not in one and "Grandchild" in two


@pytest.mark.parametrize("flavor", FLAVORS)
def test_children_list_right_after_a_list_stays_a_list_of_its_own(flavor: str) -> None:
    body = "<ul><li><p>Tier 1</p></li><li><p>Tier 2</p></li></ul>" + children()
    markdown = convert_storage(body, flavor=flavor, resolver=WorldResolver())
    html = rendered(markdown, flavor)
    assert html.count("<ul>") == 2


MALFORMED = {
    "bare less-than": ("<p>if a < b then c</p><p>after</p>", ["if a < b then c", "after"]),
    "stray closing tag": ("<p>stray</span> closing</p><p>more</p>", ["stray closing", "more"]),
    "unclosed mark": ("<p>open <strong>bold<p>next</p><p>last</p>", ["bold", "next", "last"]),
    "unclosed void tag": ("<p>x <br> y</p><p>z</p>", ["x", "y", "z"]),
    "unterminated cdata": (
        '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[a = 1\nb < 2'
        "</ac:plain-text-body></ac:structured-macro><p>after code</p>",
        ["a = 1\nb < 2", "after code"],
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_storage_keeps_every_word_and_warns(case: str) -> None:
    from exporter.convert import convert_page
    from exporter.models import Page

    body, words = MALFORMED[case]
    result = convert_page(
        Page(id="7", space_key="ENG", title="Broken", body=body),
        flavor="gfm",
        resolver=WorldResolver(),
    )
    for text in words:
        assert text in result.markdown
    assert [w.code for w in result.warnings] == ["malformed-storage"]


def test_unclosed_mark_does_not_swallow_the_panels_after_it() -> None:
    body = (
        "<p>open <strong>bold<p>next</p>"
        '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>panel</p>'
        "</ac:rich-text-body></ac:structured-macro>"
    )
    assert "\n\n> [!NOTE]\n> panel" in convert_storage(body)


KOREAN = "%EC%82%AC%EC%9A%A9%EC%9E%90-%EB%8C%80%EC%8B%9C%EB%B3%B4%EB%93%9C"  # 사용자-대시보드


def anchor_link(anchor: str, title: str | None = "Guide") -> str:
    page = f'<ri:page ri:content-title="{title}"/>' if title else ""
    return f'<p><ac:link ac:anchor="{anchor}">{page}<ac:link-body>go</ac:link-body></ac:link></p>'


class GuideWorld(WorldResolver):
    def page_body(self, ref: PageRef) -> str | None:
        if ref.title == "Guide":
            return (
                "<h2>Intro</h2><h2>사용자 대시보드</h2><h2>Intro</h2>"
                '<ac:structured-macro ac:name="anchor"><ac:parameter ac:name="">Pin</ac:parameter>'
                "</ac:structured-macro>"
            )
        return super().page_body(ref)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_percent_encoded_cloud_anchor_is_decoded_once(flavor: str) -> None:
    markdown = convert_storage(anchor_link(KOREAN), flavor=flavor, resolver=GuideWorld())
    assert "%25" not in markdown
    assert "guide" in markdown and "#" in markdown


@pytest.mark.parametrize(
    ("flavor", "fragment"),
    [
        ("gfm", "guide.md#%EC%82%AC%EC%9A%A9%EC%9E%90-%EB%8C%80%EC%8B%9C%EB%B3%B4%EB%93%9C"),
        ("mkdocs", "guide.md#_1"),
        ("obsidian", "[[guide#사용자 대시보드|go]]"),
    ],
)
def test_cross_page_anchor_becomes_the_target_headings_id_in_the_flavor(
    flavor: str, fragment: str
) -> None:
    assert fragment in convert_storage(anchor_link(KOREAN), flavor=flavor, resolver=GuideWorld())


def test_cross_page_anchor_to_a_repeated_heading_gets_its_numbered_id() -> None:
    assert "guide.md#intro-1" not in convert_storage(anchor_link("Intro"), resolver=GuideWorld())
    assert "guide.md#intro)" in convert_storage(anchor_link("Intro"), resolver=GuideWorld())


def test_cross_page_anchor_naming_an_anchor_macro_keeps_its_name() -> None:
    assert "guide.md#Pin)" in convert_storage(anchor_link("Pin"), resolver=GuideWorld())


def test_same_page_anchor_finds_a_mixed_case_non_ascii_heading() -> None:
    body = "<h2>QueryPie Web에 로그인하기</h2>" + anchor_link(
        "querypie-web%EC%97%90-%EB%A1%9C%EA%B7%B8%EC%9D%B8%ED%95%98%EA%B8%B0", title=None
    )
    markdown = convert_storage(body)
    assert "[go](#querypie-web에-로그인하기)" in markdown


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("kind", ["list", "quote", "panel"])
def test_nesting_deeper_than_renderers_parse_is_flattened_and_every_word_shows(
    flavor: str, kind: str
) -> None:
    from exporter.convert import convert_page
    from exporter.models import Page

    depth = 30
    opening = {
        "list": "<ul><li><p>w{}</p>",
        "quote": "<blockquote><p>w{}</p>",
        "panel": '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>w{}</p>',
    }[kind]
    closing = {
        "list": "</li></ul>",
        "quote": "</blockquote>",
        "panel": "</ac:rich-text-body></ac:structured-macro>",
    }[kind]
    body = "".join(opening.format(i) for i in range(depth)) + "<p>DEEP</p>" + closing * depth
    result = convert_page(
        Page(id="9", space_key="ENG", title="Deep", body=body),
        flavor=flavor,
        resolver=WorldResolver(),
    )
    html = rendered(result.markdown, flavor)
    missing = [w for w in [f"w{i}" for i in range(depth)] + ["DEEP"] if w not in html]
    assert missing == []
    assert "nesting-flattened" in [w.code for w in result.warnings]


def test_shallow_nesting_is_not_flattened() -> None:
    body = "<ul><li><p>a</p><ul><li><p>b</p><ul><li><p>c</p></li></ul></li></ul></li></ul>"
    assert convert_storage(body) == "- a\n  - b\n    - c\n"


def test_adf_custom_panel_keeps_its_icon_in_the_title() -> None:
    body = (
        '<ac:adf-extension><ac:adf-node type="panel">'
        '<ac:adf-attribute key="panel-type">custom</ac:adf-attribute>'
        '<ac:adf-attribute key="panel-icon">:rocket:</ac:adf-attribute>'
        '<ac:adf-attribute key="panel-icon-text">🚀</ac:adf-attribute>'
        "<ac:adf-content><p>Launch day</p></ac:adf-content></ac:adf-node></ac:adf-extension>"
    )
    markdown = convert_storage(body)
    assert "🚀" in markdown and "Launch day" in markdown
