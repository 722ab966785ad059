"""A small exported world for converter tests: pages, a child tree, users, attachments.

A fake at the converter's edge (the Resolver), like the sandbox is for HTTP.
"""

from __future__ import annotations

from urllib.parse import quote

from exporter.convert import Link, OfflineResolver, PageRef, TreeItem
from exporter.convert.resolve import jql_url

SITE = "https://acme.atlassian.net"

BODIES = {
    "Shared Snippet": "<p>Included <strong>snippet</strong> text.</p>",
    "Snippet With Image": '<ac:image><ri:attachment ri:filename="chart.png"/></ac:image>',
    "Product Overview": (
        "<p>Not part of the excerpt.</p>"
        '<ac:structured-macro ac:name="excerpt"><ac:rich-text-body>'
        "<p>The product excerpt.</p></ac:rich-text-body></ac:structured-macro>"
    ),
    "Loop": (
        "<p>Loop start.</p>"
        '<ac:structured-macro ac:name="include"><ac:parameter ac:name="">'
        '<ac:link><ri:page ri:content-title="Loop"/></ac:link>'
        "</ac:parameter></ac:structured-macro>"
    ),
}
NOT_EXPORTED = {"Not Exported"}
FILES = ("architecture.png", "report.pdf", "release notes.txt", "data.csv")
OTHER_FILES = ("spec.pdf",)
SITE_PAGES = {"12345": "Runbook"}


class WorldResolver:
    """Resolves like an export would: exported pages are relative files, others site URLs."""

    def __init__(self) -> None:
        self.offline = OfflineResolver(users={"557058:alice": "Alice Example"})

    def page(self, ref: PageRef, anchor: str | None = None) -> Link:
        if ref.title in NOT_EXPORTED:
            space = ref.space_key or "ENG"
            url = f"{SITE}/wiki/display/{space}/{quote(ref.title or '')}"
            return Link(url, False, ref.title)
        return self.offline.page(ref, anchor)

    def attachment(self, filename: str, owner: PageRef | None = None) -> Link:
        link = self.offline.attachment(filename, owner)
        if owner is not None and owner.title:
            return Link("other-page/" + link.href, True, filename)
        return link

    def space(self, key: str) -> Link:
        return Link(f"../{key.lower()}/index.md", True, f"Space {key}")

    def user(self, account_id: str) -> str:
        return self.offline.user(account_id)

    def url(self, href: str) -> Link:
        prefix = f"{SITE}/wiki/spaces/"
        if href.startswith(prefix):
            page_id = href[len(prefix) :].split("/")[2]
            if page_id in SITE_PAGES:
                return self.offline.page(PageRef(title=SITE_PAGES[page_id], page_id=page_id))
        return Link(href, False)

    def page_body(self, ref: PageRef) -> str | None:
        return BODIES.get(ref.title or "")

    def children(self, ref: PageRef | None, depth: int | None = None) -> tuple[TreeItem, ...]:
        grandchild = TreeItem("Grandchild", Link("child-one/grandchild.md", True, "Grandchild"))
        kids = (grandchild,) if depth is None or depth > 1 else ()
        return (
            TreeItem("Child one", Link("child-one/index.md", True, "Child one"), kids),
            TreeItem("Child two", Link("child-two.md", True, "Child two")),
        )

    def jira(self, key: str, server: str | None = None) -> str:
        return f"https://jira.acme.example/browse/{key}"

    def jira_query(self, jql: str, server: str | None = None) -> str:
        return jql_url("https://jira.acme.example", jql)

    def attachments(self, owner: PageRef | None = None) -> tuple[tuple[str, Link], ...]:
        names = OTHER_FILES if owner is not None else FILES
        return tuple((name, self.attachment(name, owner)) for name in names)
