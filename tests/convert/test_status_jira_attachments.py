"""Status lozenges keep their colour, JQL lists link to Jira, the attachments macro lists files."""

from __future__ import annotations

import pytest

from exporter.convert import FLAVORS, OfflineResolver, convert_page, convert_storage
from exporter.models import Page
from exporter.site.markdown import MarkdownRenderer
from exporter.site.sanitize import clean
from tests.convert.world import WorldResolver


def status(title: str, colour: str | None = None) -> str:
    colour_param = f'<ac:parameter ac:name="colour">{colour}</ac:parameter>' if colour else ""
    return (
        f'<p><ac:structured-macro ac:name="status"><ac:parameter ac:name="title">{title}'
        f"</ac:parameter>{colour_param}</ac:structured-macro></p>"
    )


@pytest.mark.parametrize(
    ("colour", "emoji"),
    [("Green", "🟢"), ("Red", "🔴"), ("Yellow", "🟡"), ("Blue", "🔵"), ("Purple", "🟣"),
     ("Grey", "⚪"), (None, "⚪"), ("Chartreuse", "⚪")],
)  # fmt: skip
def test_status_lozenge_keeps_its_colour_as_a_circle(colour: str | None, emoji: str) -> None:
    assert convert_storage(status("Done", colour)) == f"{emoji} `DONE`\n"


@pytest.mark.parametrize("flavor", ["gfm", "mkdocs"])
def test_status_colour_and_label_survive_the_site_sanitizer(flavor: str) -> None:
    markdown = convert_storage(status("In review", "Blue"), flavor=flavor)
    html = clean(MarkdownRenderer(flavor).md.render(markdown))
    assert html.strip() == "<p>🔵 <code>IN REVIEW</code></p>"


def jql(query: str, server: str = "") -> str:
    server_param = f'<ac:parameter ac:name="server">{server}</ac:parameter>' if server else ""
    return (
        f'<p><ac:structured-macro ac:name="jira">{server_param}'
        f'<ac:parameter ac:name="jqlQuery">{query}</ac:parameter></ac:structured-macro></p>'
    )


def test_jql_query_links_to_jira_issue_search_offline() -> None:
    resolver = OfflineResolver(jira_base="https://jira.example.com/")
    markdown = convert_storage(jql("project = ENG &amp; x"), resolver=resolver)
    assert markdown == (
        "Jira issues: [`project = ENG & x`]"
        "(https://jira.example.com/issues/?jql=project%20%3D%20ENG%20%26%20x)\n"
    )


@pytest.mark.parametrize("flavor", FLAVORS)
def test_jql_link_with_brackets_and_parentheses_stays_one_link(flavor: str) -> None:
    resolver = OfflineResolver(jira_base="https://jira.example.com/")
    body = jql("key in (A-1, A-2) AND x ~ &quot;[a]&quot;")
    markdown = convert_storage(body, flavor=flavor, resolver=resolver)
    html = clean(MarkdownRenderer(flavor).md.render(markdown))
    assert html.count("<a ") == 1 and "jql=key%20in%20%28A-1%2C%20A-2%29" in html


def attachments_macro(*params: tuple[str, str]) -> str:
    inner = "".join(f'<ac:parameter ac:name="{k}">{v}</ac:parameter>' for k, v in params)
    return f'<ac:structured-macro ac:name="attachments">{inner}</ac:structured-macro>'


def test_attachments_macro_without_known_files_leaves_a_comment() -> None:
    markdown = convert_storage(attachments_macro(("upload", "false")))
    assert markdown == "<!-- confluence macro: attachments (no exported files) -->\n"


def test_attachments_macro_filters_by_pattern_and_sorts_by_name() -> None:
    body = attachments_macro(("patterns", "r.*, .*\\.CSV"))
    markdown = convert_storage(body, resolver=WorldResolver())
    assert markdown == (
        "- [data.csv](attachments/data.csv)\n"
        "- [release notes.txt](attachments/release%20notes.txt)\n"
        "- [report.pdf](attachments/report.pdf)\n"
    )


def test_attachments_macro_with_a_broken_pattern_matches_it_literally() -> None:
    markdown = convert_storage(
        attachments_macro(("patterns", "data.csv, [")), resolver=WorldResolver()
    )
    assert markdown == "- [data.csv](attachments/data.csv)\n"


def test_attachments_macro_in_a_table_cell_keeps_its_list_in_the_cell() -> None:
    body = f"<table><tbody><tr><th>Files</th></tr><tr><td>{attachments_macro()}</td></tr></tbody></table>"
    markdown = convert_storage(body, resolver=WorldResolver())
    cell = markdown.split("<td>", 1)[1].split("</td>", 1)[0]
    assert cell.strip().splitlines()[0] == "- [architecture.png](attachments/architecture.png)"
    assert cell.count("- [") == 4


def test_status_in_page_properties_is_plain_text_in_front_matter() -> None:
    body = (
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody><tr>'
        "<th>Status</th><td>" + status("Released", "Green")[3:-4] + "</td></tr></tbody></table>"
        "</ac:rich-text-body></ac:structured-macro>"
    )
    page = Page(id="1", space_key="ENG", title="Release", body=body)
    result = convert_page(page, flavor="mkdocs", resolver=OfflineResolver())
    assert result.front_matter == {"status": "RELEASED"}
    assert "🟢 `RELEASED`" in result.markdown


def test_offline_jira_keys_stay_text_without_a_configured_jira() -> None:
    issue = '<ac:structured-macro ac:name="jira"><ac:parameter ac:name="key">ABC-1</ac:parameter></ac:structured-macro>'
    assert convert_storage(f"<p>{issue} is open</p>") == "ABC-1 is open\n"
    assert convert_storage(jql("project = ABC")) == "Jira issues: `project = ABC`\n"


def test_offline_jira_key_links_to_a_server_url_given_in_the_macro() -> None:
    issue = (
        '<ac:structured-macro ac:name="jira"><ac:parameter ac:name="key">ABC-1</ac:parameter>'
        '<ac:parameter ac:name="server">https://jira.example.com</ac:parameter></ac:structured-macro>'
    )
    assert convert_storage(issue) == "[ABC-1](https://jira.example.com/browse/ABC-1)\n"
