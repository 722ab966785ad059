"""Prose survives literally: whatever characters a page's text holds, the rendered Markdown
shows the same text (no syntax triggered, no stray backslashes).

GFM and Obsidian output is rendered with markdown-it-py (CommonMark); MkDocs output with
Python-Markdown and the extensions Material sites enable.
"""

from __future__ import annotations

import html

import markdown as python_markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from exporter.convert import convert_storage
from exporter.convert.quality import markdown_text

SYNTAX = st.sampled_from(list("ab1 .-_*#>+`[]()!<&\\~|'=’을"))
SEGMENTS = st.lists(
    st.tuples(
        st.text(SYNTAX, min_size=1, max_size=8),
        st.sampled_from(["", "", "strong", "em", "code", "s", "u"]),
    ),
    min_size=1,
    max_size=5,
)
MKDOCS_EXTENSIONS = [
    "md_in_html", "tables", "admonition", "attr_list", "pymdownx.superfences",
    "pymdownx.details", "pymdownx.tasklist", "pymdownx.tilde",
]  # fmt: skip
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def storage_and_text(segments: list[tuple[str, str]]) -> tuple[str, str]:
    parts = []
    for text, tag in segments:
        escaped = html.escape(text, quote=False)
        parts.append(f"<{tag}>{escaped}</{tag}>" if tag else escaped)
    plain = "".join(text for text, _ in segments)
    return "<p>" + "".join(parts) + "</p>", " ".join(plain.split())


@PROPERTY
@given(SEGMENTS)
def test_gfm_prose_renders_as_the_same_text(segments: list[tuple[str, str]]) -> None:
    storage, expected = storage_and_text(segments)
    rendered = markdown_text(convert_storage(storage, flavor="gfm"))
    assert " ".join(rendered.split()) == expected


@PROPERTY
@given(SEGMENTS)
def test_obsidian_prose_renders_as_the_same_text(segments: list[tuple[str, str]]) -> None:
    storage, expected = storage_and_text(segments)
    rendered = markdown_text(convert_storage(storage, flavor="obsidian"))
    assert " ".join(rendered.split()) == expected


@PROPERTY
@given(SEGMENTS)
def test_mkdocs_prose_renders_as_the_same_text(segments: list[tuple[str, str]]) -> None:
    storage, expected = storage_and_text(segments)
    markdown = convert_storage(storage, flavor="mkdocs")
    rendered = python_markdown.markdown(markdown, extensions=MKDOCS_EXTENSIONS)
    text = lxml_html.fromstring(f"<div>{rendered}</div>").text_content() if rendered else ""
    assert " ".join(text.split()) == expected


def test_ordinary_prose_stays_free_of_backslashes_in_every_flavor() -> None:
    text = "snake_case, 5 * 3, a.b, 1.5 (x) - y, C# + F# and 100% done!"
    for flavor in ("gfm", "mkdocs", "docusaurus", "obsidian"):
        assert convert_storage(f"<p>{text}</p>", flavor=flavor) == text + "\n"
