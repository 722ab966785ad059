"""What a reference in the body points at: pages, attachments, users, URLs and anchors.

All targets go through the :class:`~exporter.convert.resolve.Resolver`, so the same storage
becomes relative links inside an export and slug links in the offline ``convert`` command.
These helpers register no handler; the link and embed handlers share them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.anchors import heading_for_anchor
from exporter.convert.macros.registry import parse_macro
from exporter.convert.marks import ANCHOR_MARK
from exporter.convert.parse import attr, parse_storage, plain_text, tag_of
from exporter.convert.resolve import Link, PageRef, vetted_url
from exporter.warnings import LINK_TO_UNEXPORTED_PAGE

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = [
    "attachment_link",
    "external",
    "owner_of",
    "page_ref",
    "resolve_target",
    "same_page",
    "unexported",
]


def page_ref(el: etree._Element) -> PageRef | None:
    """A PageRef from ``ri:page``, ``ri:blog-post`` or ``ri:content-entity``; None otherwise."""
    tag = tag_of(el)
    if tag == "ri:page":
        return PageRef(title=attr(el, "ri:content-title"), space_key=attr(el, "ri:space-key"))
    if tag == "ri:blog-post":
        return PageRef(
            title=attr(el, "ri:content-title"),
            space_key=attr(el, "ri:space-key"),
            kind="blogpost",
            posting_day=attr(el, "ri:posting-day"),
        )
    if tag == "ri:content-entity":
        return PageRef(page_id=attr(el, "ri:content-id"))
    return None


def owner_of(el: etree._Element) -> PageRef | None:
    for child in el:
        ref = page_ref(child)
        if ref is not None:
            return ref
    return None


def external(conv: Converter, href: str, *, image: bool = False) -> Link | None:
    """A URL from the body through the resolver; None when it must not become a link
    (:func:`~exporter.convert.resolve.vetted_url`, against the page's Confluence URL)."""
    return vetted_url(conv.state.resolver, href, conv.state.base_url, image=image)


def unexported(conv: Converter, ref: PageRef, verb: str) -> None:
    """Warn that the page ``verb``s (links to, includes) a page this export does not hold."""
    what = f"page {ref.title!r}" if ref.title else f"page {ref.page_id}"
    space = f" in space {ref.space_key}" if ref.space_key else ""
    conv.state.warn(LINK_TO_UNEXPORTED_PAGE, f"{verb} {what}{space}, which is not exported; "
                    "the link goes to Confluence")  # fmt: skip


def same_page(anchor: str) -> Link:
    """A link to an anchor on this page; matched to an anchor macro or heading at the end."""
    return Link(f"#{ANCHOR_MARK}{anchor}{ANCHOR_MARK}", True, anchor)


def attachment_link(conv: Converter, filename: str, owner: PageRef | None) -> Link:
    """Resolve an attachment, remembering the current page's own referenced files.

    Inside an included page's body an attachment without owner belongs to that page.
    """
    if owner is None and conv.state.owners:
        owner = conv.state.owners[-1]
    if owner is None:
        conv.state.attachments.add(filename)
    return conv.state.resolver.attachment(filename, owner)


def resolve_target(conv: Converter, target: etree._Element, anchor: str | None) -> Link | str:
    """A ``ri:`` element as a Link, or as finished text for mentions and unknown kinds."""
    resolver = conv.state.resolver
    tag = tag_of(target)
    ref = page_ref(target)
    if ref is not None:
        link = resolver.page(ref, _target_anchor(conv, ref, anchor) if anchor else None)
        if not link.exported:
            unexported(conv, ref, "links to")
        return link
    if tag == "ri:attachment":
        return attachment_link(conv, attr(target, "ri:filename") or "", owner_of(target))
    if tag == "ri:user":
        ident = (
            attr(target, "ri:account-id")
            or attr(target, "ri:userkey")
            or attr(target, "ri:username")
        )
        return "@" + conv.emit.escape(resolver.user(ident or "unknown"))
    if tag == "ri:space":
        return resolver.space(attr(target, "ri:space-key") or "")
    if tag == "ri:url":
        return external(conv, attr(target, "ri:value") or "") or ""
    if tag == "ri:shortcut":
        return conv.emit.escape(attr(target, "ri:parameter") or attr(target, "ri:key") or "")
    return ""


def _target_anchor(conv: Converter, ref: PageRef, anchor: str) -> str:
    """The id, in this flavor's slug rules, of the heading or anchor macro on another page.

    From the target's body when the export has it (an anchor macro keeps its name, a heading
    gets the id its renderer gives it, duplicates numbered); otherwise the heading text the
    anchor spells (Cloud writes a heading's anchor as its text with ``-`` for spaces).
    """
    emit = conv.emit
    outline = _outline(conv, ref)
    if outline is not None:
        headings, anchors = outline
        if anchor in anchors:
            return anchor
        found = heading_for_anchor(anchor, headings, ref.title)
        if found is not None:
            used: dict[str, int] = {}
            ids = [emit.heading_id(text, used) for text in headings[: found + 1]]
            return ids[-1]
    return emit.heading_id(anchor.replace("-", " "), {})


def _outline(conv: Converter, ref: PageRef) -> tuple[list[str], set[str]] | None:
    """The headings and anchor-macro names of an exported page's body, parsed once a page
    conversion (links to several anchors of one page share it); None without a body."""
    key = (ref.space_key, ref.title, ref.page_id)
    cache = conv.state.outlines
    if key not in cache:
        body = conv.state.resolver.page_body(ref) if ref.title or ref.page_id else None
        if not body:
            cache[key] = None
        else:
            headings: list[str] = []
            anchors: set[str] = set()
            for el in parse_storage(body).iter():
                tag = tag_of(el)
                if tag in _HEADINGS:
                    headings.append(" ".join(plain_text(el).split()))
                elif (
                    tag in ("ac:structured-macro", "ac:macro")
                    and (attr(el, "ac:name") or "").lower() == "anchor"
                ):
                    found = parse_macro(el)
                    anchors.update(n for n in (found.param(""), found.param("name")) if n)
            cache[key] = (headings, anchors)
    return cache[key]


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
