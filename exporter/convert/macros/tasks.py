"""Task lists, status lozenges, emoticons, mentions, placeholders and comment markers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.macros.registry import Macro, element, macro
from exporter.convert.parse import attr, tag_of

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["EMOTICONS", "emoticon", "status", "task_list"]

# Confluence's legacy emoticon names (storage format reference) to Unicode.
EMOTICONS = {
    "smile": "🙂", "sad": "🙁", "cheeky": "😛", "laugh": "😀", "wink": "😉",
    "thumbs-up": "👍", "thumbs-down": "👎", "information": "ℹ️", "tick": "✅", "cross": "❌",
    "warning": "⚠️", "plus": "➕", "minus": "➖", "question": "❓", "light-on": "💡",
    "light-off": "🔦", "yellow-star": "⭐", "red-star": "⭐", "green-star": "⭐", "blue-star": "⭐",
    "star_yellow": "⭐", "heart": "❤️", "broken-heart": "💔", "check_mark": "✔️",
}  # fmt: skip


@element("ac:task-list")
def task_list(conv: Converter, el: etree._Element) -> str:
    """A checklist, nested lists indented under their task."""
    items = [task(conv, child) for child in el if tag_of(child) == "ac:task"]
    items = [item for item in items if item]
    if not items:
        return ""
    if conv.state.cell:
        return " " + " ".join(item.replace("\n", " ") for item in items) + " "
    return "\n\n" + "\n".join(items) + "\n\n"


@element("ac:task")
def task(conv: Converter, el: etree._Element) -> str:
    """One task: ``- [ ]``/``- [x]``, its body inline, nested task lists below."""
    done = False
    body = ""
    nested: list[str] = []
    for child in el:
        tag = tag_of(child)
        if tag == "ac:task-status":
            done = (child.text or "").strip().lower() == "complete"
        elif tag == "ac:task-body":
            lists = [c for c in child if tag_of(c) == "ac:task-list"]
            for sub in lists:
                child.remove(sub)
            body = conv.inline(child)
            nested.extend([task_list(conv, sub).strip("\n") for sub in lists])
        elif tag == "ac:task-list":
            nested.append(task_list(conv, child).strip("\n"))
    box = "[x]" if done else "[ ]"
    sub = "\n".join(n for n in nested if n)
    content = f"{box} {body}".rstrip() + ("\n" + sub if sub else "")
    return conv.emit.list_item("-", content)


@macro("status")
def status(conv: Converter, m: Macro) -> str:
    """A status lozenge: its colour as a coloured circle, its title as inline code."""
    colour = m.param("colour") or m.param("color")
    title = m.param("title") or colour or ""
    if not title or conv.state.plain:
        return conv.emit.escape(title.upper())
    return conv.emit.status(conv.code_span(title.upper()), colour)


_CODEPOINTS = re.compile(r"[0-9a-fA-F]{4,6}(?:-[0-9a-fA-F]{4,6})*")


@element("ac:emoticon")
def emoticon(conv: Converter, el: etree._Element) -> str:
    """The emoji the page shows: its Unicode fallback, its code points, else its name.

    A site's custom emoji has a UUID ``ac:emoji-id``, a ``:shortname:`` fallback and a generic
    ``ac:name`` (``blue-star``), so it keeps its shortname text rather than becoming a star.
    """
    fallback = attr(el, "ac:emoji-fallback") or ""
    if fallback and not (fallback.startswith(":") and fallback.endswith(":")):
        return fallback
    emoji_id = attr(el, "ac:emoji-id") or ""
    if _CODEPOINTS.fullmatch(emoji_id):
        try:
            return "".join(chr(int(part, 16)) for part in emoji_id.split("-"))
        except (ValueError, OverflowError):
            pass
    shortname = attr(el, "ac:emoji-shortname") or fallback
    name = attr(el, "ac:name") or ""
    custom = bool(emoji_id) and not emoji_id.startswith("atlassian-") and shortname
    if name in EMOTICONS and not custom:
        return EMOTICONS[name]
    return conv.emit.escape(shortname or f":{name}:")


@element("ac:placeholder", "ac:task-id", "ac:task-uuid", "ac:parameter", "ac:adf-fallback")
def dropped(conv: Converter, el: etree._Element) -> str:
    """Instructional template text and bookkeeping elements show nothing."""
    return ""


@element("ac:inline-comment-marker", "ac:link-body", "ac:adf-content")
def unwrapped(conv: Converter, el: etree._Element) -> str:
    """Wrappers whose content is the point: the content, in place."""
    return conv.children(el)


@macro("mention")
def mention(conv: Converter, m: Macro) -> str:
    """A mention macro (some apps): ``@Display Name``."""
    holder = m.params.get("user", m.params.get(""))
    if holder is None:
        return ""
    user = next((c for c in holder.iter() if tag_of(c) == "ri:user"), None)
    ident = (attr(user, "ri:account-id") or attr(user, "ri:userkey")) if user is not None else None
    return "@" + conv.emit.escape(conv.state.resolver.user(ident or "unknown"))
