"""The client-side search index, written as a classic script so search works from file://.

``search-index.js`` sets ``window.__SEARCH_INDEX__ = {"version": 1, "docs": [...]}``; each doc
is ``{"t": title, "u": site-relative URL, "p": breadcrumb, "b": body text}``. The page's
``search.js`` (templates/site/static) adds it as a plain ``<script>`` tag the first time the
search box is used (no fetch, no modules) and links results relative to the current page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["MAX_BODY_CHARS", "SearchDoc", "search_index_js"]

MAX_BODY_CHARS = 20_000  # keeps the index small on big spaces; titles are always complete


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """One page as the search library sees it."""

    title: str
    url: str  # site-relative, e.g. "ENG/guide/index.html"
    path: str  # breadcrumb text, e.g. "Engineering › Guide"
    text: str


def search_index_js(docs: list[SearchDoc]) -> str:
    """The ``search-index.js`` source: deterministic (input order, sorted keys, no timestamps)."""
    payload = {
        "version": 1,
        "docs": [
            {"t": d.title, "u": d.url, "p": d.path, "b": d.text[:MAX_BODY_CHARS]} for d in docs
        ],
    }
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # "</" and U+2028/2029 are escaped so the JSON is also safe as script source.
    data = data.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.__SEARCH_INDEX__ = {data};\n"
