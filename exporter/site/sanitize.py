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


_SVG_DROP = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}
_SVG_LINK_ATTRS = {"href", "{http://www.w3.org/1999/xlink}href", "src", "action", "formaction"}
_SAFE_LINK = ("#", "data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")


def clean_svg(data: bytes) -> bytes:
    """An SVG attachment without anything that runs: no scripts, event handlers, foreign
    HTML or ``javascript:`` links. SVG opened from the site runs on the site's origin, so
    the site ships this copy; the docs folder keeps the original file.

    Unparseable input gives an empty SVG rather than passing hostile bytes through.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return b'<svg xmlns="http://www.w3.org/2000/svg"/>\n'
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # comments and processing instructions
            continue
        if etree.QName(element).localname in _SVG_DROP and element.getparent() is not None:
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            value = element.attrib[name].strip().lower()
            local = etree.QName(name).localname.lower()
            if local.startswith("on") or (
                name in _SVG_LINK_ATTRS and value and not value.startswith(_SAFE_LINK)
            ):
                del element.attrib[name]
    if etree.QName(root).localname in _SVG_DROP:
        return b'<svg xmlns="http://www.w3.org/2000/svg"/>\n'
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
