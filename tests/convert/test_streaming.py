"""Large bodies convert top-level block by block as they are parsed, to the same Markdown.

``STREAM_MIN_CHARS`` decides which bodies stream; these tests move it so that small bodies take
either path, and compare. Peak memory is measured by ``bench/convert_large.py``, not here.
"""

from __future__ import annotations

import sys

import pytest

import exporter.convert.converter as converter
from exporter.convert import FLAVORS, convert_page
from exporter.convert.parse import NotStreamable, stream_storage
from exporter.models import ConvertedPage, Page
from exporter.warnings import MALFORMED_STORAGE
from tests.convert.test_golden import CASES, GOLDEN, golden_page
from tests.convert.world import WorldResolver


def section(i: int) -> str:
    return (
        f"Loose text {i} before the block "
        f'<h2>Part {i}</h2><p>See <ac:link ac:anchor="Part-{max(0, i - 1)}">'
        f"<ac:plain-text-link-body><![CDATA[before]]></ac:plain-text-link-body></ac:link> and "
        f'<ac:link><ri:page ri:content-title="Child one"/></ac:link>!</p>'
        f'<ac:image ac:alt="a{i}"><ri:attachment ri:filename="a{i}.png"/></ac:image>'
        f'<ac:image><ri:attachment ri:filename="b{i}.png"/></ac:image> tail {i} '
        "<ul><li>x</li></ul>"
        '<ac:structured-macro ac:name="children"/>'
        '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>note</p>'
        "</ac:rich-text-body></ac:structured-macro>"
        "<table><tbody><tr><td><p>cell &amp; more</p></td></tr></tbody></table>"
        f'<p>link next: </p>!<a href="https://example.com/{i}">web</a><br/>'
        '<ac:structured-macro ac:name="detailssummary"/>'
    )


def body(sections: int) -> str:
    toc = '<ac:structured-macro ac:name="toc"/>'
    return "Opening text &amp; more " + toc + "".join(section(i) for i in range(sections))


def _never(*args: object) -> None:
    raise AssertionError("the whole-tree parse ran")


def convert(
    page: Page, flavor: str, *, stream: bool, monkeypatch: pytest.MonkeyPatch
) -> ConvertedPage:
    monkeypatch.setattr(converter, "STREAM_MIN_CHARS", 0 if stream else sys.maxsize)
    return convert_page(page, flavor=flavor, resolver=WorldResolver())


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_streamed_body_gives_the_markdown_and_warnings_of_the_whole_tree(
    flavor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = Page(id="100", space_key="ENG", title="Long", body=body(400))
    assert len(page.body or "") > 250_000  # several parser chunks
    with monkeypatch.context() as patch:
        patch.setattr(converter, "parse_storage", _never)  # the body never stands whole
        streamed = convert(page, flavor, stream=True, monkeypatch=patch)
    whole = convert(page, flavor, stream=False, monkeypatch=monkeypatch)
    assert streamed.markdown == whole.markdown
    assert streamed.warnings == whole.warnings and streamed.warnings
    assert streamed.attachments == whole.attachments and len(whole.attachments) == 800
    assert streamed.markdown.count("Part 399") >= 2  # the heading and its table-of-contents line


@pytest.mark.parametrize("case", CASES)
def test_every_golden_input_streams_to_its_golden_file(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for flavor in FLAVORS:
        result = convert(golden_page(case), flavor, stream=True, monkeypatch=monkeypatch)
        assert result.markdown == (GOLDEN / case / f"{flavor}.md").read_text(encoding="utf-8")


def test_a_malformed_large_body_is_read_whole_with_one_warning_and_nothing_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = body(50) + "<p>a < b & c</p>" + "<p>Last words</p>"
    page = Page(id="100", space_key="ENG", title="Long", body=text)
    streamed = convert(page, "gfm", stream=True, monkeypatch=monkeypatch)
    whole = convert(page, "gfm", stream=False, monkeypatch=monkeypatch)
    assert streamed == whole
    assert [w.code for w in streamed.warnings].count(MALFORMED_STORAGE) == 1
    assert streamed.markdown.count("Opening text") == 1
    assert streamed.markdown.rstrip().endswith("Last words")


def test_top_level_blocks_arrive_before_the_body_is_parsed_whole() -> None:
    text = "".join(f"<p>paragraph {i} with some words in it</p>" for i in range(20_000))
    stream = stream_storage(text)
    root, first = next(stream)
    assert first is not None and first.text == "paragraph 0 with some words in it"
    assert len(root) < 5_000  # the rest is still unparsed
    count = 1 + sum(1 for _, el in stream if el is not None)
    assert count == 20_000


def test_a_body_that_is_not_strict_xml_cannot_stream() -> None:
    with pytest.raises(NotStreamable):
        for _ in stream_storage("<p>one</p><p>two & three</p><p>unclosed"):
            pass
