"""Storage format parsing helpers shared by the view renderer and its macros.

Bodies come without namespace declarations and with HTML entities, bare ampersands and
unclosed void tags; :func:`parse_storage` repairs those (outside CDATA) and parses with lxml.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from html.entities import name2codepoint

from lxml import etree

__all__ = [
    "AC",
    "RI",
    "VOID",
    "ac",
    "attr",
    "esc",
    "friendly_date",
    "local_name",
    "parse_storage",
    "ri",
]

AC = "http://atlassian.com/content"
RI = "http://atlassian.com/resource/identifier"
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.S)
_BARE_AMP = re.compile(r"&(?!#?\w+;)")
_OPEN_VOID = re.compile(r"<(br|hr|img|col|wbr)(\b[^<>]*?)(?<!/)>", re.I)
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
VOID = {"br", "hr", "img", "col", "input", "meta", "link", "wbr"}


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in _XML_ENTITIES:
        return m.group(0)
    if name in name2codepoint:
        return f"&#{name2codepoint[name]};"
    return f"&amp;{name};"


def parse_storage(storage: str) -> etree._Element:
    """Parse a storage fragment into an element tree rooted at ``<root>`` (ac:/ri: namespaced)."""
    parts = _CDATA.split(storage)  # odd items are CDATA sections: keep them verbatim
    for i in range(0, len(parts), 2):
        fixed = _ENTITY.sub(_entity, _BARE_AMP.sub("&amp;", parts[i]))
        parts[i] = _OPEN_VOID.sub(r"<\1\2/>", fixed)
    text = "".join(parts)
    wrapped = f'<root xmlns:ac="{AC}" xmlns:ri="{RI}">{text}</root>'
    parser = etree.XMLParser(recover=True, strip_cdata=False)
    root = etree.fromstring(wrapped.encode("utf-8"), parser)
    return root if root is not None else etree.Element("root")


def ac(name: str) -> str:
    return f"{{{AC}}}{name}"


def ri(name: str) -> str:
    return f"{{{RI}}}{name}"


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def attr(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def local_name(el: etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.split("}", 1)[-1] if tag.startswith("{") else tag


def friendly_date(value: str | None) -> str:
    """``2026-08-01`` as Confluence shows it: ``01 Aug 2026``."""
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").strftime("%d %b %Y")
    except ValueError:
        return value or ""
