"""Obsidian ``[[path|text]]`` wikilinks and ``![[file]]`` embeds as a markdown-it inline rule.

Targets resolve like Obsidian does: a vault-relative path, a path relative to the page, or a
unique file name, with ``.md`` optional. The rule emits docs-relative links so the one link
rewriter (``LinkIndex.rewrite``) turns them into site links like any other Markdown link.
"""

from __future__ import annotations

import posixpath
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.anchors.index import slugify

from exporter.site.links import LinkIndex

__all__ = ["IMAGE_SUFFIXES", "wikilinks_plugin"]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif"})


def _resolve(name: str, env: MutableMapping[str, Any]) -> str:
    """A link from the current page to ``name`` (docs-relative), or the name when unknown."""
    links = env.get("links")
    source = str(env.get("source", ""))
    if not isinstance(links, LinkIndex):
        return quote(name)
    here = posixpath.dirname(source)
    for candidate in (posixpath.join(here, name), name.lstrip("/")):
        if links.find(posixpath.normpath(candidate)) is not None:
            return quote(posixpath.relpath(posixpath.normpath(candidate), here or "."))
    matches = sorted(links.by_name.get(posixpath.basename(name).casefold(), []))
    if matches:
        return quote(posixpath.relpath(matches[0], here or "."))
    return quote(name)


def _exists(name: str, env: MutableMapping[str, Any]) -> bool:
    links = env.get("links")
    here = posixpath.dirname(str(env.get("source", "")))
    if not isinstance(links, LinkIndex):
        return False
    candidates = (posixpath.join(here, name), name.lstrip("/"))
    return any(links.find(posixpath.normpath(c)) is not None for c in candidates)


def _wikilink(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    embed = src.startswith("![[", pos)
    start = pos + (3 if embed else 2)
    if not (embed or src.startswith("[[", pos)):
        return False
    end = src.find("]]", start)
    if end < 0 or "\n" in src[start:end] or end == start:
        return False
    if silent:
        return True
    target, _, alias = src[start:end].partition("|")
    path, _, heading = target.strip().partition("#")
    if heading and _exists(target.strip(), state.env):
        path, heading = target.strip(), ""  # a file name with "#" in it, not a heading link
    href = _resolve(path, state.env) if path else ""
    if heading:
        href += "#" + slugify(heading)
    text = alias.strip() or (heading if not path else posixpath.basename(path))
    if embed and posixpath.splitext(path)[1].lower() in IMAGE_SUFFIXES:
        token = state.push("image", "img", 0)
        token.attrs = {"src": href, "alt": "" if alias.strip().isdigit() else alias.strip()}
        if alias.strip().isdigit():
            token.attrs["width"] = alias.strip()
        alt = Token("text", "", 0, content=str(token.attrs["alt"]))
        token.children = [alt]
        token.content = str(token.attrs["alt"])
    else:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": href or "#"}
        token.markup = "wikilink"
        token = state.push("text", "", 0)
        token.content = text
        state.push("link_close", "a", -1)
    state.pos = end + 2
    return True


def wikilinks_plugin(md: MarkdownIt) -> None:
    """Enable ``[[...]]`` and ``![[...]]`` (needs ``env["links"]`` and ``env["source"]``)."""
    md.inline.ruler.before("link", "wikilink", _wikilink)
