"""The walker against the sandbox over loopback HTTP: lists to the end, order, selection."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from exporter.config.settings import SpaceSelection
from exporter.confluence.client import ConfluenceClient
from exporter.confluence.walker import Walker, build_tree
from exporter.errors import ConfigError
from exporter.models import Page, SpaceTree

from .serve import USER, Served, new_store, serve


def run(coro):
    return asyncio.run(coro)


async def with_walker(served: Served, fn, **kw):
    conn = served.connection()
    async with ConfluenceClient(conn.wiki_base, conn.auth) as client:
        walker = Walker(client, site_url=served.base_url, **kw)
        return await fn(walker), client.stats


async def all_pages(walker: Walker, key: str = "ENG", since=None) -> list[Page]:
    (sel,) = (await walker.select_spaces((SpaceSelection(key),))).selected
    return [p async for p in walker.pages(sel.space, since)]


def titles(tree: SpaceTree) -> list[str]:
    return [n.page.title for n in tree.walk()]


def test_every_list_is_followed_to_the_end_with_small_batches():
    store = new_store()
    for i in range(12):
        store.add_space(f"S{i:02d}", f"Space {i}")
    home = store.add_content("S00", "Home", "<p>h</p>")
    for i in range(17):
        page = store.add_content("S00", f"Page {i}", "<p>x</p>", parent_id=home.id)
        store.add_attachment(page.id, f"f{i}.txt", b"data", "text/plain")
        if i % 4 == 0:
            store.trash_content(page.id)

    async def go(walker: Walker):
        spaces = (await walker.select_spaces("all")).selected
        s00 = spaces[0].space
        pages = [p async for p in walker.pages(s00)]
        atts = [a async for a in walker.attachments(s00)]
        removed = await walker.removed_ids(s00)
        return spaces, pages, atts, removed

    with serve(store) as served:
        (spaces, pages, atts, removed), stats = run(with_walker(served, go, batch=5))
    assert [s.space.key for s in spaces] == [f"S{i:02d}" for i in range(12)]
    assert len(pages) == 1 + 17 - 5  # trashed pages are not exported
    assert len(atts) == 12  # attachments of trashed pages are not listed either
    assert len(removed) == 5
    # one listing per space type: global in three pages, collaboration and knowledge_base empty
    assert stats.by_route["GET /api/v2/spaces"].requests == 3 + 2
    assert stats.by_route["GET /rest/api/search"].requests == 3


def test_pages_carry_body_version_labels_parent_and_position_in_one_listing():
    store = new_store()
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "<p>home</p>", labels=["top"], author=USER)
    child = store.add_content("ENG", "Child", "<p>hello&nbsp;world</p>", parent_id=home.id)
    store.update_content(child.id, body="<p>v2</p>")

    with serve(store) as served:
        pages, stats = run(with_walker(served, all_pages))
    by_title = {p.title: p for p in pages}
    assert by_title["Home"].labels == ("top",)
    assert by_title["Home"].author_id == USER
    assert by_title["Child"].parent_id == home.id
    assert by_title["Child"].version == 2
    assert by_title["Child"].body == "<p>v2</p>"
    assert by_title["Child"].url.endswith(f"/wiki/spaces/ENG/pages/{child.id}/Child")
    assert stats.requests == 2  # the space, then one search with everything


def test_tree_follows_manual_order_not_titles_and_includes_folders():
    store = new_store()
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "")
    store.add_content("ENG", "Zeta", "", parent_id=home.id)
    folder = store.add_content("ENG", "Design", "", type="folder", parent_id=home.id, position=0)
    store.add_content("ENG", "Alpha", "", parent_id=home.id)
    store.add_content("ENG", "In folder", "", parent_id=folder.id)

    async def go(walker: Walker):
        (sel,) = (await walker.select_spaces((SpaceSelection("ENG"),))).selected
        return build_tree(sel.space, [p async for p in walker.pages(sel.space)], sel.selection)

    with serve(store) as served:
        tree, _ = run(with_walker(served, go))
    assert titles(tree) == ["Home", "Design", "In folder", "Zeta", "Alpha"]
    assert tree.roots[0].children[0].page.kind == "folder"


def test_subtree_by_title_or_id_and_label_and_title_filters():
    store = new_store()
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "")
    guides = store.add_content("ENG", "Guides", "", parent_id=home.id, labels=["draft-ish"])
    store.add_content("ENG", "Install", "", parent_id=guides.id, labels=["public"])
    store.add_content("ENG", "Old install", "", parent_id=guides.id, labels=["public"])
    store.add_content("ENG", "Secret", "", parent_id=home.id, labels=["private"])

    with serve(store) as served:
        pages, _ = run(with_walker(served, all_pages))
    from exporter.models import Space

    eng = Space(id="1", key="ENG", name="Engineering")
    by_title = build_tree(eng, pages, SpaceSelection("ENG", root="Guides"))
    by_id = build_tree(eng, pages, SpaceSelection("ENG", root=guides.id))
    assert titles(by_title) == titles(by_id) == ["Guides", "Install", "Old install"]

    filtered = build_tree(
        eng,
        pages,
        SpaceSelection("ENG", exclude_labels=("private", "draft-ish"), exclude_titles=("Old *",)),
    )
    # Guides is dropped; its child hangs from Home, the nearest exported ancestor.
    assert titles(filtered) == ["Home", "Install"]
    assert filtered.roots[0].children[0].page.title == "Install"

    only_public = build_tree(eng, pages, SpaceSelection("ENG", include_labels=("public",)))
    assert [n.page.title for n in only_public.roots] == ["Install", "Old install"]

    with pytest.raises(ConfigError, match="root"):
        build_tree(eng, pages, SpaceSelection("ENG", root="Nope"))


def test_archived_draft_and_trashed_content_and_blog_posts_are_left_out_unless_asked():
    store = new_store()
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "")
    store.add_content("ENG", "Draft", "", parent_id=home.id, status="draft")
    store.add_content("ENG", "Archived", "", parent_id=home.id, status="archived")
    gone = store.add_content("ENG", "Gone", "", parent_id=home.id)
    store.trash_content(gone.id)
    store.add_content("ENG", "News", "<p>post</p>", type="blogpost")

    with serve(store) as served:
        pages, _ = run(with_walker(served, all_pages))
        with_posts, _ = run(with_walker(served, all_pages, blogposts=True))
    assert [p.title for p in pages] == ["Home"]
    assert sorted(p.title for p in with_posts) == ["Home", "News"]


def test_since_finds_only_content_changed_after_the_last_scan():
    store = new_store()
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "")
    pages = [store.add_content("ENG", f"P{i}", "", parent_id=home.id) for i in range(5)]
    scan_time = store.clock.now()
    store.clock.advance(3600)
    store.update_content(pages[2].id, body="<p>edited</p>")
    store.add_attachment(pages[3].id, "new.txt", b"new", "text/plain", when=store.clock.now())

    async def go(walker: Walker):
        (sel,) = (await walker.select_spaces((SpaceSelection("ENG"),))).selected
        changed = [p async for p in walker.pages(sel.space, scan_time + timedelta(minutes=30))]
        atts = [a async for a in walker.attachments(sel.space, scan_time + timedelta(minutes=30))]
        return changed, atts

    with serve(store) as served:
        (changed, atts), _ = run(with_walker(served, go))
    assert [p.title for p in changed] == ["P2"]
    assert [a.filename for a in atts] == ["new.txt"]


def test_user_names_are_fetched_in_one_batch_and_cached():
    store = new_store()
    store.add_user("557058:bob", "Bob")
    store.add_space("ENG", "Engineering")

    async def go(walker: Walker):
        first = dict(await walker.fetch_users([USER, "557058:bob", "557058:nobody"]))
        await walker.fetch_users([USER])
        return first

    with serve(store) as served:
        users, stats = run(with_walker(served, go))
    assert users[USER] == "Ada Lovelace" and users["557058:bob"] == "Bob"
    assert users["557058:nobody"] == "557058:nobody"
    assert stats.requests == 1


def test_unknown_space_key_is_gone_not_an_error_and_a_case_only_mismatch_is_a_typo():
    store = new_store()
    store.add_space("ENG", "Engineering")

    async def go(walker: Walker):
        return await walker.select_spaces((SpaceSelection("NOPE"), SpaceSelection("ENG")))

    with serve(store) as served:
        choice, _ = run(with_walker(served, go))
    assert [s.space.key for s in choice.selected] == ["ENG"]
    assert [g.key for g in choice.gone] == ["NOPE"]
    assert "deleted or is not readable" in choice.gone[0].reason

    async def typo(walker: Walker):
        return await walker.select_spaces((SpaceSelection("eng"),))

    with serve(store) as served, pytest.raises(ConfigError, match="did you mean ENG"):
        run(with_walker(served, typo))


def test_cql_dates_are_written_in_the_users_time_zone():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from exporter.confluence.walker import cql_time

    when = datetime(2026, 3, 1, 23, 30, 59, tzinfo=UTC)
    assert cql_time(when) == "2026-03-01 23:30"
    assert cql_time(when, ZoneInfo("Asia/Tokyo")) == "2026-03-02 08:30"


def test_unknown_time_zone_reads_changes_twelve_hours_early_without_user_current():
    store = new_store()
    store.add_space("ENG", "Engineering")
    store.add_content("ENG", "Home", "", when=store.clock.now())
    since = store.clock.now() + timedelta(hours=6)  # edited 6 h before the "last scan"

    with serve(store) as served:
        known, known_stats = run(with_walker(served, lambda w: all_pages(w, since=since)))
        unknown, stats = run(
            with_walker(served, lambda w: all_pages(w, since=since), read_zone=False)
        )
    assert known == [] and "GET /rest/api/user/current" in known_stats.by_route
    assert [p.title for p in unknown] == ["Home"]
    assert not [route for route in stats.by_route if "/rest/api/user" in route]


def test_users_come_from_v1_user_bulk_only_when_the_walker_is_told_so():
    store = new_store()
    store.add_space("ENG", "Engineering")

    async def go(walker: Walker):
        return dict(await walker.fetch_users([USER]))

    with serve(store) as served:
        v2, v2_stats = run(with_walker(served, go))
        v1, v1_stats = run(with_walker(served, go, users_api="v1"))
    assert v2 == v1 == {USER: "Ada Lovelace"}
    assert list(v2_stats.by_route) == ["POST /api/v2/users-bulk"]
    assert list(v1_stats.by_route) == ["GET /rest/api/user/bulk"]
