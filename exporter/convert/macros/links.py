"""Links, images, anchors and everything that points at a page, attachment, user or issue.

All targets go through the :class:`~exporter.convert.resolve.Resolver`, so the same storage
becomes relative links inside an export and slug links in the offline ``convert`` command.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from exporter.convert.anchors import decode_anchor, heading_for_anchor
from exporter.convert.macros.registry import Macro, element, macro, parse_macro
from exporter.convert.marks import ANCHOR_MARK
from exporter.convert.nodes import is_block
from exporter.convert.parse import attr, parse_storage, plain_text, tag_of
from exporter.convert.resolve import Link, PageRef
from exporter.warnings import LINK_TO_UNEXPORTED_PAGE

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = [
    "ac_image",
    "ac_link",
    "html_image",
    "html_link",
    "page_ref",
    "resolve_target",
    "same_page",
    "unexported",
]

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp")


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


def _owner(el: etree._Element) -> PageRef | None:
    for child in el:
        ref = page_ref(child)
        if ref is not None:
            return ref
    return None


_NOT_IN_SCHEME = re.compile(r"[\x00-\x20]+")
_ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


def external(conv: Converter, href: str, *, image: bool = False) -> Link | None:
    """A URL from the body through the resolver; None when it must not become a link.

    Script and file URLs are dropped. A relative URL the resolver did not map into the export
    resolves against the page's Confluence URL; when that URL is unknown (the offline
    ``convert`` command) it stays only if it cannot climb out of the docs (no ``..``, no ``/``).
    """
    squeezed = _NOT_IN_SCHEME.sub("", href).lower()
    if squeezed.startswith(_ACTIVE_SCHEMES) and not (image and squeezed.startswith("data:image/")):
        return None
    try:
        link = conv.state.resolver.url(href.strip())
        if link.exported or urlsplit(link.href).scheme or link.href.startswith("//"):
            return link
        if conv.state.base_url:
            return Link(urljoin(conv.state.base_url, link.href), False, link.target_title)
        path = urlsplit(link.href).path
    except ValueError:  # not a URL at all (e.g. "https://[x]/"): keep the text, drop the link
        return None
    climbs = path.startswith("/") or ".." in path.split("/")
    return None if climbs else link


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
        return attachment_link(conv, attr(target, "ri:filename") or "", _owner(target))
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


@element("ac:link")
def ac_link(conv: Converter, el: etree._Element) -> str:
    """``ac:link``: a resource identifier, an optional anchor and an optional body."""
    anchor = attr(el, "ac:anchor")
    if anchor:
        anchor = decode_anchor(anchor)
    target = None
    text = ""
    for child in el:
        tag = tag_of(child)
        if tag.startswith("ri:"):
            target = child
        elif tag == "ac:link-body":
            text = conv.inline(child)
        elif tag == "ac:plain-text-link-body":
            text = conv.emit.escape(" ".join((child.text or "").split()))
    if target is None:
        if not anchor:
            return text
        return conv.emit.link(text or conv.emit.escape(anchor), same_page(anchor))
    resolved = resolve_target(conv, target, anchor)
    if isinstance(resolved, Link) and resolved.href.startswith("#") and anchor:
        resolved = same_page(anchor)
    if isinstance(resolved, str):
        return text if (text and tag_of(target) != "ri:user") else resolved
    return conv.emit.link(text, resolved)


@element("ri:*")
def bare_identifier(conv: Converter, el: etree._Element) -> str:
    """A resource identifier outside any link still points somewhere: render it as a link."""
    resolved = resolve_target(conv, el, None)
    if isinstance(resolved, str):
        return resolved
    return conv.emit.link("", resolved)


def html_link(conv: Converter, el: etree._Element) -> str:
    """A plain ``<a>``: site links rewritten by the resolver, named anchors kept as anchors."""
    href = (el.get("href") or "").strip()
    text = conv.inline(el)
    if not href:
        name = el.get("id") or el.get("name")
        if not name:
            return text
        conv.state.anchors.add(name)
        return conv.emit.anchor(name) + text
    if href.startswith("#"):
        link: Link | None = same_page(unquote(href[1:]))
    elif href.startswith(("mailto:", "tel:")):
        link = Link(href, False)
    else:
        link = external(conv, href)
    if conv.state.code or link is None:
        return text
    return conv.emit.link(text, link)


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
            link = attachment_link(conv, filename, _owner(child))
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
        return _alone(conv, el, image)
    if inline:
        return f"{image} {caption}"
    return f"\n\n{image}\n\n*{caption}*\n\n"


def _alone(conv: Converter, el: etree._Element, markdown: str) -> str:
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


@macro("anchor")
def anchor(conv: Converter, m: Macro) -> str:
    """An anchor macro: an id the flavor's renderer keeps."""
    name = m.param("") or m.param("name")
    if not name:
        return ""
    conv.state.anchors.add(name)
    return conv.emit.anchor(name)


@macro("jira", "jiraissues")
def jira(conv: Converter, m: Macro) -> str:
    """A single issue links to Jira; a JQL list links its query to Jira's issue search."""
    key = m.param("key")
    server = m.param("server")
    if key:
        url = conv.state.resolver.jira(key, server)
        text = conv.emit.escape(key)
        return conv.emit.link(text, Link(url, False, key)) if url else text
    query = m.param("jqlQuery") or m.param("")
    if query:
        url = conv.state.resolver.jira_query(query, server)
        shown = conv.code_span(query)
        return "Jira issues: " + (conv.emit.link(shown, Link(url, False, query)) if url else shown)
    address = m.param("url")
    link = external(conv, address) if address else None
    if link is not None:
        return "Jira issues: " + conv.emit.link(conv.code_span(address or ""), link)
    return ""


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
        return _alone(conv, m.el, conv.emit.link("", link) if link is not None else "")
    filename = attr(target, "ri:filename") or ""
    link = attachment_link(conv, filename, _owner(target))
    if filename.lower().endswith(_IMAGE_EXTENSIONS):
        return _alone(conv, m.el, conv.emit.image(link, filename))
    return _alone(conv, m.el, conv.emit.link(conv.emit.escape(filename), link))


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


@macro("profile", "profile-picture")
def profile(conv: Converter, m: Macro) -> str:
    """A user profile card becomes a mention."""
    holder = m.params.get("user")
    if holder is None:
        return ""
    user = next((c for c in holder.iter() if tag_of(c) == "ri:user"), None)
    if user is None:
        return conv.emit.escape(plain_text(holder).strip())
    resolved = resolve_target(conv, user, None)
    return resolved if isinstance(resolved, str) else ""
