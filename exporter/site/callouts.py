"""Markdown-it rules that turn each flavor's callout syntax into one HTML shape.

gfm alerts (``> [!NOTE]``) and Obsidian callouts (``> [!tip]- Title``) are blockquotes whose first
line names a type; MkDocs Material writes ``!!! type "title"`` and ``???``/``???+`` collapsibles;
Docusaurus writes ``:::type[title]`` containers. All become
``<div class="callout callout-TYPE callout-FAMILY">`` with a ``callout-title`` paragraph, or a
``<details>`` with a ``<summary>`` when the callout folds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.container import container_plugin

__all__ = ["GFM_ALERTS", "blockquote_callouts_plugin", "docusaurus_plugin", "mkdocs_plugin"]

GFM_ALERTS = frozenset({"note", "tip", "important", "warning", "caution"})
_FAMILIES = {
    "tip": ("tip", "hint", "success", "check", "done"),
    "important": ("important", "example", "question", "help", "faq"),
    "warning": ("warning", "attention"),
    "danger": ("danger", "caution", "error", "failure", "fail", "missing", "bug"),
    "neutral": ("quote", "cite"),
}
_FAMILY_OF = {name: family for family, names in _FAMILIES.items() for name in names}
_MARKER = re.compile(r"^\[!([A-Za-z][\w-]*)\]([+-]?)[ \t]*(.*)$")
_CONTAINER = re.compile(r"^\s*([A-Za-z][\w-]*)\s*(?:\[(.*)\])?\s*(.*)$")


def _classes(kind: str) -> str:
    kind = re.sub(r"[^a-z0-9-]", "", kind.lower()) or "note"
    family = _FAMILY_OF.get(kind, "note")
    return (
        f"callout callout-{kind}" if family == kind else f"callout callout-{kind} callout-{family}"
    )


def _open(kind: str, fold: str) -> str:
    if fold:
        return f'<details class="{_classes(kind)}"{" open" if fold == "+" else ""}>\n'
    return f'<div class="{_classes(kind)}">\n'


def _close(fold: str) -> str:
    return "</details>\n" if fold else "</div>\n"


def _title_open(fold: str) -> str:
    return '<summary class="callout-title">' if fold else '<p class="callout-title">'


def _title_close(fold: str) -> str:
    return "</summary>\n" if fold else "</p>\n"


def _render_callout(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    fold = str(token.meta.get("fold", ""))
    if token.type == "callout_open":
        return _open(str(token.meta["kind"]), fold)
    if token.type == "callout_close":
        return _close(fold)
    if token.type == "callout_title_open":
        return _title_open(fold)
    return _title_close(fold)


def blockquote_callouts_plugin(md: MarkdownIt, *, types: frozenset[str] | None = None) -> None:
    """Render ``> [!type]`` blockquotes as callouts; ``types`` limits which names count (gfm)."""

    def rule(state: StateCore) -> None:
        tokens = state.tokens
        i = 0
        while i < len(tokens):
            if tokens[i].type == "blockquote_open" and _convert(tokens, i, types):
                pass
            i += 1

    md.core.ruler.before("inline", "blockquote_callouts", rule)
    for name in ("callout_open", "callout_close", "callout_title_open", "callout_title_close"):
        md.add_render_rule(name, _render_callout)


def _convert(tokens: list[Token], i: int, types: frozenset[str] | None) -> bool:
    """Rewrite the blockquote opening at ``i`` into a callout when its first line is a marker."""
    if i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open":
        return False
    inline = tokens[i + 2]
    first, _, rest = inline.content.partition("\n")
    match = _MARKER.match(first.strip())
    if not match or (types is not None and match.group(1).lower() not in types):
        return False
    kind, fold, title = match.group(1).lower(), match.group(2), match.group(3).strip()
    close = next(
        j
        for j in range(i + 1, len(tokens))
        if tokens[j].type == "blockquote_close" and tokens[j].level == tokens[i].level
    )
    meta = {"kind": kind, "fold": fold}
    tokens[i] = _token("callout_open", "div", 1, tokens[i].level, meta)
    tokens[close] = _token("callout_close", "div", -1, tokens[i].level, meta)
    title_inline = Token("inline", "", 0, content=title or kind.title(), children=[])
    title_inline.level = tokens[i].level + 1
    heading = [
        _token("callout_title_open", "p", 1, tokens[i].level + 1, meta),
        title_inline,
        _token("callout_title_close", "p", -1, tokens[i].level + 1, meta),
    ]
    if rest.strip():
        inline.content = rest
    else:
        del tokens[i + 1 : i + 4]  # the marker was the whole paragraph
    tokens[i + 1 : i + 1] = heading
    return True


def _token(
    kind: str, tag: str, nesting: Literal[-1, 0, 1], level: int, meta: dict[str, str]
) -> Token:
    token = Token(kind, tag, nesting, meta=dict(meta), block=True)
    token.level = level
    return token


def mkdocs_plugin(md: MarkdownIt) -> None:
    """MkDocs Material admonitions: ``!!!`` boxes and ``???``/``???+`` collapsibles."""

    def render(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        markup = token.markup.split(" ", 1)[0]
        fold = "" if markup == "!!!" else ("+" if markup.endswith("+") else "-")
        if token.type == "admonition_open":
            return _open(str(token.meta.get("tag") or "note"), fold)
        if token.type == "admonition_close":
            return _close(fold)
        if token.type == "admonition_title_open":
            return _title_open(fold)
        return _title_close(fold)

    admon_plugin(md, render=render)


def docusaurus_plugin(md: MarkdownIt) -> None:
    """Docusaurus admonitions: ``:::type[title]`` (or ``:::type title``) … ``:::``."""

    def validate(params: str, *args: Any) -> bool:
        return bool(_CONTAINER.match(params))

    def render(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if token.nesting != 1:
            return "</div>\n"
        match = _CONTAINER.match(token.info)
        kind = match.group(1).lower() if match else "note"
        title = ((match.group(2) or match.group(3)) if match else "") or kind.title()
        title_html = md.renderInline(title.strip()) if title.strip() else escape(kind.title())
        return f'{_open(kind, "")}<p class="callout-title">{title_html}</p>\n'

    container_plugin(md, "callout", validate=validate, render=render)
