"""The docs folder on disk: atomic, rewrite-only-on-change, stale removal, nav files."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import yaml

from exporter.convert.resolve import PageRef
from exporter.docs.writer import DocsWriter
from exporter.models import NavTree
from tests.output.trees import (
    SITE,
    converted,
    export_all,
    node,
    page,
    sample_tree,
    snapshot,
    space_tree,
)


def front_matter(path: Path) -> dict[str, object]:
    text = path.read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def run(out: Path, tree: NavTree, flavor: str = "mkdocs", managed=(), bodies=None):
    writer = DocsWriter(out / "docs", tree, flavor, site_url=SITE, users={"u1": "Ada Lovelace"},
                        managed=managed)  # fmt: skip
    return writer, export_all(writer, tree, bodies)


def test_front_matter_has_stable_keys_in_order(tmp_path: Path) -> None:
    tree = sample_tree()
    writer = DocsWriter(tmp_path / "docs", tree, "mkdocs", site_url=SITE, users={"u1": "Ada"})
    p = page("121", "Install")
    writer.write_page(converted(p, "Hi\r\n", front_matter={"owner": "ops", "title": "ignored"}))
    fm = front_matter(tmp_path / "docs/eng/setup/install.md")
    assert list(fm) == ["title", "confluence_id", "space", "version", "updated", "source_url",
                        "labels", "author", "position", "owner"]  # fmt: skip
    assert fm["title"] == "Install" and fm["confluence_id"] == "121" and fm["author"] == "Ada"
    assert fm["source_url"] == f"{SITE}/wiki/spaces/ENG/pages/121"
    assert fm["updated"] == "2024-05-01T10:00:00.000Z"
    data = (tmp_path / "docs/eng/setup/install.md").read_bytes()
    assert b"\r" not in data and data.endswith(b"Hi\n")


def test_unknown_author_is_left_out(tmp_path: Path) -> None:
    writer = DocsWriter(tmp_path / "docs", sample_tree(), "gfm", site_url=SITE)
    writer.write_page(converted(page("121", "Install")))
    assert "author" not in front_matter(tmp_path / "docs/eng/setup/install.md")


def test_two_runs_give_byte_identical_trees(tmp_path: Path) -> None:
    for flavor in ("gfm", "mkdocs", "docusaurus", "obsidian"):
        run(tmp_path / "a" / flavor, sample_tree(), flavor)
        run(tmp_path / "b" / flavor, sample_tree(), flavor)
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_no_change_rewrite_keeps_inode_and_mtime(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, first = run(out, sample_tree())
    target = out / "docs/eng/setup/install.md"
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    _, second = run(out, sample_tree(), managed=first.managed)
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    assert before == after and target in after
    assert second.added == second.changed == second.removed == ()
    assert set(second.unchanged) == set(first.added)
    assert not list(out.rglob(".tmp-*"))


def test_one_page_edit_changes_exactly_that_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, first = run(out, sample_tree())
    _, second = run(out, sample_tree(), managed=first.managed, bodies={"122": "New text.\n"})
    assert second.changed == ("docs/eng/setup/configure.md",)
    assert second.added == second.removed == ()


def test_deleted_page_file_and_empty_folder_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, first = run(out, sample_tree())
    eng = sample_tree().spaces[0]
    home = eng.roots[0]
    pruned = replace(home, children=tuple(c for c in home.children if c.page.id != "130"))
    tree = NavTree((replace(eng, roots=(pruned,)), sample_tree().spaces[1]))
    _, second = run(out, tree, managed=first.managed)
    assert set(second.removed) == {"docs/eng/design/index.md", "docs/eng/design/adr-1.md"}
    assert not (out / "docs/eng/design").exists()
    assert "docs/eng/design/index.md" not in second.managed


def test_moved_page_leaves_its_old_place(tmp_path: Path) -> None:
    out = tmp_path / "out"
    writer, first = run(out, sample_tree())
    with writer.open_attachment("121", "shot.png") as fh:
        fh.write(b"png")
    first_managed = writer.finish().managed
    assert "docs/eng/setup/install.assets/shot.png" in first_managed
    moved = NavTree((space_tree("ENG", node(page("100", "Engineering home"),
                                            node(page("121", "Install")))),))  # fmt: skip
    writer2 = DocsWriter(out / "docs", moved, "mkdocs", site_url=SITE, managed=first_managed)
    writer2.write_page(converted(page("100", "Engineering home")))
    writer2.write_page(converted(page("121", "Install")))
    with writer2.open_attachment("121", "shot.png") as fh:
        fh.write(b"png")
    report = writer2.finish(expected=set())
    assert (out / "docs/eng/install.md").is_file()
    assert (out / "docs/eng/install.assets/shot.png").read_bytes() == b"png"
    assert "docs/eng/setup/install.md" in report.removed
    assert not (out / "docs/eng/setup").exists()
    assert not (out / "docs/ops").exists()


def test_stale_removal_never_touches_files_added_by_hand(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, first = run(out, sample_tree())
    (out / "docs/eng/design/my-notes.md").write_text("mine")
    (out / "docs/README-local.md").write_text("mine")
    tree = NavTree((sample_tree().spaces[1],))
    _, second = run(out, tree, managed=first.managed)
    assert (out / "docs/eng/design/my-notes.md").read_text() == "mine"
    assert (out / "docs/README-local.md").exists()
    assert not (out / "docs/eng/design/adr-1.md").exists()


def test_attachment_download_is_atomic_and_unchanged_bytes_keep_the_file(tmp_path: Path) -> None:
    writer = DocsWriter(tmp_path / "docs", sample_tree(), "mkdocs", site_url=SITE)
    with writer.open_attachment("121", "a b.png") as fh:
        fh.write(b"x" * 100_000)
    target = tmp_path / "docs/eng/setup/install.assets/a b.png"
    stat = target.stat()
    with writer.open_attachment("121", "a b.png") as fh:
        fh.write(b"x" * 100_000)
    assert (target.stat().st_ino, target.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    try:
        with writer.open_attachment("121", "a b.png") as fh:
            fh.write(b"partial")
            raise ConnectionError("download dropped")
    except ConnectionError:
        pass
    assert target.read_bytes() == b"x" * 100_000
    assert [p.name for p in target.parent.iterdir()] == ["a b.png"]


def test_dry_run_writes_and_removes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, first = run(out, sample_tree())
    before = snapshot(out)
    writer = DocsWriter(out / "docs", NavTree(), "mkdocs", site_url=SITE, managed=first.managed,
                        dry_run=True)  # fmt: skip
    report = writer.finish()
    assert "docs/eng/setup/install.md" in report.removed
    assert snapshot(out) == before


def test_mkdocs_yml_has_explicit_nav_in_confluence_order(tmp_path: Path) -> None:
    run(tmp_path, sample_tree(), "mkdocs")
    config = yaml.safe_load((tmp_path / "mkdocs.yml").read_text())
    assert config["docs_dir"] == "docs" and config["use_directory_urls"] is False
    assert config["theme"]["name"] == "material"
    eng = config["nav"][1]["Engineering home"]
    assert eng[0] == "eng/index.md"
    assert [next(iter(i)) for i in eng[1:]] == ["Zeta guide", "Setup", "Design", "Blog"]
    names = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    for ext in ("admonition", "pymdownx.details", "pymdownx.superfences", "pymdownx.tasklist",
                "tables", "attr_list", "md_in_html", "toc", "footnotes"):  # fmt: skip
        assert ext in names


def test_docusaurus_gets_sidebar_position_and_category_files(tmp_path: Path) -> None:
    run(tmp_path, sample_tree(), "docusaurus")
    category = json.loads((tmp_path / "docs/eng/setup/_category_.json").read_text())
    assert category == {"label": "Setup", "position": 2,
                        "link": {"type": "doc", "id": "eng/setup/index"}}  # fmt: skip
    assert front_matter(tmp_path / "docs/eng/setup/configure.md")["sidebar_position"] == 2
    assert not (tmp_path / "docs/_category_.json").exists()


def test_gfm_has_readme_indexes_listing_spaces_and_folder_children(tmp_path: Path) -> None:
    run(tmp_path, sample_tree(), "gfm")
    top = (tmp_path / "docs/README.md").read_text()
    assert "- [Engineering home](eng/README.md)\n- [Ops home](ops/README.md)" in top
    folder = (tmp_path / "docs/eng/design/README.md").read_text()
    assert "[ADR 1](adr-1.md)" in folder
    assert front_matter(tmp_path / "docs/eng/design/README.md")["confluence_id"] == "130"
    assert not (tmp_path / "mkdocs.yml").exists()


def test_obsidian_has_index_home_and_tags(tmp_path: Path) -> None:
    run(tmp_path, sample_tree(), "obsidian")
    assert "[Ops home](ops/index.md)" in (tmp_path / "docs/index.md").read_text()
    fm = front_matter(tmp_path / "docs/eng/zeta-guide.md")
    assert fm["tags"] == ["howto"] and fm["aliases"] == ["Zeta guide"]


def test_space_without_homepage_gets_a_generated_index(tmp_path: Path) -> None:
    tree = NavTree((space_tree("DOC", None, node(page("5", "Orphan", "DOC"))),))
    run(tmp_path, tree, "mkdocs")
    text = (tmp_path / "docs/doc/index.md").read_text()
    assert front_matter(tmp_path / "docs/doc/index.md")["title"] == "DOC space"
    assert "[Orphan](orphan.md)" in text


def hostile_tree() -> NavTree:
    titles = ["../../etc/passwd", "CON", "a/b", "x" * 300, "Same", "same", "..", "Übersicht"]
    kids = [node(page(str(10 + i), t), node(page(str(50 + i), t))) for i, t in enumerate(titles)]
    return NavTree((space_tree("ENG", node(page("1", "[Home] *"), *kids)),))


def test_hostile_export_stays_inside_and_every_relative_link_resolves(tmp_path: Path) -> None:
    out = tmp_path / "out"
    tree = hostile_tree()
    writer = DocsWriter(out / "docs", tree, "gfm", site_url=SITE)
    for n in tree.walk():
        r = writer.resolver(n.page)
        links = [r.page(PageRef(page_id=m.page.id)).href for m in tree.walk()]
        body = "\n".join(f"- [link]({href})" for href in links)
        body += f"\n\n![img]({r.attachment('../x.png').href})\n"
        writer.write_page(converted(n.page, body))
        with writer.open_attachment(n.page.id, "../x.png") as fh:
            fh.write(b"img")
    writer.finish()
    root = out.resolve()
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 2 * 17 + 1
    for f in files:
        assert root in f.resolve().parents
        assert len(str(f.relative_to(out))) <= 240
        if f.suffix == ".md":
            for href in re.findall(r"\]\(([^)]+)\)", f.read_text()):
                assert not href.startswith(("/", "http")), href
                target = (f.parent / unquote(href.split("#")[0])).resolve()
                assert target.is_file(), (f, href)
                assert root in target.parents


def test_attachment_renamed_only_in_case_replaces_the_old_file(tmp_path: Path) -> None:
    docs = tmp_path / "out" / "docs"
    writer = DocsWriter(docs, sample_tree(), "mkdocs", site_url=SITE)
    with writer.open_attachment("121", "Image.PNG") as fh:
        fh.write(b"a")
    first = writer.finish()
    again = DocsWriter(docs, sample_tree(), "mkdocs", site_url=SITE, managed=first.managed)
    with again.open_attachment("121", "image.png") as fh:
        fh.write(b"b")
    report = again.finish(expected=set())
    assert report.removed == ("docs/eng/setup/install.assets/Image.PNG",)
    assert [p.name for p in (docs / "eng/setup/install.assets").iterdir()] == ["image.png"]
