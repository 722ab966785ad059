"""Parsing storage format ("not-quite-XML") into an lxml tree that never loses a page.

Bodies from the API use the ``ac:``/``ri:`` prefixes without declaring them, contain HTML named
entities and CDATA, and are sometimes malformed. We wrap them in a root that declares the
prefixes, turn named entities into numeric references, and fall back from the strict XML parser
to lxml's recovering parser and finally to its HTML parser.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Callable, Iterator
from typing import cast
from xml.etree import ElementTree

from lxml import etree
from lxml import html as lxml_html

__all__ = [
    "NAMESPACES",
    "NotStreamable",
    "attr",
    "names",
    "parse_storage",
    "plain_text",
    "stream_storage",
    "tag_of",
]

NAMESPACES = {
    "ac": "http://atlassian.com/content",
    "ri": "http://atlassian.com/resource/identifier",
    "at": "http://atlassian.com/template",
}
_URI_TO_PREFIX = {uri: prefix for prefix, uri in NAMESPACES.items()}
_ROOT_OPEN = "<root " + " ".join(f'xmlns:{p}="{u}"' for p, u in NAMESPACES.items()) + ">"
_XML_FIVE = frozenset({"amp", "lt", "gt", "quot", "apos"})

_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_BARE_AMP = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.S)
_PROLOGUE = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>\s*)?", re.I)

_STRICT = etree.XMLParser(
    huge_tree=True, strip_cdata=False, remove_comments=True, remove_pis=True, resolve_entities=False
)
_HTML = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)

_tag_names: dict[str, str] = {}
_attr_names: dict[str, str] = {}


def _numeric_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_FIVE:
        return match.group(0)
    chars = html.entities.html5.get(name + ";")
    if chars is None:
        return "&amp;" + name + ";"
    return "".join(f"&#{ord(c)};" for c in chars)


def _prepare(storage: str) -> str:
    """The fragment with entities made XML-safe and its own prologue removed."""
    text = _PROLOGUE.sub("", storage, count=1)
    if "&" not in text:
        return text
    if "<![CDATA[" not in text:
        return _entities(text)
    pieces = _CDATA.split(text)
    # split() with one group alternates markup and CDATA sections; CDATA stays verbatim.
    return "".join(p if i % 2 else _entities(p) for i, p in enumerate(pieces))


def _entities(text: str) -> str:
    if "&" not in text:
        return text
    text = _ENTITY.sub(_numeric_entity, text)
    return _BARE_AMP.sub("&amp;", text)


def parse_storage(storage: str, on_recover: Callable[[str], None] | None = None) -> etree._Element:
    """Parse a storage-format body into a ``root`` element holding its top-level nodes.

    Never raises and never drops text on malformed input (third-party tools write it, and
    Confluence sometimes keeps it): strict XML first; then, with an unterminated CDATA section
    closed, strict XML again; then HTML's forgiving rules (lxml's HTML parser, CDATA kept as
    text), where ``ac:``/``ri:`` names stay literal (:func:`tag_of` and :func:`attr` accept
    both forms). ``on_recover`` hears what was repaired, for the page's warnings.
    """
    text = _prepare(storage)
    wrapped = _ROOT_OPEN + text + "</root>"
    try:
        return etree.fromstring(wrapped, _STRICT)
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc):
            deep = _parse_deep(wrapped)
            if deep is not None:
                return deep
        problem = re.split(r",? line \d+|\s\(", str(exc), maxsplit=1)[0].strip()
    closed = _close_cdata(text)
    if closed != text:
        try:
            root = etree.fromstring(_ROOT_OPEN + closed + "</root>", _STRICT)
        except etree.XMLSyntaxError:
            pass
        else:
            if on_recover is not None:
                on_recover("an unterminated CDATA section was closed at the end of its macro")
            return root
    if on_recover is not None:
        on_recover(f"the body is not well-formed XML ({problem}); it was read with HTML rules")
    markup = _CDATA.sub(lambda m: html.escape(m.group(1)[9:-3], quote=False), closed)
    root = lxml_html.fromstring("<div>" + markup + "</div>", parser=_HTML)
    _unwrap_marks_around_blocks(root)
    return root


_MARKS = frozenset(
    [
        "p",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "del",
        "strike",
        "span",
        "font",
        "a",
        "code",
        "sub",
        "sup",
        "small",
        "big",
    ]
)
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "ul",
        "ol",
        "li",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "ac:structured-macro",
        "ac:layout",
        "ac:task-list",
        "ac:rich-text-body",
    ]
)


def _unwrap_marks_around_blocks(root: etree._Element) -> None:
    """Drop an inline mark (an unclosed ``<strong>``, say) that ended up holding blocks.

    HTML's rules keep an unclosed mark open to the end of the body, so every paragraph and
    panel after it would become part of one bold run; their text and structure matter more
    than the mark.
    """
    # Innermost first, so a paragraph around an unwrapped mark is looked at after it.
    for el in reversed(list(root.iter())):
        if not isinstance(el.tag, str) or el.tag.lower() not in _MARKS:
            continue
        if not any(isinstance(k.tag, str) and k.tag.lower() in _BLOCKS for k in el):
            continue
        parent = el.getparent()
        if parent is None:
            continue
        _unwrap(parent, el)


def _unwrap(parent: etree._Element, el: etree._Element) -> None:
    """Replace ``el`` by its content (text, children, tail) in ``parent``."""
    index = parent.index(el)
    text = el.text or ""
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text
    kids = list(el)
    for offset, kid in enumerate(kids):
        parent.insert(index + offset, kid)
    if kids:
        kids[-1].tail = (kids[-1].tail or "") + (el.tail or "")
    elif index == 0:
        parent.text = (parent.text or "") + (el.tail or "")
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + (el.tail or "")
    parent.remove(el)


def _close_cdata(text: str) -> str:
    """The body with each CDATA section that runs into its macro's end closed there."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<![CDATA[", pos)
        if start < 0:
            out.append(text[pos:])
            return "".join(out)
        close = text.find("]]>", start)
        end = text.find("</ac:plain-text-body>", start)
        if close >= 0 and (end < 0 or close < end):
            out.append(text[pos : close + 3])
            pos = close + 3
            continue
        cut = end if end >= 0 else len(text)
        out.append(text[pos:cut] + "]]>")
        pos = cut


def _parse_deep(wrapped: str) -> etree._Element | None:
    """Build the tree with expat, which has no depth limit (libxml2 stops at 2048 levels)."""
    parser: ElementTree.XMLPullParser = ElementTree.XMLPullParser(events=("start", "end"))
    root: etree._Element | None = None
    stack: list[etree._Element] = []
    try:
        parser.feed(wrapped)
        parser.close()
        for item in parser.read_events():
            event, node = cast("tuple[str, object]", item)
            if not isinstance(node, ElementTree.Element):
                continue
            if event == "start":
                attrib = {str(k): str(v) for k, v in node.attrib.items()}
                if stack:
                    stack.append(etree.SubElement(stack[-1], node.tag, attrib))
                else:
                    root = etree.Element(node.tag, attrib)
                    stack.append(root)
            else:
                done = stack.pop()
                done.text = node.text
                done.tail = node.tail
                node.clear()
    except (ElementTree.ParseError, ValueError):
        return None
    return root


class NotStreamable(Exception):
    """The body is not strict XML (or nests past libxml2's limit): parse it whole instead."""


_CHUNK = 1 << 16


def stream_storage(storage: str) -> Iterator[tuple[etree._Element, etree._Element | None]]:
    """Parse a strict-XML storage body incrementally, for bodies too big to hold as one tree.

    Yields ``(root, child)`` as each top-level element starts (the ones before it are complete
    by then, their tails too; the child itself may not be), and ``(root, None)`` once the
    body ended. The tree is the one :func:`parse_storage` builds; the caller may remove
    elements it has converted. Raises :class:`NotStreamable` where the strict parse fails
    (the caller starts over with :func:`parse_storage`, which recovers).
    """
    # Only the root's start is an event: the top-level elements are read off the tree as it
    # grows (an event per element would cost more than the parse).
    parser = etree.XMLPullParser(
        events=("start",),
        tag="root",
        huge_tree=True,
        strip_cdata=False,
        remove_comments=True,
        remove_pis=True,
        resolve_entities=False,
    )
    text = _prepare(storage)
    starts = range(0, len(text), _CHUNK)
    root: etree._Element | None = None
    last: etree._Element | None = None  # the top-level element yielded last
    for i in range(-1, len(starts) + 1):
        try:
            if i < 0:
                parser.feed(_ROOT_OPEN)
            elif i < len(starts):
                parser.feed(text[starts[i] : starts[i] + _CHUNK])
            else:
                parser.feed("</root>")
                parser.close()
        except etree.XMLSyntaxError as exc:
            raise NotStreamable(str(exc)) from exc
        for _, el in parser.read_events():
            root = el
        if root is None:
            continue
        el = last.getnext() if last is not None else (root[0] if len(root) else None)
        while el is not None:
            yield root, el
            last = el
            el = el.getnext()
    if root is None:  # pragma: no cover - the wrapper always makes a root
        raise NotStreamable("no root element")
    yield root, None


def tag_of(el: etree._Element) -> str:
    """The element's name with its storage prefix (``ac:link``, ``p``); ``""`` for non-elements."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    name = _tag_names.get(tag)
    if name is None:
        name = _qualified(tag, el.prefix)
        _tag_names[tag] = name
    return name


def _qualified(clark: str, prefix: str | None) -> str:
    if clark[0] != "{":
        return clark.lower() if ":" not in clark else clark
    uri, local = clark[1:].split("}", 1)
    pref = _URI_TO_PREFIX.get(uri) or prefix or ""
    return f"{pref}:{local}" if pref else local


def attr(el: etree._Element, name: str, default: str | None = None) -> str | None:
    """An attribute by its prefixed storage name (``ac:name``) whether namespaced or literal."""
    clark = _attr_names.get(name)
    if clark is None:
        if ":" in name:
            prefix, local = name.split(":", 1)
            clark = "{" + NAMESPACES.get(prefix, prefix) + "}" + local
        else:
            clark = name
        _attr_names[name] = clark
    value = el.get(clark)
    if value is None and clark != name:
        value = el.get(name)
    return default if value is None else value


def plain_text(el: etree._Element) -> str:
    """All text inside an element, tags dropped."""
    return "".join(el.itertext())


def names(text: str) -> frozenset[str]:
    """A set of element or macro names written as one space-separated string."""
    return frozenset(text.split())
