"""Batches of spaces for the change queries, and routing each hit to its space."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from exporter.confluence.changes import space_batches, space_of
from exporter.models import Space
from walk.serve import Served, new_store, serve


def _spaces(*keys: str) -> list[Space]:
    return [Space(id=str(n), key=k, name=k) for n, k in enumerate(keys)]


def test_space_batches_keep_the_order_and_fit_each_key_list_in_the_budget():
    spaces = _spaces(*(f"S{n:03d}" for n in range(10)), "~557058:ada")
    budget = 60
    batches = space_batches(spaces, budget)
    assert [s for b in batches for s in b] == spaces
    for batch in batches:
        assert sum(len(quote(f'"{s.key}",', safe="")) for s in batch) <= budget
    assert len(batches) > 1


def test_a_key_longer_than_the_budget_still_gets_a_batch_of_its_own():
    spaces = _spaces("A", "VERYLONGKEY", "B")
    assert [[s.key for s in b] for b in space_batches(spaces, 5)] == [["A"], ["VERYLONGKEY"], ["B"]]


def test_every_space_fits_one_batch_by_default():
    assert len(space_batches(_spaces(*(f"S{n:03d}" for n in range(200))))) == 1


@pytest.mark.parametrize(
    ("item", "hit", "key"),
    [
        ({"space": {"key": "ENG"}}, None, "ENG"),
        ({"_expandable": {"space": "/rest/api/space/OPS"}}, None, "OPS"),
        ({"container": {"type": "page", "_expandable": {"space": "/rest/api/space/KB"}}}, None,
         "KB"),
        ({}, {"resultGlobalContainer": {"displayUrl": "/spaces/~557058:ada"}}, "~557058:ada"),
        ({"_expandable": {"space": ""}}, {"resultGlobalContainer": {}}, ""),
    ],
)  # fmt: skip
def test_space_of_reads_the_space_key_confluence_gives_with_a_hit(item, hit, key):
    assert space_of(item, hit) == key


def _get(served: Served, path: str, **params: object) -> httpx.Response:
    conn = served.connection()
    return httpx.get(conn.wiki_base + path, params=params, auth=conn.auth)


def test_sandbox_refuses_a_request_target_longer_than_8_kb_and_serves_a_batched_query():
    store = new_store()
    keys = [f"S{n:03d}" for n in range(200)]
    for key in keys:
        store.add_space(key, key)
        store.add_content(key, f"Home {key}", "<p>home</p>")
    batch = ",".join(f'"{k}"' for k in keys)
    with serve(store) as served:
        found = _get(served, "/rest/api/search", cql=f"space in ({batch}) and type=page", limit=250)
        too_long = _get(served, "/rest/api/search", cql="space in (" + batch * 4 + ")")
    assert found.status_code == 200 and len(found.json()["results"]) == 200
    assert too_long.status_code == 414


def test_sandbox_refuses_more_than_100_space_ids_in_a_v2_list():
    with serve(new_store()) as served:
        ok = _get(served, "/api/v2/pages", **{"space-id": ",".join(map(str, range(100)))})
        refused = _get(served, "/api/v2/pages", **{"space-id": ",".join(map(str, range(101)))})
    assert ok.status_code == 200
    assert refused.status_code == 400
