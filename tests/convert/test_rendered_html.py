"""HTML that Confluence renders (the ``html`` macro, ``convert_rendered_html``) through markdownify."""

from __future__ import annotations

import pytest

from exporter.convert import FLAVORS, convert_page, convert_rendered_html, convert_storage
from exporter.convert.quality import markdown_text
from exporter.errors import ConfigError
from exporter.models import Page
from exporter.warnings import MACRO_NOT_EXPORTED, UNKNOWN_MACRO
from tests.convert.world import SITE, WorldResolver


def html_macro(html: str) -> str:
    return (
        '<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA['
        + html
        + "]]></ac:plain-text-body></ac:structured-macro>"
    )


DOC = "<h2>Setup</h2><p>Run <b>make</b> first.</p><ul><li>one<ul><li>two</li></ul></li></ul>"


def test_html_macro_body_becomes_markdown_not_source_code() -> None:
    assert convert_storage(html_macro(DOC)) == "## Setup\n\nRun **make** first.\n\n- one\n  - two\n"


def test_html_macro_follows_each_flavors_headings_and_list_indents() -> None:
    assert convert_storage(html_macro(DOC), flavor="docusaurus").startswith("### Setup\n")
    assert "- one\n    - two" in convert_storage(html_macro(DOC), flavor="mkdocs")


def test_html_macro_is_known_and_warns_only_when_it_drops_script_naming_the_page() -> None:
    body = html_macro("<p>Visible</p><script>alert('x')</script><style>p{}</style>")
    page = Page(id="100", space_key="ENG", title="Current", body=body)
    converted = convert_page(page, flavor="gfm", resolver=WorldResolver())
    assert converted.markdown == "Visible\n"
    [warning] = converted.warnings
    assert (warning.code, warning.page_id, warning.title) == (MACRO_NOT_EXPORTED, "100", "Current")
    assert "<script>, <style> left out" in warning.message
    clean = convert_page(
        Page(id="101", space_key="ENG", title="Clean", body=html_macro(DOC)),
        flavor="gfm",
        resolver=WorldResolver(),
    )
    assert clean.warnings == ()
    assert UNKNOWN_MACRO not in {w.code for w in converted.warnings}


def test_html_macro_links_go_through_the_resolver_and_script_urls_are_dropped() -> None:
    html = (
        f'<p><a href="{SITE}/wiki/spaces/ENG/pages/12345/Runbook">runbook</a> '
        '<a href="javascript:alert(1)">bad</a> <a href="../../etc">climb</a> '
        '<a href="https://example.com/x">web</a></p>'
    )
    page = Page(id="100", space_key="ENG", title="Current", body=html_macro(html))
    markdown = convert_page(page, flavor="gfm", resolver=WorldResolver()).markdown
    assert markdown == "[runbook](runbook.md) bad climb [web](https://example.com/x)\n"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_rendered_text_that_looks_like_markup_stays_text_in_every_flavor(flavor: str) -> None:
    html = "<p>&lt;b&gt;not bold&lt;/b&gt; {x} 5 * 3 [y] a_b_</p><p>- not a list</p>"
    markdown = convert_rendered_html(html, flavor)
    assert "<b>" not in markdown.replace("\\<b>", "")
    shown = " ".join(markdown_text(markdown).split())
    assert shown == "<b>not bold</b> {x} 5 * 3 [y] a_b_ - not a list"


def test_rendered_table_keeps_pipes_inside_cells_and_images_in_them() -> None:
    html = (
        "<table><tr><th>a|b</th><th>pic</th></tr>"
        '<tr><td><code>x|y</code></td><td><img src="https://e.example/i.png" alt="i"></td></tr>'
        "</table>"
    )
    assert convert_rendered_html(html, "gfm") == (
        "| a\\|b | pic |\n| --- | --- |\n| `x\\|y` | ![i](https://e.example/i.png) |\n"
    )


def test_rendered_code_blocks_are_fenced_longer_than_backticks_inside() -> None:
    html = '<pre class="language-python"><code>x = """```"""</code></pre>'
    assert convert_rendered_html(html, "gfm") == '````python\nx = """```"""\n````\n'


def test_rendered_links_stay_in_brackets_for_mdx() -> None:
    html = '<p><a href="https://example.com">https://example.com</a></p>'
    assert convert_rendered_html(html, "docusaurus") == (
        "[https://example.com](https://example.com)\n"
    )


def test_rendered_frame_becomes_a_link_to_what_it_showed() -> None:
    html = '<iframe src="https://www.youtube.com/embed/abc"></iframe><object data="x"></object>'
    assert convert_rendered_html(html, "gfm") == (
        "[https://www.youtube.com/embed/abc](https://www.youtube.com/embed/abc)\n"
    )


def test_html_macro_inside_a_paragraph_flows_with_its_text() -> None:
    body = "<p>Before " + html_macro("<b>bold</b> text<br>more") + " after</p>"
    assert convert_storage(body) == "Before **bold** text more after\n"


def test_html_macro_inside_a_table_cell_stays_in_its_cell() -> None:
    body = (
        "<table><tbody><tr><th>h</th></tr><tr><td>"
        + html_macro("<p>a | b</p><p>c</p>")
        + "</td></tr></tbody></table>"
    )
    markdown = convert_storage(body)
    assert "<td>\n\na | b\n\nc\n\n</td>" in markdown


def test_rendered_html_in_an_unknown_flavor_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Unknown flavor 'rst'"):
        convert_rendered_html("<p>x</p>", "rst")
