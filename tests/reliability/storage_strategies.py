"""Hypothesis strategies for Confluence storage format, and the text checks the tests apply.

A generated document is a tree of storage elements (paragraphs, marks, lists, tables, links,
panels and other macros, code, layouts) around random text. Each node knows its XML and the
words a reader sees, so a test can check that the Markdown still shows every one of them.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from bs4 import BeautifulSoup
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.admon import admon_plugin

# No ':' (so "ac:"/"ri:" in the output can only be a leak) and no ']]>' (CDATA ends there).
TEXT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éß漢 *_`[]<>&#|\\!-+.~'\"(){}$%^=/"
WORD = re.compile(r"[^\W_]+")  # what a reader sees as words; punctuation may be escaped
PANELS = ("info", "note", "tip", "warning", "panel", "expand")
LANGUAGES = ("python", "bash", "java", "", "sql")


@dataclass(frozen=True)
class Node:
    """One generated fragment: its storage XML and the visible words it carries."""

    xml: str
    text: str  # visible text; blocks are separated by spaces, inline runs are joined as-is
    block: bool

    @property
    def words(self) -> tuple[str, ...]:
        return words_of(self.text)


def words_of(text: str) -> tuple[str, ...]:
    """The words a reader would see in ``text``."""
    return tuple(WORD.findall(text))


def _text(min_size: int = 1) -> st.SearchStrategy[str]:
    return st.text(alphabet=TEXT_ALPHABET, min_size=min_size, max_size=30).filter(
        lambda s: s.strip() != ""
    )


def _plain_words() -> st.SearchStrategy[str]:
    return st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)


@st.composite
def text_node(draw: st.DrawFn) -> Node:
    text = draw(_text())
    return Node(html.escape(text, quote=False), text, False)


@st.composite
def inline_node(draw: st.DrawFn, children: st.SearchStrategy[Node]) -> Node:
    kind = draw(st.sampled_from(["strong", "em", "u", "s", "sub", "code", "a", "page-link"]))
    if kind == "code":
        text = draw(_text())
        return Node(f"<code>{html.escape(text, quote=False)}</code>", text, False)
    if kind == "page-link":
        title, label = draw(_plain_words()), draw(_plain_words())
        xml = (
            f'<ac:link><ri:page ri:content-title="{title}"/>'
            f"<ac:plain-text-link-body><![CDATA[{label}]]></ac:plain-text-link-body></ac:link>"
        )
        return Node(xml, label, False)
    inner = draw(st.lists(children, min_size=1, max_size=3))
    inline = [n for n in inner if not n.block] or [draw(text_node())]
    if kind == "a":  # HTML has no links inside links; keep only the text of nested ones
        inline = [n for n in inline if "<a " not in n.xml and "<ac:link" not in n.xml]
        inline = inline or [draw(text_node())]
    body, text = _join(inline)
    if kind == "a":
        return Node(f'<a href="https://example.com/{draw(_plain_words())}">{body}</a>', text, False)
    return Node(f"<{kind}>{body}</{kind}>", text, False)


def _join(nodes: list[Node]) -> tuple[str, str]:
    """Inline nodes side by side: XML and visible text both simply concatenated."""
    return "".join(n.xml for n in nodes), "".join(n.text for n in nodes)


def _blocks(nodes: list[Node]) -> str:
    return " ".join(n.text for n in nodes)


def _para(nodes: list[Node]) -> Node:
    """Wrap runs of inline nodes in paragraphs so a block body is well formed."""
    out: list[str] = []
    texts: list[str] = []
    run: list[Node] = []
    for node in [*nodes, None]:
        if node is None or node.block:
            if run:
                xml, text = _join(run)
                out.append(f"<p>{xml}</p>")
                texts.append(text)
                run = []
            if node is not None:
                out.append(node.xml)
                texts.append(node.text)
        else:
            run.append(node)
    return Node("".join(out), " ".join(texts), True)


@st.composite
def block_node(draw: st.DrawFn, children: st.SearchStrategy[Node]) -> Node:
    kind = draw(
        st.sampled_from(["p", "h", "ul", "ol", "table", "panel", "code", "layout", "quote"])
    )
    if kind == "code":
        text = draw(st.text(alphabet=TEXT_ALPHABET + "\n", min_size=1, max_size=60))
        lang = draw(st.sampled_from(LANGUAGES))
        param = f'<ac:parameter ac:name="language">{lang}</ac:parameter>' if lang else ""
        xml = (
            f'<ac:structured-macro ac:name="code">{param}'
            f"<ac:plain-text-body><![CDATA[{text}]]></ac:plain-text-body></ac:structured-macro>"
        )
        return Node(xml, text, True)
    items = draw(st.lists(children, min_size=1, max_size=3))
    if kind == "p":
        inline = [n for n in items if not n.block] or [draw(text_node())]
        xml, text = _join(inline)
        return Node(f"<p>{xml}</p>", text, True)
    if kind == "h":
        level = draw(st.integers(1, 6))
        inline = [n for n in items if not n.block] or [draw(text_node())]
        xml, text = _join(inline)
        return Node(f"<h{level}>{xml}</h{level}>", text, True)
    if kind in ("ul", "ol"):
        body = "".join(f"<li>{n.xml}</li>" for n in items)
        return Node(f"<{kind}>{body}</{kind}>", _blocks(items), True)
    if kind == "quote":
        inner = _para(items)
        return Node(f"<blockquote>{inner.xml}</blockquote>", inner.text, True)
    if kind == "table":
        cols = draw(st.integers(1, 3))
        cells = items + [draw(text_node()) for _ in range(-len(items) % cols)]
        rows = [cells[i : i + cols] for i in range(0, len(cells), cols)]
        heads = [draw(_plain_words()) for _ in range(cols)]
        head = "".join(f"<th>{h}</th>" for h in heads)
        body = "".join("<tr>" + "".join(f"<td>{c.xml}</td>" for c in row) + "</tr>" for row in rows)
        xml = f"<table><tbody><tr>{head}</tr>{body}</tbody></table>"
        return Node(xml, " ".join(heads) + " " + _blocks(cells), True)
    if kind == "layout":
        layout_cells = "".join(
            f"<ac:layout-cell>{_para([n]).xml}</ac:layout-cell>" for n in items[:2]
        )
        section_type = "two_equal" if len(items) > 1 else "single"
        xml = (
            f'<ac:layout><ac:layout-section ac:type="{section_type}">{layout_cells}'
            "</ac:layout-section></ac:layout>"
        )
        return Node(xml, _blocks(items[:2]), True)
    name = draw(st.sampled_from(PANELS))
    title = draw(st.one_of(st.none(), _plain_words()))
    param = f'<ac:parameter ac:name="title">{title}</ac:parameter>' if title else ""
    inner = _para(items)
    xml = (
        f'<ac:structured-macro ac:name="{name}">{param}'
        f"<ac:rich-text-body>{inner.xml}</ac:rich-text-body></ac:structured-macro>"
    )
    return Node(xml, f"{title or ''} {inner.text}", True)


def storage_documents() -> st.SearchStrategy[Node]:
    """Whole page bodies: block trees up to a few levels deep with inline runs inside."""
    nodes = st.recursive(
        text_node(),
        lambda children: st.one_of(inline_node(children), block_node(children)),
        max_leaves=25,
    )
    return st.lists(nodes, min_size=1, max_size=5).map(_para)


# Admonitions as MkDocs (``!!! note``, indented body) and Docusaurus-like containers render them.
_MD = (
    MarkdownIt("commonmark", {"html": True})
    .enable("table")
    .enable("strikethrough")
    .use(admon_plugin)
)


_BLOCKS = (
    "p", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote",
    "div", "br", "summary", "details", "table", "ul", "ol", "hr",
)  # fmt: skip


def rendered_text(markdown: str) -> str:
    """What a reader sees once the Markdown is rendered (markdown-it-py, HTML allowed).

    Inline elements join their neighbours (``0<b>0</b>`` reads "00"); block elements are
    separated by spaces.
    """
    soup = BeautifulSoup(_MD.render(markdown), "html.parser")
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before(" ")
        tag.insert_after(" ")
    return soup.get_text("")


_WIKILINK = re.compile(r"!?\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")


def lost_words(expected: tuple[str, ...], markdown: str) -> list[str]:
    """Words of the input that the rendered Markdown does not show (as often as they occur).

    The rendered words are joined into one stream, so punctuation a flavor puts between inline
    runs (``0[[aa]]`` in Obsidian) does not count as a loss; Obsidian wikilinks show their label.
    """
    stream = "".join(WORD.findall(rendered_text(_WIKILINK.sub(r"\1", markdown))))
    need = Counter(expected)
    return sorted(w for w, n in need.items() if stream.count(w) < n)


TAG = re.compile(r"<([a-z][a-z0-9:-]*)")
MACRO = re.compile(r'ac:name="([a-z-]+)"')


def problem(xml: str, words: tuple[str, ...], flavor: str) -> str | None:
    """What is wrong with converting ``xml`` (None when nothing is): the properties, as text."""
    from exporter.convert import convert_storage

    try:
        markdown = convert_storage(xml, flavor=flavor)
    except Exception as exc:  # the property under test: conversion never raises
        return f"raises {type(exc).__name__}"
    try:
        lost = lost_words(words, markdown)
    except Exception as exc:
        return f"does not render: {type(exc).__name__}"
    if "ac:" in markdown or "ri:" in markdown or "<![CDATA[" in markdown:
        return "storage markup leaks"
    if lost:
        return "loses visible text"
    return None


def signature(xml: str, kind: str) -> str:
    """A finding's identity for de-duplication: the kind plus the elements and macros used."""
    tags = sorted(set(TAG.findall(xml)) | {f"macro:{m}" for m in MACRO.findall(xml)})
    return f"{kind} | {' '.join(tags)}"


# Reported converter bugs the generator steers around until they are fixed (name -> pattern).
# Both fuzz findings of 2026-11-29 (nested <s> in mkdocs; "!" before a link) are fixed and kept
# as cases in tests/reliability/regressions/.
KNOWN_BUGS: dict[str, re.Pattern[str]] = {}


def known_bug(xml: str) -> str | None:
    """The name of a reported, not yet fixed converter bug this input would trip, if any."""
    for name, pattern in KNOWN_BUGS.items():
        if pattern.search(xml):
            return name
    return None
