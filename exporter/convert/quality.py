"""Fidelity measures for conversions: what share of the visible text survives, how alike
the structure is. Used by ``bench/convert_corpus.py`` and the corpus tests.

Both sides are compared as rendered text: storage by walking its tree (only what Confluence
shows), Markdown by rendering it with markdown-it-py (raw HTML blocks included).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from exporter.convert.parse import attr, names, parse_storage, tag_of

__all__ = [
    "LEAK",
    "leaked_parameters",
    "Structure",
    "markdown_html",
    "markdown_text",
    "storage_text",
    "structure",
    "structure_similarity",
    "text_survival",
]

LEAK = re.compile(r"</?(?:ac|ri|at):[a-z]|\b(?:ac|ri):[a-z-]+=")
_WORD = re.compile(r"\w+")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_MDX_IMPORT = re.compile(r"^import .* from ['\"][^'\"]+['\"];?$", re.M)
_VISIBLE_PARAMS = frozenset({"title"})
_HIDDEN = frozenset(
    {"ac:placeholder", "ac:task-id", "ac:task-uuid", "ac:task-status", "ac:adf-attribute"}
)
_BLOCKS = names(
    "p div li td th tr table h1 h2 h3 h4 h5 h6 br hr pre blockquote ul ol ac:task "
    "ac:layout-cell ac:rich-text-body ac:plain-text-body ac:parameter"
)
_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def storage_text(storage: str) -> str:
    """The text a reader sees on the Confluence page (parameters other than titles hidden)."""
    root = parse_storage(storage)
    out: list[str] = []
    _visible(root, out)
    return "".join(out)


def _visible(el: etree._Element, out: list[str]) -> None:
    stack: list[tuple[etree._Element, bool]] = [(el, False)]
    while stack:
        node, tail_only = stack.pop()
        if tail_only:
            if tag_of(node) in _BLOCKS:
                out.append(" ")
            if node.tail:
                out.append(node.tail)
            continue
        stack.append((node, True))
        tag = tag_of(node)
        if tag in _BLOCKS:
            out.append(" ")
        if tag in _HIDDEN or (
            tag == "ac:parameter" and attr(node, "ac:name") not in _VISIBLE_PARAMS
        ):
            continue
        if tag == "ac:adf-fallback" and _has_node_sibling(node):
            continue
        if node.text:
            out.append(node.text)
        for child in reversed([c for c in node if isinstance(c.tag, str)]):
            stack.append((child, False))


def _has_node_sibling(node: etree._Element) -> bool:
    parent = node.getparent()
    return parent is not None and any(tag_of(c) == "ac:adf-node" for c in parent)


# Parameters whose value Confluence itself shows on the page.
_DISPLAYED_PARAMETERS = names("title key jqlQuery body panelIconText name diagramDisplayName")


def leaked_parameters(storage: str, markdown: str) -> list[str]:
    """Macro parameter values (not shown by Confluence) that appear in the rendered Markdown."""
    visible = storage_text(storage)
    rendered = markdown_text(markdown)
    leaks = []
    for el in parse_storage(storage).iter():
        if tag_of(el) != "ac:parameter" or attr(el, "ac:name") in _DISPLAYED_PARAMETERS:
            continue
        value = "".join(el.itertext()).strip()
        if len(value) >= 4 and value not in visible and value in rendered:
            leaks.append(value)
    return leaks


def markdown_html(markdown: str) -> str:
    """Markdown rendered to HTML (CommonMark + tables + strikethrough, raw HTML kept)."""
    markdown = _MDX_IMPORT.sub("", _FRONT_MATTER.sub("", markdown))
    return _MD.render(markdown)


def markdown_text(markdown: str) -> str:
    """The visible text of rendered Markdown."""
    rendered = markdown_html(markdown).replace("<br>", "<br>\n").replace("<br />", "<br />\n")
    if not rendered.strip():
        return ""
    return lxml_html.fromstring(f"<div>{rendered}</div>").text_content()


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def text_survival(storage: str, markdown: str) -> float:
    """Share of the storage's visible words (with multiplicity) found in the rendered Markdown."""
    source = _words(storage_text(storage))
    total = sum(source.values())
    if not total:
        return 1.0
    target = _words(markdown_text(markdown))
    kept = sum(min(count, target[word]) for word, count in source.items())
    return kept / total


@dataclass(frozen=True, slots=True)
class Structure:
    """Counts of structural elements in rendered Markdown."""

    headings: int
    list_items: int
    tables: int
    code_blocks: int
    links: int
    images: int


def structure(markdown: str) -> Structure:
    """Count headings, list items, tables, code blocks, links and images after rendering."""
    rendered = markdown_html(markdown)
    if not rendered.strip():
        return Structure(0, 0, 0, 0, 0, 0)
    root = lxml_html.fromstring(f"<div>{rendered}</div>")
    tags = Counter(el.tag for el in root.iter() if isinstance(el.tag, str))
    return Structure(
        headings=sum(tags[f"h{n}"] for n in range(1, 7)),
        list_items=tags["li"],
        tables=tags["table"],
        code_blocks=tags["pre"],
        links=tags["a"],
        images=tags["img"],
    )


def structure_similarity(ours: Structure, reference: Structure) -> float:
    """Mean over element kinds present on either side of min/max of their counts."""
    scores = []
    for a, b in zip(
        (ours.headings, ours.list_items, ours.tables, ours.code_blocks, ours.links, ours.images),
        (reference.headings, reference.list_items, reference.tables, reference.code_blocks,
         reference.links, reference.images),
        strict=True,
    ):  # fmt: skip
        if a or b:
            scores.append(min(a, b) / max(a, b))
    return sum(scores) / len(scores) if scores else 1.0
