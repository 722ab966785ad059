"""Every document of the shared storage corpus converts, leaks no storage markup, keeps its text.

The corpus lives outside the repo (../shared/corpus); these tests read it in place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exporter.convert import FLAVORS, convert_storage
from exporter.convert.quality import LEAK, leaked_parameters, text_survival

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"


def _entries() -> list[dict[str, str]]:
    if not (CORPUS / "manifest.json").is_file():
        return []
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


ENTRIES = _entries()
needs_corpus = pytest.mark.skipif(
    not ENTRIES, reason=f"storage corpus not present at {CORPUS.resolve()}"
)


@needs_corpus
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_corpus_document_converts_in_every_flavor_without_leaking_storage_markup(
    entry: dict[str, str],
) -> None:
    storage = (CORPUS / entry["storage"]).read_text(encoding="utf-8")
    for flavor in FLAVORS:
        markdown = convert_storage(storage, flavor=flavor)
        leak = LEAK.search(markdown)
        assert leak is None, f"{flavor}: {markdown[max(0, leak.start() - 60) : leak.end() + 60]!r}"


@needs_corpus
def test_corpus_visible_text_survives_and_hidden_parameters_stay_hidden() -> None:
    shares = {}
    leaks = {}
    for entry in ENTRIES:
        storage = (CORPUS / entry["storage"]).read_text(encoding="utf-8")
        markdown = convert_storage(storage, flavor="gfm")
        shares[entry["id"]] = text_survival(storage, markdown)
        leaked = leaked_parameters(storage, markdown)
        if leaked:
            leaks[entry["id"]] = leaked
    assert leaks == {}
    worst = min(shares, key=shares.__getitem__)
    assert sum(shares.values()) / len(shares) >= 0.99
    assert shares[worst] >= 0.97, worst
