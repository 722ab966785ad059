"""Behaviour of the storage → Markdown converter, one element family per test."""

from __future__ import annotations

import re

import markdown as python_markdown
import pytest

from exporter.convert import convert_many, convert_page, convert_storage
from exporter.convert.quality import markdown_text
from exporter.errors import ConfigError
from exporter.models import Page
from tests.convert.world import WorldResolver


def panel(name: str, body: str = "<p>Body</p>", title: str | None = None) -> str:
    param = f'<ac:parameter ac:name="title">{title}</ac:parameter>' if title else ""
    return (
        f'<ac:structured-macro ac:name="{name}">{param}'
        f"<ac:rich-text-body>{body}</ac:rich-text-body></ac:structured-macro>"
    )


def page(body: str) -> Page:
    return Page(id="100", space_key="ENG", title="Current", body=body)


@pytest.mark.parametrize(
    ("macro", "gfm", "named"),
    [("info", "NOTE", "info"), ("tip", "TIP", "tip"), ("note", "WARNING", "warning"),
     ("warning", "CAUTION", "danger")],
)  # fmt: skip
def test_panels_map_to_each_flavors_callout_type(macro: str, gfm: str, named: str) -> None:
    assert convert_storage(panel(macro), flavor="gfm").startswith(f"> [!{gfm}]\n> Body")
    assert convert_storage(panel(macro), flavor="mkdocs").startswith(f"!!! {named}\n\n    Body")
    assert convert_storage(panel(macro), flavor="obsidian").startswith(f"> [!{named}]\n> Body")
    assert convert_storage(panel(macro), flavor="docusaurus").startswith(f":::{named}\n\nBody")


def test_note_panel_title_becomes_bold_first_line_of_warning_alert() -> None:
    assert convert_storage(panel("note", title="Careful")) == (
        "> [!WARNING]\n> **Careful**\n>\n> Body\n"
    )


def test_code_fence_is_longer_than_any_backtick_run_inside() -> None:
    storage = (
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">md</ac:parameter>'
        "<ac:plain-text-body><![CDATA[````\n```]]></ac:plain-text-body></ac:structured-macro>"
    )
    assert convert_storage(storage) == "`````md\n````\n```\n`````\n"


def test_code_lines_keep_their_trailing_spaces() -> None:
    storage = (
        '<p>text </p><ac:structured-macro ac:name="code"><ac:plain-text-body>'
        "<![CDATA[a = 1   \nb]]></ac:plain-text-body></ac:structured-macro>"
    )
    assert convert_storage(storage) == "text\n\n```\na = 1   \nb\n```\n"


def test_cdata_is_kept_verbatim_while_entities_outside_are_decoded() -> None:
    storage = (
        "<p>a&nbsp;&ndash;&nbsp;b</p>"
        '<ac:structured-macro ac:name="noformat"><ac:plain-text-body>'
        "<![CDATA[x &nbsp; <y> & z]]></ac:plain-text-body></ac:structured-macro>"
    )
    assert convert_storage(storage) == "a\u00a0\u2013\u00a0b\n\n```\nx &nbsp; <y> & z\n```\n"


def test_malformed_markup_is_recovered_without_losing_text() -> None:
    markdown = convert_storage("<p>one <strong>two<p>three &bogus; & four</p><foo:bar>five")
    for word in ("one", "two", "three", "&bogus;", "four", "five"):
        assert word in markdown_text(markdown)


def test_nesting_a_thousand_levels_deep_converts() -> None:
    depth = 1000
    storage = "<div>" * depth + "<p>deep <strong>text</strong></p>" + "</div>" * depth
    assert convert_storage(storage) == "deep **text**\n"


def test_nesting_deeper_than_libxml2_allows_still_keeps_the_text() -> None:
    depth = 3000
    storage = "<div>" * depth + "<p>x <b>y</b></p> tail" + "</div>" * depth
    assert convert_storage(storage) == "x **y**\n\ntail\n"


def test_deeply_nested_lists_keep_their_text() -> None:
    storage = "<ul><li>x" * 300 + "</li></ul>" * 300
    lines = [line for line in convert_storage(storage).splitlines() if line.strip()]
    assert len(lines) == 300 and all(line.strip() in ("- x", "– x") for line in lines)
    # Past eight levels the list is flattened: the indentation stops growing.
    assert max(len(line) - len(line.lstrip()) for line in lines) == 2 * 8


def test_unknown_macro_keeps_body_names_it_in_a_comment_and_warns() -> None:
    result = convert_page(page(panel("foo-widget")), flavor="gfm", resolver=WorldResolver())
    assert result.markdown == "<!-- confluence macro: foo-widget -->\n\nBody\n"
    assert [(w.code, w.message, w.page_id, w.title) for w in result.warnings] == [
        ("unknown-macro", "unknown macro 'foo-widget'", "100", "Current")
    ]


def test_unknown_macro_comment_is_jsx_in_docusaurus() -> None:
    assert convert_storage(panel("foo-widget"), flavor="docusaurus").startswith(
        "{/* confluence macro: foo-widget */}"
    )


def test_page_properties_become_a_table_and_front_matter_keys() -> None:
    body = panel(
        "details",
        "<table><tbody><tr><th>Owner</th><td>Alice</td></tr>"
        "<tr><th>Due date</th><td><time datetime='2026-12-01'/></td></tr>"
        "<tr><th>Title</th><td>x</td></tr></tbody></table>",
    )
    result = convert_page(page(body), flavor="gfm", resolver=WorldResolver())
    assert result.front_matter == {
        "owner": "Alice",
        "due_date": "2026-12-01",
        "property_title": "x",
    }
    # A key/value table has no header row: its rows stay data, the keys row headers.
    assert "<tr>\n<th>Owner</th>\n<td>Alice</td>\n</tr>" in result.markdown
    assert "|  |" not in result.markdown


def test_only_the_current_pages_referenced_attachments_are_reported() -> None:
    body = (
        '<ac:image><ri:attachment ri:filename="a.png"/></ac:image>'
        '<ac:link><ri:attachment ri:filename="b.pdf"/></ac:link>'
        '<ac:link><ri:attachment ri:filename="c.txt"><ri:page ri:content-title="Other page"/>'
        "</ri:attachment></ac:link>"
    )
    result = convert_page(page(body), flavor="gfm", resolver=WorldResolver())
    assert result.attachments == frozenset({"a.png", "b.pdf"})


def include(title: str, name: str = "include") -> str:
    return (
        f'<ac:structured-macro ac:name="{name}"><ac:parameter ac:name="">'
        f'<ac:link><ri:page ri:content-title="{title}"/></ac:link></ac:parameter>'
        "</ac:structured-macro>"
    )


def test_include_of_an_exported_page_inlines_its_body() -> None:
    markdown = convert_storage(include("Shared Snippet"), resolver=WorldResolver())
    assert markdown == "Included **snippet** text.\n"


def test_attachments_of_an_included_page_belong_to_that_page() -> None:
    result = convert_page(
        page(include("Snippet With Image")), flavor="gfm", resolver=WorldResolver()
    )
    assert result.markdown == "![chart](other-page/attachments/chart.png)\n"
    assert result.attachments == frozenset()


def test_include_that_includes_itself_stops_with_a_link() -> None:
    markdown = convert_storage(include("Loop"), resolver=WorldResolver())
    assert markdown == "Loop start.\n\n[Loop](loop.md)\n"


def test_excerpt_include_inlines_only_the_excerpt() -> None:
    markdown = convert_storage(
        include("Product Overview", "excerpt-include"), resolver=WorldResolver()
    )
    assert markdown == "The product excerpt.\n"


def test_include_of_a_page_outside_the_export_links_to_confluence() -> None:
    markdown = convert_storage(include("Not Exported"), resolver=WorldResolver())
    assert (
        markdown == "[Not Exported](https://acme.atlassian.net/wiki/display/ENG/Not%20Exported)\n"
    )


def test_links_to_the_confluence_site_are_rewritten_by_the_resolver() -> None:
    storage = (
        '<p><a href="https://acme.atlassian.net/wiki/spaces/ENG/pages/12345/Runbook">rb</a></p>'
    )
    assert convert_storage(storage, resolver=WorldResolver()) == "[rb](runbook.md)\n"


def test_offline_page_links_point_at_title_slugs_and_attachments_folder() -> None:
    storage = (
        '<p><ac:link><ri:page ri:content-title="Handoff Home"/></ac:link> '
        '<ac:link><ri:attachment ri:filename="my notes.txt"/></ac:link></p>'
    )
    assert convert_storage(storage) == (
        "[Handoff Home](handoff-home.md) [my notes.txt](attachments/my%20notes.txt)\n"
    )


def test_docusaurus_escapes_braces_and_angle_brackets_in_prose() -> None:
    assert convert_storage("<p>{x} &lt;T&gt; a &lt; b</p>", flavor="docusaurus") == (
        "\\{x\\} \\<T\\> a \\< b\n"
    )


def test_obsidian_uses_wikilinks_and_embeds_for_exported_files() -> None:
    storage = (
        '<p><ac:link><ri:page ri:content-title="Handoff Home"/></ac:link></p>'
        '<ac:image ac:width="300"><ri:attachment ri:filename="a b.png"/></ac:image>'
    )
    assert convert_storage(storage, flavor="obsidian") == (
        "[[handoff-home|Handoff Home]]\n\n![[attachments/a b.png|300]]\n"
    )


def test_pipe_table_escapes_pipes_and_keeps_header_column_bold() -> None:
    storage = (
        "<table><tbody><tr><th>K</th><th>V</th></tr>"
        "<tr><th>a|b</th><td><code>x|y</code></td></tr></tbody></table>"
    )
    assert convert_storage(storage) == "| K | V |\n| --- | --- |\n| **a\\|b** | `x\\|y` |\n"


def test_merged_cells_make_an_html_table_with_nothing_duplicated() -> None:
    storage = (
        '<table><tbody><tr><th colspan="2">wide</th></tr>'
        "<tr><td>left</td><td>right</td></tr></tbody></table>"
    )
    markdown = convert_storage(storage)
    assert markdown.startswith("<table>") and '<th colspan="2">' in markdown
    assert markdown_text(markdown).split() == ["wide", "left", "right"]


@pytest.mark.parametrize(
    "text",
    ["# h", "* item", "- item", "+ item", "1. item", "2) item", "> quote", "---", "===",
     "*em*", "**strong**", "_em_", "`code`", "[a](b)", "![i](s)", "<div>", "&copy;", "~~s~~",
     "\\*", "a\\", "[x]", "<https://x.y>", "| a | b |", "***", "___"],
)  # fmt: skip
def test_markdown_syntax_in_prose_renders_literally(text: str) -> None:
    storage = "<p>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</p>"
    assert markdown_text(convert_storage(storage)).strip() == text


def test_hard_line_breaks_are_kept_per_flavor() -> None:
    storage = "<p>one<br/>two<br/></p>"
    assert convert_storage(storage) == "one\\\ntwo\n"
    assert convert_storage(storage, flavor="mkdocs") == "one  \ntwo\n"


def test_task_lists_nest_with_dates_and_mentions() -> None:
    storage = (
        "<ac:task-list><ac:task><ac:task-status>incomplete</ac:task-status><ac:task-body>"
        'Due <time datetime="2026-10-01"/> <ac:link><ri:user ri:account-id="557058:alice"/>'
        "</ac:link></ac:task-body><ac:task-list><ac:task><ac:task-status>complete</ac:task-status>"
        "<ac:task-body>sub</ac:task-body></ac:task></ac:task-list></ac:task></ac:task-list>"
    )
    assert convert_storage(storage, resolver=WorldResolver()) == (
        "- [ ] Due 2026-10-01 @Alice Example\n  - [x] sub\n"
    )


def test_mkdocs_toc_links_match_python_markdown_heading_ids() -> None:
    storage = (
        '<ac:structured-macro ac:name="toc"/><h1>Intro &amp; setup</h1><h2>설치</h2><h2>설치</h2>'
    )
    markdown = convert_storage(storage, flavor="mkdocs")
    html = python_markdown.markdown(markdown, extensions=["toc"])
    for target in ("#intro-setup", "#_1", "#_2"):
        assert f'href="{target}"' in html
        assert f'id="{target[1:]}"' in html


def test_gfm_toc_uses_github_heading_slugs_with_duplicate_suffixes() -> None:
    storage = '<ac:structured-macro ac:name="toc"/><h1>A &amp; B</h1><h2>A &amp; B</h2>'
    assert convert_storage(storage).startswith("- [A & B](#a--b)\n  - [A & B](#a--b-1)\n")


def test_adf_panel_renders_its_content_once_not_its_fallback() -> None:
    storage = (
        '<ac:adf-extension><ac:adf-node type="panel"><ac:adf-attribute key="panel-type">error'
        "</ac:adf-attribute><ac:adf-content><p>Boom</p></ac:adf-content></ac:adf-node>"
        "<ac:adf-fallback><p>Boom</p></ac:adf-fallback></ac:adf-extension>"
    )
    assert convert_storage(storage) == "> [!CAUTION]\n> Boom\n"


def test_unknown_flavor_is_a_config_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match="gfm, mkdocs, docusaurus, obsidian"):
        convert_storage("<p>x</p>", flavor="hugo")


def test_convert_many_in_processes_matches_serial_conversion() -> None:
    bodies = [panel("info", f"<p>page {n}</p>") for n in range(6)]
    assert convert_many(bodies, flavor="mkdocs", max_workers=2) == [
        convert_storage(b, flavor="mkdocs") for b in bodies
    ]


def test_links_to_confluence_heading_anchors_point_at_the_flavors_heading_ids() -> None:
    storage = (
        "<h2>Install &amp; configure</h2>"
        '<p><ac:link ac:anchor="Install-&amp;-configure"><ac:plain-text-link-body>'
        "<![CDATA[cloud]]></ac:plain-text-link-body></ac:link> "
        '<a href="#Current-Installconfigure">legacy</a> <a href="#elsewhere">unknown</a></p>'
    )
    result = convert_page(page(storage), flavor="gfm", resolver=WorldResolver())
    assert result.markdown.endswith(
        "[cloud](#install--configure) [legacy](#install--configure) [unknown](#elsewhere)\n"
    )
    obsidian = convert_page(page(storage), flavor="obsidian", resolver=WorldResolver())
    assert "[[#Install & configure|cloud]]" in obsidian.markdown


def test_links_to_anchor_macros_keep_the_anchor_name() -> None:
    storage = (
        '<ac:structured-macro ac:name="anchor"><ac:parameter ac:name="">step-2</ac:parameter>'
        '</ac:structured-macro><h2>Step 2</h2><p><a href="#step-2">go</a></p>'
    )
    assert convert_storage(storage).endswith("[go](#step-2)\n")


def test_obsidian_wikilinks_escape_their_bar_inside_pipe_tables() -> None:
    storage = (
        "<table><tr><th>Page</th></tr><tr><td>"
        '<ac:link><ri:page ri:content-title="Handoff Home"/></ac:link></td></tr></table>'
    )
    assert convert_storage(storage, flavor="obsidian").endswith(
        "| [[handoff-home\\|Handoff Home]] |\n"
    )


def test_obsidian_falls_back_to_markdown_links_for_bracketed_text() -> None:
    storage = '<p><a href="#cit">[CIT2001]</a></p>'
    assert convert_storage(storage, flavor="obsidian") == "[\\[CIT2001\\]](#cit)\n"


def test_unknown_macro_parameters_do_not_leak_into_the_markdown() -> None:
    storage = (
        '<ac:structured-macro ac:name="foo-widget"><ac:parameter ac:name="secret">hidden value'
        "</ac:parameter><ac:rich-text-body><p>shown</p></ac:rich-text-body></ac:structured-macro>"
    )
    markdown = convert_storage(storage)
    assert "hidden value" not in markdown
    assert "shown" in markdown


def test_relative_hrefs_resolve_against_the_page_url_never_climbing_out() -> None:
    body = '<p><a href="../../../../etc/passwd">up</a> <a href="/wiki/x">site</a></p>'
    hostile = Page(id="1", space_key="ENG", title="T", body=body,
                   url="https://acme.atlassian.net/wiki/spaces/ENG/pages/1/T")  # fmt: skip
    result = convert_page(hostile, flavor="gfm", resolver=WorldResolver())
    assert result.markdown == (
        "[up](https://acme.atlassian.net/wiki/etc/passwd) [site](https://acme.atlassian.net/wiki/x)\n"
    )
    assert convert_storage(body) == "up site\n"
    assert convert_storage('<p><a href="notes.html">n</a></p>') == "[n](notes.html)\n"


def test_script_urls_never_become_links_or_images() -> None:
    storage = (
        '<p><a href="java\tscript:alert(1)">click</a> <img src="javascript:x" alt="pic"/> '
        '<ac:link><ri:url ri:value="vbscript:y"/><ac:plain-text-link-body><![CDATA[vb]]>'
        "</ac:plain-text-link-body></ac:link></p>"
    )
    assert convert_storage(storage) == "click pic vb\n"


def test_exclamation_mark_before_a_link_stays_text() -> None:
    storage = '<p>Done!<a href="https://example.com/next">next step</a></p>'
    assert convert_storage(storage) == "Done\\![next step](https://example.com/next)\n"


def test_nested_strikethrough_is_struck_once() -> None:
    assert convert_storage("<p><s><s>kept</s></s></p>", flavor="mkdocs") == "~~kept~~\n"


@pytest.mark.parametrize("flavor", ["gfm", "mkdocs", "docusaurus", "obsidian"])
def test_table_rows_and_cells_outside_a_table_become_paragraphs(flavor: str) -> None:
    storage = "<p>before</p><tr><td>row</td></tr><td>cell</td><th>head</th>"
    assert convert_storage(storage, flavor=flavor) == "before\n\nrow\n\ncell\n\nhead\n"


def test_video_element_keeps_its_fallback_text() -> None:
    assert convert_storage('<p>a</p><video src="x.mp4">clip</video>') == "a\n\nclip\n"


@pytest.mark.parametrize("flavor", ["gfm", "mkdocs", "docusaurus", "obsidian"])
@pytest.mark.parametrize(
    ("body", "label"),
    [
        ('<ac:structured-macro ac:name="detailssummary"/>', "Page Properties Report"),
        ('<ac:structured-macro ac:name="recently-updated"/>', "Recently Updated"),
        ('<ac:structured-macro ac:name="acme-poll"/>', "acme-poll macro"),
        ('<p>Vote: <ac:structured-macro ac:name="acme-poll"/></p>', "acme-poll macro"),
    ],
)
def test_dropped_macro_leaves_visible_placeholder_not_only_a_comment(
    body: str, label: str, flavor: str
) -> None:
    page_ = Page(id="7", space_key="ENG", title="Status", body=body, url="https://x.test/p/7")
    result = convert_page(page_, flavor=flavor, resolver=WorldResolver())
    visible = re.sub(r"<!--.*?-->|\{/\*.*?\*/\}", "", result.markdown, flags=re.S)
    assert f"{label}: not exported" in visible
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert (warning.page_id, warning.title, warning.url) == ("7", "Status", "https://x.test/p/7")
    assert "https://x.test/p/7" not in visible  # links into the export stay relative


def codes(body: str) -> list[tuple[str, str]]:
    result = convert_page(page(body), flavor="gfm", resolver=WorldResolver())
    return [(w.code, w.message) for w in result.warnings]


def test_link_to_a_page_outside_the_export_is_a_warning_naming_the_target() -> None:
    body = (
        '<p><ac:link><ri:page ri:content-title="Not Exported" ri:space-key="OPS"/></ac:link> '
        '<ac:link><ri:page ri:content-title="Shared Snippet"/></ac:link></p>'
    )
    assert codes(body) == [
        (
            "link-to-unexported-page",
            "links to page 'Not Exported' in space OPS, which is not exported; the link goes "
            "to Confluence",
        )
    ]


def test_include_of_a_page_outside_the_export_is_a_warning() -> None:
    body = (
        '<ac:structured-macro ac:name="include"><ac:parameter ac:name="">'
        '<ac:link><ri:page ri:content-title="Not Exported"/></ac:link>'
        "</ac:parameter></ac:structured-macro>"
    )
    assert [code for code, _ in codes(body)] == ["link-to-unexported-page"]
    assert codes(body)[0][1].startswith("includes page 'Not Exported'")


def test_anchor_link_that_no_heading_or_anchor_has_is_a_broken_anchor_warning() -> None:
    body = (
        "<h2>Setup</h2><p>"
        '<ac:link ac:anchor="Setup"><ac:plain-text-link-body><![CDATA[ok]]>'
        "</ac:plain-text-link-body></ac:link> "
        '<ac:link ac:anchor="Nowhere"><ac:plain-text-link-body><![CDATA[bad]]>'
        "</ac:plain-text-link-body></ac:link></p>"
    )
    assert codes(body) == [
        ("broken-anchor", "links to anchor '#Nowhere', which no heading or anchor on the page has")
    ]


def test_body_that_is_not_xml_is_read_with_a_malformed_storage_warning() -> None:
    assert codes("<p>Unclosed <strong>bold<p>next</p>") == [
        (
            "malformed-storage",
            "the body is not well-formed XML (Opening and ending tag mismatch: strong); it was "
            "read with HTML rules; check the page in Confluence",
        )
    ]
    assert codes("<p>Fine <strong>bold</strong></p>") == []
