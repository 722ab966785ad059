"""Constructs of real Cloud pages that the converter used to get wrong (one test each)."""

from __future__ import annotations

import pytest

from exporter.convert import FLAVORS, convert_storage
from exporter.site.markdown import MarkdownRenderer
from exporter.site.sanitize import clean

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
