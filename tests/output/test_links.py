"""ExportResolver: links from one exported page to pages, attachments and site URLs."""

from __future__ import annotations

import base64
from pathlib import Path

from exporter.convert import convert_page
from exporter.convert.resolve import PageRef
from exporter.docs.resolver import ExportResolver, page_id_from_tiny
from exporter.docs.writer import DocsWriter
from tests.output.trees import SITE, page, sample_tree


def resolver_for(tmp_path: Path, page_id: str, title: str, **kw) -> ExportResolver:
    writer = DocsWriter(tmp_path / "docs", sample_tree(), "mkdocs", site_url=SITE,
                        users={"u1": "Ada"}, **kw)  # fmt: skip
    return writer.resolver(page(page_id, title))


def tiny(page_id: int) -> str:
    code = base64.b64encode(page_id.to_bytes(8, "little")).decode()
    return code.rstrip("=").replace("/", "-").replace("+", "_").rstrip("A")


def test_link_between_pages_in_different_folders_is_relative(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    link = r.page(PageRef(title="ADR 1"))
    assert link.exported and link.href == "../design/adr-1.md"
    assert r.page(PageRef(page_id="200"), anchor="On call").href == "../../ops/index.md#On%20call"
    assert r.page(PageRef(title="Zeta guide", space_key="ENG")).href == "../zeta-guide.md"


def test_link_to_current_page_anchor_stays_in_the_file(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    assert r.page(PageRef(), anchor="step-2").href == "#step-2"


def test_unexported_targets_become_confluence_urls_and_are_recorded(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    by_id = r.page(PageRef(page_id="777", space_key="HR"))
    assert not by_id.exported
    assert by_id.href == f"{SITE}/wiki/spaces/HR/pages/777"
    by_title = r.page(PageRef(title="Holiday plan", space_key="HR"))
    assert by_title.href == f"{SITE}/wiki/display/HR/Holiday+plan"
    title = 'r:["page", "HR", "Holiday plan", null]'
    assert {"e:777", title} <= r.dependencies


def test_dependencies_record_every_page_asked_about(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    r.page(PageRef(title="ADR 1"))
    r.page(PageRef(page_id="200"))
    assert r.dependencies == {'r:["page", "ENG", "ADR 1", null]', "e:131", "e:200"}


def test_blog_post_resolves_by_title_and_posting_day(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    ref = PageRef(title="Release 1.0", kind="blogpost", posting_day="2023/06/02")
    assert r.page(ref).href == "../blog/2023/release-1-0.md"


def test_attachments_of_current_and_other_pages_are_relative_and_encoded(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    assert r.attachment("my shot #1.png").href == "install.assets/my%20shot%20%231.png"
    other = r.attachment("diagram.svg", PageRef(title="ADR 1"))
    assert other.href == "../design/adr-1.assets/diagram.svg"
    assert ("131", "diagram.svg") in r.attachment_refs
    remote = r.attachment("x.pdf", PageRef(page_id="777"))
    assert remote.href == f"{SITE}/wiki/download/attachments/777/x.pdf" and not remote.exported


def test_attachments_stay_remote_when_not_exported(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install", attachments=False)
    assert r.attachment("a.png").href == f"{SITE}/wiki/download/attachments/121/a.png"


def test_site_urls_to_exported_pages_become_local_links(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    cases = {
        f"{SITE}/wiki/spaces/ENG/pages/131/ADR+1": "../design/adr-1.md",
        "/wiki/spaces/ENG/pages/131": "../design/adr-1.md",
        f"{SITE}/wiki/spaces/OPS/pages/210/Runbook#Escalation": "../../ops/runbook.md#Escalation",
        "/display/ENG/Zeta+guide": "../zeta-guide.md",
        f"{SITE}/wiki/display/ENG/Zeta%20guide": "../zeta-guide.md",
        f"/wiki/x/{tiny(122)}": "configure.md",
        f"{SITE}/wiki/pages/viewpage.action?pageId=110": "../zeta-guide.md",
        f"{SITE}/wiki/spaces/OPS/overview": "../../ops/index.md",
        f"{SITE}/wiki/download/attachments/131/d.png?version=2": "../design/adr-1.assets/d.png",
    }
    for url, href in cases.items():
        link = r.url(url)
        assert (link.href, link.exported) == (href, True), url


def test_other_urls_are_left_alone_or_made_absolute(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    assert r.url("https://example.com/x?y=1").href == "https://example.com/x?y=1"
    assert r.url("mailto:a@b.c").href == "mailto:a@b.c"
    assert r.url("//cdn.example.com/wiki/x/AB").href == "//cdn.example.com/wiki/x/AB"
    assert r.url("#top").href == "#top"
    assert r.url("javascript:alert(1)").exported is False
    missing = r.url("/wiki/spaces/HR/pages/777/Leave")
    assert missing.href == f"{SITE}/wiki/spaces/HR/pages/777/Leave" and not missing.exported


def test_tiny_link_codes_decode_to_page_ids() -> None:
    for ident in (1, 65851, 98306, 2_147_483_648, 123_456_789_012):
        assert page_id_from_tiny(tiny(ident)) == str(ident)
    assert page_id_from_tiny("!!") is None


def test_children_tree_follows_confluence_order(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "100", "Engineering home")
    items = r.children(None)
    assert [i.title for i in items] == ["Zeta guide", "Setup", "Design", "Blog"]
    assert items[1].link.href == "setup/index.md"
    assert [c.title for c in items[1].children] == ["Install", "Configure"]
    assert items[1].children[0].link.href == "setup/install.md"
    shallow = r.children(PageRef(title="Setup"), depth=1)
    assert [i.children for i in shallow] == [(), ()]


def test_users_spaces_and_bodies(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install", body_provider={"131": "<p>adr</p>"}.get)
    assert r.user("u1") == "Ada" and r.user("u9") == "u9"
    assert r.space("OPS").href == "../../ops/index.md"
    assert r.space("HR").href == f"{SITE}/wiki/spaces/HR"
    assert r.page_body(PageRef(title="ADR 1")) == "<p>adr</p>"
    assert r.page_body(PageRef(title="Nope")) is None
    assert resolver_for(tmp_path, "121", "Install").page_body(PageRef(title="ADR 1")) is None
    assert r.jira("ABC-1") == f"{SITE}/browse/ABC-1"
    assert r.jira("ABC-1", "https://jira.example.com/") == "https://jira.example.com/browse/ABC-1"


def test_jql_query_links_to_issue_search_on_site_or_server(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    assert r.jira_query('project = ENG AND status = "To Do"') == (
        f"{SITE}/issues/?jql=project%20%3D%20ENG%20AND%20status%20%3D%20%22To%20Do%22"
    )
    assert r.jira_query("a&b=c", "System JIRA").startswith(f"{SITE}/issues/?jql=a%26b%3Dc")
    assert r.jira_query("x", "https://jira.example.com") == "https://jira.example.com/issues/?jql=x"


def listing_resolver(tmp_path: Path, page_id: str, title: str) -> ExportResolver:
    """A resolver as the pipeline builds it, plus the pages' attachment listings."""
    writer = DocsWriter(tmp_path / "docs", sample_tree(), "mkdocs", site_url=SITE)
    files = {"121": ["b shot.png", "a.pdf", "a.pdf"], "131": ["diagram.svg"]}
    for owner, names in files.items():
        writer.register_attachments(owner, names)
    return ExportResolver(
        writer.layout,
        page(page_id, title),
        site_url=SITE,
        attachment_path=writer.attachment_path,
        attachment_names=lambda pid: files.get(pid, []),
    )


def test_attachments_lists_a_pages_exported_files_with_relative_links(tmp_path: Path) -> None:
    r = listing_resolver(tmp_path, "121", "Install")
    assert [(n, link.href) for n, link in r.attachments()] == [
        ("a.pdf", "install.assets/a.pdf"),
        ("b shot.png", "install.assets/b%20shot.png"),
    ]
    other = r.attachments(PageRef(title="ADR 1"))
    assert [(n, link.href) for n, link in other] == [
        ("diagram.svg", "../design/adr-1.assets/diagram.svg")
    ]
    assert r.attachment_refs == set(), (
        "listing is not linking: the converter records what it renders"
    )
    assert r.attachments(PageRef(title="Holiday plan", space_key="HR")) == ()


def test_attachments_is_empty_without_a_listing(tmp_path: Path) -> None:
    assert resolver_for(tmp_path, "121", "Install").attachments() == ()


def test_attachments_macro_renders_listed_files_and_marks_them_referenced(tmp_path: Path) -> None:
    body = (
        '<ac:structured-macro ac:name="attachments"><ac:parameter ac:name="patterns">'
        ".*\\.png</ac:parameter></ac:structured-macro>"
    )
    r = listing_resolver(tmp_path, "121", "Install")
    result = convert_page(page("121", "Install", body=body), flavor="gfm", resolver=r)
    assert result.markdown == "- [b shot.png](install.assets/b%20shot.png)\n"
    assert result.attachments == frozenset({"b shot.png"})
    assert ("121", "a.pdf") not in r.attachment_refs


def pagetree(root: str) -> str:
    return (
        '<ac:structured-macro ac:name="pagetree"><ac:parameter ac:name="root"><ac:link>'
        f'<ri:page ri:content-title="{root}"/></ac:link></ac:parameter></ac:structured-macro>'
    )


def test_pagetree_roots_home_parent_self_and_titles_map_to_the_export(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    home = [i.title for i in r.children(PageRef(title="@home"))]
    assert home == ["Zeta guide", "Setup", "Design", "Blog"]
    assert [i.title for i in r.children(PageRef(title="@parent"))] == ["Install", "Configure"]
    assert r.children(PageRef(title="@self")) == ()
    assert [i.title for i in r.children(PageRef(title="@home", space_key="OPS"))] == ["Runbook"]
    assert [i.title for i in r.children(PageRef(title="Design"))] == ["ADR 1"]
    top = resolver_for(tmp_path, "100", "Engineering home")
    assert top.children(PageRef(title="@parent")) == ()


def test_pagetree_macro_with_parent_root_lists_the_siblings(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    parent = convert_page(
        page("121", "Install", body=pagetree("@parent")), flavor="gfm", resolver=r
    )
    assert parent.markdown == "- [Install](install.md)\n- [Configure](configure.md)\n"
    home = convert_page(page("121", "Install", body=pagetree("@home")), flavor="gfm", resolver=r)
    assert home.markdown.splitlines()[:3] == [
        "- [Zeta guide](../zeta-guide.md)",
        "- [Setup](index.md)",
        "  - [Install](install.md)",
    ]
