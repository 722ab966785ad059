"""Allow-list sanitizing of rendered page HTML (Confluence content is untrusted).

Built on ``nh3`` (ammonia): no ``<script>``, ``<style>``, ``<iframe>``, ``<object>``, no event
handler or ``style`` attributes, only http(s)/mailto/tel and relative URLs, ``data:`` only for
images. What documentation needs stays: details/summary, tables with colspan/rowspan, heading
ids, images, task-list checkboxes. Internal links are rewritten in the same pass.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3

__all__ = ["ALLOWED_TAGS", "clean"]

ALLOWED_TAGS = frozenset(
    (nh3.ALLOWED_TAGS - {"area", "map"})
    | {"details", "summary", "input", "figure", "figcaption", "tfoot", "caption", "section"}
)
_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"id", "class", "title", "lang", "dir", "aria-label", "aria-hidden", "role"},
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "title", "loading"},
    "details": {"open"},
    "input": {"type", "checked", "disabled"},
    "ol": {"start", "reversed", "type"},
    "code": {"class"},
    "th": {"colspan", "rowspan", "scope", "align", "headers"},
    "td": {"colspan", "rowspan", "align", "headers"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}
_URL_ATTRIBUTES = {("a", "href"), ("img", "src"), ("blockquote", "cite"), ("q", "cite")}
_SAFE_DATA_IMAGES = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")


def clean(html: str, rewrite: Callable[[str], str] | None = None) -> str:
    """Sanitize ``html``; ``rewrite`` maps every surviving href/src (e.g. ``.md`` → ``.html``)."""

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if (tag, attr) == ("input", "type"):
            return value if value == "checkbox" else None
        if (tag, attr) not in _URL_ATTRIBUTES:
            return value
        stripped = value.strip()
        if stripped.lower().startswith("data:"):
            # data: only for raster images: an SVG or HTML data URL can carry script.
            ok = tag == "img" and stripped.lower().startswith(_SAFE_DATA_IMAGES)
            return stripped if ok else None
        return rewrite(stripped) if rewrite is not None and attr in ("href", "src") else stripped

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
