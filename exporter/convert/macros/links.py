"""Links: ``ac:link``, bare resource identifiers, ``<a>``, anchors, Jira issues and mentions.

Where a link goes is decided in :mod:`exporter.convert.macros.targets`; this module spells it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from lxml import etree

from exporter.convert.anchors import decode_anchor
from exporter.convert.macros.registry import Macro, element, macro
from exporter.convert.macros.targets import external, resolve_target, same_page
from exporter.convert.parse import attr, plain_text, tag_of
from exporter.convert.resolve import Link

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["ac_link", "anchor", "bare_identifier", "html_link", "jira", "profile"]


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
