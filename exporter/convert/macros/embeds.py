"""Images and embedded files: ``ac:image``, ``<img>``, file viewers, diagrams, attachment lists.

An embed outside a paragraph is a block of its own, so stacked embeds never share a line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.macros.registry import Macro, element, macro
from exporter.convert.macros.targets import attachment_link, external, owner_of, page_ref
from exporter.convert.nodes import is_block
from exporter.convert.parse import attr, plain_text, tag_of
from exporter.convert.resolve import Link, PageRef

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["ac_image", "alone", "attachments", "diagram", "html_image", "view_file"]


_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp")


def html_image(conv: Converter, el: etree._Element) -> str:
    """A plain ``<img>``; its source goes through the resolver like any URL."""
    src = el.get("src") or ""
    if not src:
        return ""
    link = external(conv, src, image=True)
    if link is None:
        return conv.emit.escape(el.get("alt") or "")
    return conv.emit.image(link, el.get("alt") or "", el.get("title"), el.get("width"))


@element("ac:image")
def ac_image(conv: Converter, el: etree._Element) -> str:
    """``ac:image`` from an attachment or URL, sized as on the page, its caption below it."""
    link: Link | None = None
    caption = ""
    filename = ""
    for child in el:
        tag = tag_of(child)
        if tag == "ri:attachment":
            filename = attr(child, "ri:filename") or ""
            link = attachment_link(conv, filename, owner_of(child))
        elif tag == "ri:url":
            link = external(conv, attr(child, "ri:value") or "", image=True)
        elif tag == "ac:caption":
            caption = conv.inline(child)
    if link is None:
        return ""
    alt = attr(el, "ac:alt") or filename.rsplit(".", 1)[0]
    image = conv.emit.image(link, alt, attr(el, "ac:title"), attr(el, "ac:width"))
    inline = conv.state.cell or conv.state.heading
    if not caption:
        return alone(conv, el, image)
    if inline:
        return f"{image} {caption}"
    return f"\n\n{image}\n\n*{caption}*\n\n"


def alone(conv: Converter, el: etree._Element, markdown: str) -> str:
    """An embed outside a paragraph as its own block, so stacked embeds never share a line;
    inside a paragraph, a space from an embed right before it."""
    if not markdown or conv.state.cell or conv.state.heading:
        return markdown
    if is_block(el):
        return f"\n\n{markdown}\n\n"
    previous = el.getprevious()
    if previous is not None and not previous.tail and tag_of(previous) in _EMBEDS:
        return " " + markdown
    return markdown


_EMBEDS = frozenset({"ac:image", "ac:structured-macro", "ac:macro"})


@macro("view-file", "viewfile", "viewpdf", "viewdoc", "viewxls", "viewppt", "multimedia", "widget")
def view_file(conv: Converter, m: Macro) -> str:
    """Embedded files become links to the attachment (images become images)."""
    holder = _param_el(m, "name", "")
    target = None
    if holder is not None:
        target = next((c for c in holder.iter() if tag_of(c) == "ri:attachment"), None)
    if target is None:
        url = _url_param(m, "url", "")
        link = external(conv, url) if url and "://" in url else None
        return alone(conv, m.el, conv.emit.link("", link) if link is not None else "")
    filename = attr(target, "ri:filename") or ""
    link = attachment_link(conv, filename, owner_of(target))
    if filename.lower().endswith(_IMAGE_EXTENSIONS):
        return alone(conv, m.el, conv.emit.image(link, filename))
    return alone(conv, m.el, conv.emit.link(conv.emit.escape(filename), link))


def _url_param(m: Macro, *keys: str) -> str | None:
    """A URL parameter: its text, or the ``ri:url`` inside it (the widget macro stores that)."""
    holder = _param_el(m, *keys)
    if holder is None:
        return None
    ri_url = next((c for c in holder.iter() if tag_of(c) == "ri:url"), None)
    if ri_url is not None and attr(ri_url, "ri:value"):
        return (attr(ri_url, "ri:value") or "").strip()
    return m.param(attr(holder, "ac:name") or "")


def _param_el(m: Macro, *keys: str) -> etree._Element | None:
    return next((m.params[k] for k in keys if k in m.params), None)


@macro("drawio", "drawio-sketch", "inc-drawio", "gliffy")
def diagram(conv: Converter, m: Macro) -> str:
    """A diagram: its PNG preview attachment as an image, linked to the source file."""
    name = m.param("diagramName") or m.param("name")
    if not name:
        return ""
    display = m.param("diagramDisplayName") or name
    owner = None
    page_id = m.param("pageId") or m.param("pageid")
    if page_id and conv.state.page is not None and page_id != conv.state.page.page_id:
        owner = PageRef(page_id=page_id)
    source = attachment_link(conv, name, owner)
    preview_name = name if name.lower().endswith(".png") else name + ".png"
    preview = attachment_link(conv, preview_name, owner)
    image = conv.emit.image(preview, display)
    return "\n\n" + conv.emit.link(image, source) + "\n\n"


@macro("attachments")
def attachments(conv: Converter, m: Macro) -> str:
    """The page's files as a list of links, filtered by ``patterns`` (regular expressions)."""
    owner = _macro_owner(m)
    if owner is None and conv.state.owners:
        owner = conv.state.owners[-1]
    patterns = _name_patterns(m.param("patterns"))
    names = sorted(
        (
            name
            for name, _ in conv.state.resolver.attachments(owner)
            if not patterns or any(p.fullmatch(name) for p in patterns)
        ),
        key=lambda name: (name.casefold(), name),
        reverse=(m.param("sortOrder") or "").lower() == "descending",
    )
    if not names:
        note = "confluence macro: attachments (no exported files)"
        return "\n\n" + conv.emit.comment(note) + "\n\n"
    if conv.state.cell:
        return ", ".join(_file_link(conv, name, owner) for name in names)
    items = [conv.emit.list_item("-", _file_link(conv, name, owner)) for name in names]
    return "\n\n" + "\n".join(items) + "\n\n"


def _file_link(conv: Converter, name: str, owner: PageRef | None) -> str:
    return conv.emit.link(conv.emit.escape(name), attachment_link(conv, name, owner))


def _macro_owner(m: Macro) -> PageRef | None:
    holder = m.params.get("page")
    if holder is None:
        return None
    ref = next((r for r in map(page_ref, holder.iter()) if r is not None), None)
    if ref is not None:
        return ref
    text = plain_text(holder).strip()
    space, _, title = text.rpartition(":")
    return PageRef(title=title, space_key=space or None) if title else None


def _name_patterns(value: str | None) -> list[re.Pattern[str]]:
    """Confluence's comma-separated file name regexes; a broken one matches literally."""
    result = []
    for raw in (value or "").split(","):
        text = raw.strip()
        if not text:
            continue
        try:
            result.append(re.compile(text, re.I))
        except re.error:
            result.append(re.compile(re.escape(text), re.I))
    return result
