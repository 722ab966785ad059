"""Batches of spaces for the change queries, and routing each hit to its space."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from exporter.confluence.changes import space_batches, space_of
from exporter.models import Space


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
