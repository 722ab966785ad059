"""Where every page goes: the planned docs-folder layout."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from exporter.docs.layout import plan_layout
from exporter.docs.writer import DocsWriter
from exporter.models import NavTree
from tests.output.trees import SITE, node, page, sample_tree, space_tree


def paths(tree: NavTree, flavor: str = "mkdocs") -> dict[str, str]:
    layout = plan_layout(tree, flavor)
    return {key: str(e.path) for key, e in layout.entries.items()}


def test_homepage_is_space_index_and_its_children_sit_in_the_space_folder() -> None:
    p = paths(sample_tree())
    assert p["100"] == "eng/index.md"
    assert p["110"] == "eng/zeta-guide.md"
    assert p["120"] == "eng/setup/index.md"
    assert p["121"] == "eng/setup/install.md"
    assert p["home"] == "index.md"
    assert p["200"] == "ops/index.md"


def test_gfm_uses_readme_for_folder_indexes() -> None:
    p = paths(sample_tree(), "gfm")
    assert p["120"] == "eng/setup/README.md"
    assert p["home"] == "README.md"
    assert p["121"] == "eng/setup/install.md"


def test_folder_without_children_is_still_a_directory_with_an_index() -> None:
    tree = NavTree(
        (space_tree("ENG", node(page("1", "Home"), node(page("2", "Empty", kind="folder")))),)
    )
    assert paths(tree)["2"] == "eng/empty/index.md"


def test_blog_posts_live_under_blog_year_folders() -> None:
    p = paths(sample_tree())
    assert p["900"] == "eng/blog/2023/release-1-0.md"
    assert p["blog:ENG"] == "eng/blog/index.md"


def test_positions_follow_confluence_order_not_alphabet() -> None:
    layout = plan_layout(sample_tree(), "mkdocs")
    kids = layout.children_of("100")
    assert [e.title for e in kids] == ["Zeta guide", "Setup", "Design", "Blog"]
    assert [e.position for e in kids] == [1, 2, 3, 4]


def test_duplicate_titles_keep_the_older_page_plain_and_suffix_the_newer() -> None:
    home = node(page("1", "Home"), node(page("50", "Notes")), node(page("7", "notes")))
    p = paths(NavTree((space_tree("ENG", home),)))
    assert p["7"] == "eng/notes.md"
    assert p["50"] == "eng/notes-50.md"


def test_case_insensitive_and_punctuation_collisions_are_resolved() -> None:
    home = node(
        page("1", "Home"), node(page("2", "FAQ")), node(page("3", "faq!")), node(page("4", "F.A.Q"))
    )
    p = paths(NavTree((space_tree("ENG", home),)))
    names = [p["2"], p["3"], p["4"]]
    assert len({n.casefold() for n in names}) == 3
    assert p["2"] == "eng/faq.md"


def test_a_page_titled_index_does_not_overwrite_the_folder_index() -> None:
    home = node(page("1", "Home"), node(page("2", "Index")), node(page("3", "README")))
    p = paths(NavTree((space_tree("ENG", home),)), "gfm")
    assert p["2"] == "eng/index-2.md"
    assert p["3"] == "eng/readme-3.md"


def test_hostile_titles_stay_inside_the_output_root(tmp_path: Path) -> None:
    titles = ["../../etc/passwd", "CON", "a/b", "x" * 300, "..", "nul.txt", "Ω" * 300, " . "]
    kids = [node(page(str(10 + i), t)) for i, t in enumerate(titles)]
    deep = node(page("99", "y" * 300), node(page("98", "z" * 300), node(page("97", "w" * 300))))
    tree = NavTree((space_tree("ENG", node(page("1", "../Home"), *kids, deep)),))
    writer = DocsWriter(tmp_path / "out" / "docs", tree, "gfm", site_url=SITE)
    root = (tmp_path / "out").resolve()
    for entry in writer.layout.entries.values():
        rel = "docs/" + str(entry.path)
        assert len(rel) <= 240
        assert all(len(part) <= 100 for part in entry.path.parts)
        assert ".." not in entry.path.parts
        target = (root / rel).resolve()
        assert root in target.parents
    att = writer.attachment_path("97", "../" + "q" * 300 + ".png")
    assert len("docs/" + str(att)) <= 240
    assert att.name.endswith(".png")


def test_very_deep_trees_shorten_slugs_to_fit_the_path_cap() -> None:
    leaf = node(page("500", "Leaf with a fairly long descriptive title"))
    for i in range(30):
        leaf = node(page(str(400 + i), f"Level {i} section with a long descriptive title"), leaf)
    p = paths(NavTree((space_tree("ENG", node(page("1", "Home"), leaf)),)))
    assert len("docs/" + p["500"]) <= 240


def test_attachments_sit_beside_their_page_file(tmp_path: Path) -> None:
    writer = DocsWriter(tmp_path / "docs", sample_tree(), "mkdocs", site_url=SITE)
    assert writer.attachment_path("121", "shot.png") == PurePosixPath(
        "eng/setup/install.assets/shot.png"
    )
    assert writer.attachment_path("120", "a b.png") == PurePosixPath(
        "eng/setup/index.assets/a b.png"
    )


def test_case_insensitive_attachment_clash_gets_a_hash_deterministically(tmp_path: Path) -> None:
    names = []
    for order in (["Image.png", "image.png"], ["image.png", "Image.png"]):
        writer = DocsWriter(tmp_path / "docs", sample_tree(), "mkdocs", site_url=SITE)
        writer.register_attachments("121", order)
        names.append(
            (writer.attachment_path("121", "Image.png"), writer.attachment_path("121", "image.png"))
        )
    assert names[0] == names[1]
    first, second = names[0]
    assert first.name.casefold() != second.name.casefold()
    assert first.name == "Image.png"


def test_unsafe_attachment_name_is_sanitized_and_kept_distinct(tmp_path: Path) -> None:
    writer = DocsWriter(tmp_path / "docs", sample_tree(), "mkdocs", site_url=SITE)
    evil = writer.attachment_path("121", "../x.png")
    plain = writer.attachment_path("121", "x.png")
    assert evil.parent == plain.parent == PurePosixPath("eng/setup/install.assets")
    assert evil.suffix == ".png" and evil != plain


def test_slugs_keep_full_length_when_the_deepest_path_fits() -> None:
    title = "Deployment pipelines for the web frontend"
    leaf = node(page("60", title))
    for i in range(3):
        leaf = node(page(str(50 + i), f"{title} {i}"), leaf)
    p = paths(NavTree((space_tree("ENG", node(page("1", "Home"), leaf)),)))
    assert (
        p["60"]
        == "eng/"
        + "/".join(f"deployment-pipelines-for-the-web-frontend-{i}" for i in (2, 1, 0))
        + "/deployment-pipelines-for-the-web-frontend.md"
    )
