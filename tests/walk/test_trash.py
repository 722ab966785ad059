"""The trashed-attachment listing: read back to last run's marks, in as few requests as that."""

from __future__ import annotations

import asyncio

from exporter.confluence.client import ConfluenceClient
from exporter.confluence.trash import AttachmentTrash, trashed_attachments

from .serve import Served, new_store, serve


def _store_with_trash(count: int):
    store = new_store()
    store.add_space("ENG", "Engineering")
    page = store.add_content("ENG", "Home", "<p>home</p>")
    ids = []
    for n in range(count):
        att = store.add_attachment(page.id, f"f{n}.txt", b"x", "text/plain")
        store.clock.advance(60)
        store.trash_attachment(att.id)
        ids.append(att.id)
    return store, page.id, ids


def _list(served: Served, batch: int, marks: set[str] | None) -> tuple[AttachmentTrash, int]:
    async def go() -> tuple[AttachmentTrash, int]:
        conn = served.connection()
        async with ConfluenceClient(conn.wiki_base, conn.auth) as client:
            stop = None if marks is None else marks.__contains__
            return await trashed_attachments(client, batch, stop), client.stats.requests

    return asyncio.run(go())


def test_listing_stops_at_the_ids_that_topped_it_last_time():
    store, page_id, ids = _store_with_trash(6)
    with serve(store) as served:
        found, requests = _list(served, 2, {ids[2]})  # the newest when the last run listed it
    assert set(found.by_page[page_id]) >= set(ids[3:])  # trashed since: all seen
    assert requests == 2  # f5 f4, then f3 f2: stopped at the mark
    assert found.head == (ids[5], ids[4])  # the next run's marks: the newest, at most a page


def test_listing_without_marks_reads_to_the_end_and_without_a_stop_only_the_top():
    store, page_id, ids = _store_with_trash(5)
    with serve(store) as served:
        everything, all_requests = _list(served, 2, set())
        top, top_requests = _list(served, 2, None)
    assert set(everything.by_page[page_id]) == set(ids) and all_requests == 3
    assert top.head == (ids[4], ids[3]) and top_requests == 1
