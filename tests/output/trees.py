"""Hand-built page trees for the docs-folder tests (no network)."""

from __future__ import annotations

from pathlib import Path

from exporter.docs.writer import DocsWriter
from exporter.models import ConvertedPage, NavNode, NavTree, Page, Space, SpaceTree

SITE = "https://example.atlassian.net"


def page(ident: str, title: str, space: str = "ENG", **kw: object) -> Page:
    """A page with plausible metadata; keyword arguments override fields."""
    fields: dict[str, object] = {
        "version": 3,
        "updated": "2024-05-01T10:00:00.000Z",
        "created": "2024-04-01T09:00:00.000Z",
        "author_id": "u1",
        "labels": ("howto",),
        "body": "<p>x</p>",
    }
    fields.update(kw)
    return Page(ident, space, title, **fields)  # type: ignore[arg-type]


def node(p: Page, *children: NavNode) -> NavNode:
    return NavNode(p, tuple(children))


def space_tree(key: str, home: NavNode | None, *others: NavNode, blog: tuple[Page, ...] = ()):
    roots = ((home,) if home else ()) + others
    space = Space(
        id=f"s-{key}", key=key, name=f"{key} space", homepage_id=home.page.id if home else None
    )
    return SpaceTree(space, roots, blog)


def sample_tree() -> NavTree:
    """ENG: Home > [Zeta guide, Setup > [Install, Configure], Design (folder) > [ADR 1]]; OPS."""
    eng = space_tree(
        "ENG",
        node(
            page("100", "Engineering home"),
            node(page("110", "Zeta guide")),
            node(
                page("120", "Setup"), node(page("121", "Install")), node(page("122", "Configure"))
            ),
            node(page("130", "Design", kind="folder", body=None), node(page("131", "ADR 1"))),
        ),
        blog=(page("900", "Release 1.0", kind="blogpost", created="2023-06-02T08:00:00Z"),),
    )
    ops = space_tree(
        "OPS", node(page("200", "Ops home", "OPS"), node(page("210", "Runbook", "OPS")))
    )
    return NavTree((eng, ops))


def converted(p: Page, markdown: str = "Body text.\n", **kw: object) -> ConvertedPage:
    return ConvertedPage(p, markdown, **kw)  # type: ignore[arg-type]


def export_all(writer: DocsWriter, tree: NavTree, bodies: dict[str, str] | None = None):
    """Write every page of ``tree`` (body from ``bodies`` or a default) and finish."""
    bodies = bodies or {}
    for space in tree.spaces:
        for n in space.walk():
            writer.write_page(converted(n.page, bodies.get(n.page.id, f"About {n.page.title}.\n")))
        for post in space.blogposts:
            writer.write_page(converted(post, "A post.\n"))
    return writer.finish()


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
