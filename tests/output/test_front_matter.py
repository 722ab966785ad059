"""Front matter YAML reads back exactly what was written, whatever the titles hold."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from exporter.docs.nav import render_front_matter

scalars = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))


@settings(max_examples=100, deadline=None)
@given(
    title=st.text(),
    labels=st.lists(st.text()),
    extra=st.dictionaries(st.text(min_size=1), st.one_of(scalars, st.lists(scalars))),
)
def test_front_matter_round_trips_through_yaml(title: str, labels: list[str], extra: dict) -> None:
    data: dict[str, object] = {"title": title, "labels": labels, "position": 1, **extra}
    text = render_front_matter(data)
    assert text.startswith("---\n") and text.endswith("\n---\n")
    assert yaml.safe_load(text[4:-4]) == data


def test_simple_values_stay_plain_and_risky_ones_are_quoted() -> None:
    text = render_front_matter(
        {
            "title": "Release notes",
            "version": 3,
            "updated": "2024-05-01T10:00:00Z",
            "a": "yes",
            "b": "key: value",
            "c": "#hash",
            "d": "",
            "labels": [],
        }  # fmt: skip
    )
    assert text == (
        '---\ntitle: Release notes\nversion: 3\nupdated: "2024-05-01T10:00:00Z"\n'
        'a: "yes"\nb: "key: value"\nc: "#hash"\nd: ""\nlabels: []\n---\n'
    )
