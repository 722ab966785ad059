"""The client-side search index, written as a classic script so search works from file://.

``search-index.js`` sets ``window.__SEARCH_INDEX__ = {"docs": [...], "version": 1}``; each doc
is ``{"t": title, "u": site-relative URL, "p": breadcrumb, "b": body text, "w": more words}``.
The page's ``search.js`` (templates/site/static) adds it as a plain ``<script>`` tag the first
time the search box is used (no fetch, no modules) and links results relative to the current
page.

The body text has a budget for the whole index (:data:`TOTAL_BODY_CHARS`), shared out per page:
a 20,000-page space would otherwise ship a 200 MB index to every browser that searches. Past
its verbatim share a page keeps only its other distinct words (``"w"``, folded and
deduplicated), so every word of every page still finds it; snippets come from ``"b"``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "MAX_BODY_CHARS",
    "MIN_BODY_CHARS",
    "TOTAL_BODY_CHARS",
    "SearchDoc",
    "body_share",
    "fold",
    "search_entry",
    "search_index_js",
]

MAX_BODY_CHARS = 20_000  # verbatim body per page on small sites; titles are always complete
MIN_BODY_CHARS = 1_000  # verbatim body every page keeps, however big the site
TOTAL_BODY_CHARS = 24_000_000  # verbatim body text of the whole index, shared out per page
INDEX_HEAD = 'window.__SEARCH_INDEX__ = {"docs":['
INDEX_TAIL = '],"version":1};\n'
# Query terms are runs of letters, digits and "_" (search.js), so splitting on whitespace and
# ASCII punctuation (not "_") never cuts one; other characters stay inside the words.
_SEPARATORS = re.compile(r"[\s!-/:-@\[-^`{-~]+")
_MARKS = re.compile("[\u0300-\u036f]")


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """One page as the search library sees it."""

    title: str
    url: str  # site-relative, e.g. "ENG/guide/index.html"
    path: str  # breadcrumb text, e.g. "Engineering › Guide"
    text: str


def body_share(pages: int) -> int:
    """Verbatim body characters each page keeps in a site of ``pages`` pages."""
    return max(MIN_BODY_CHARS, min(MAX_BODY_CHARS, TOTAL_BODY_CHARS // max(pages, 1)))


def fold(text: str) -> str:
    """Lower case without accents, as ``fold`` in search.js does to text and queries."""
    return _MARKS.sub("", unicodedata.normalize("NFD", text)).lower()


def search_entry(doc: SearchDoc, share: int) -> str:
    """One doc as the JSON text of its index entry: sorted keys, safe inside a script."""
    entry = {"t": doc.title, "u": doc.url, "p": doc.path, "b": doc.text[:share]}
    if len(doc.text) > share:
        words = _more_words(doc.text, share)
        if words:
            entry["w"] = words
    data = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # "</" and U+2028/2029 are escaped so the JSON is also safe as script source.
    return data.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _more_words(text: str, share: int) -> str:
    """The distinct folded words of ``text`` past ``share`` that its first ``share`` lack.

    The tail starts at the word the cut falls in, so a word split by the cut is kept whole.
    """
    cut = max(text.rfind(" ", 0, share) + 1, 0)
    seen = set(_SEPARATORS.split(fold(text[:share])))
    tail = (w for w in _SEPARATORS.split(fold(text[cut:])) if w and w not in seen)
    return " ".join(dict.fromkeys(tail))


def search_index_js(docs: list[SearchDoc]) -> str:
    """The whole ``search-index.js`` source: deterministic (input order, no timestamps)."""
    share = body_share(len(docs))
    return INDEX_HEAD + ",".join(search_entry(d, share) for d in docs) + INDEX_TAIL
