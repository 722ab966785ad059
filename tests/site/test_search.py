"""The search index: a body budget shared out per page, and every word still findable."""

from __future__ import annotations

import json
import re

from exporter.site.search import (
    MAX_BODY_CHARS,
    MIN_BODY_CHARS,
    TOTAL_BODY_CHARS,
    SearchDoc,
    body_share,
    fold,
    search_entry,
    search_index_js,
)


def _entry(text: str, share: int) -> dict[str, str]:
    return dict(json.loads(search_entry(SearchDoc("T", "t.html", "", text), share)))


def test_small_sites_keep_the_full_per_page_body() -> None:
    assert body_share(1) == body_share(1_000) == MAX_BODY_CHARS


def test_big_sites_share_the_budget_but_keep_a_minimum_per_page() -> None:
    assert body_share(20_000) == TOTAL_BODY_CHARS // 20_000 == 1_200
    assert body_share(1_000_000) == MIN_BODY_CHARS
    for pages in (2_000, 5_000, 20_000, 24_000):
        assert body_share(pages) * pages <= TOTAL_BODY_CHARS


def test_words_past_the_verbatim_share_stay_searchable_once_each() -> None:
    head = "Alpha beta gamma. " * 10
    tail = " Zeta-Omega zeta CAFÉ été, beta deltaword snake_case_name zeta"
    entry = _entry(head + tail, len(head) + 3)  # the cut falls inside "Zeta"
    assert entry["b"] == head + " Ze"
    words = entry["w"].split(" ")
    assert words == ["zeta", "omega", "cafe", "ete", "deltaword", "snake_case_name"]
    searchable = fold(entry["b"]) + " " + entry["w"]
    for word in re.findall(r"\w+", fold(head + tail)):
        assert word in searchable


def test_a_page_within_its_share_has_no_word_list() -> None:
    assert "w" not in _entry("Short page body.", 1_000)


def test_index_is_deterministic_and_safe_as_script_source() -> None:
    docs = [SearchDoc("A </script>", "a.html", "P", "x\u2028y </b>" * 3000)] * 2
    text = search_index_js(docs)
    assert text == search_index_js(docs)
    assert "</" not in text and "\u2028" not in text
    data = json.loads(text[len("window.__SEARCH_INDEX__ = ") : -2])
    assert data["version"] == 1 and [d["t"] for d in data["docs"]] == ["A </script>"] * 2
