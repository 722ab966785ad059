"""ExportResolver: links from one exported page to pages, attachments and site URLs."""

from __future__ import annotations

import base64
from pathlib import Path

from exporter.convert.resolve import PageRef
from exporter.links import ExportResolver, page_id_from_tiny, title_key
from exporter.write import DocsWriter
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
    assert {"777", title_key("HR", "Holiday plan")} <= r.dependencies


def test_dependencies_record_every_page_asked_about(tmp_path: Path) -> None:
    r = resolver_for(tmp_path, "121", "Install")
    r.page(PageRef(title="ADR 1"))
    r.page(PageRef(page_id="200"))
    assert r.dependencies == {"131", "200"}


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
