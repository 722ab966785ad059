"""llms.txt and llms-full.txt at the site's root: the llmstxt.org convention, every page in
Confluence's order, front matter dropped, both capped with a note."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest
from sitedocs import build_docs

from exporter.models import Space
from exporter.site import llms, render_site
from exporter.site.home import name_spaces
from exporter.site.llms import first_sentence, llms_files
from exporter.site.source import read_docs

SPACES = (
    Space(id="1", key="ENG", name="Engineering Space"),
    Space(id="2", key="OPS", name="Operations Space"),
)
LINK = re.compile(r"^- \[(?P<name>[^\[\]]+)\]\((?P<url>[^()\s]+)\)(?:: (?P<notes>\S.*))?$")


@dataclass
class LlmsTxt:
    """llms.txt as the convention describes it: H1, blockquote, prose, H2 sections of links."""

    title: str
    summary: str
    prose: list[str] = field(default_factory=list)
    sections: dict[str, list[re.Match[str]]] = field(default_factory=dict)


def parse_llms_txt(text: str) -> LlmsTxt:
    """Parse strictly: anything the convention does not allow fails the test."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("# ") and not lines[0].startswith("## "), lines[0]
    assert lines[1].startswith("> "), lines[1]
    parsed = LlmsTxt(title=lines[0][2:], summary=lines[1][2:])
    section = None
    for line in lines[2:]:
        if line.startswith("## "):
            section = line[3:]
            assert section not in parsed.sections, f"two sections named {section}"
            parsed.sections[section] = []
        elif section is None:
            assert not line.startswith("#"), line
            parsed.prose.append(line)
        else:
            match = LINK.match(line)
            assert match, f"not a link list item: {line!r}"
            parsed.sections[section].append(match)
    return parsed


def test_llms_txt_parses_as_the_convention_describes_with_a_section_per_space(
    tmp_path: Path, flavor: str
) -> None:
    docs = build_docs(tmp_path, flavor)
    site = tmp_path / "site"
    render_site(docs, site, flavor=flavor, site_name="Acme Docs", spaces=SPACES)
    parsed = parse_llms_txt((site / "llms.txt").read_text(encoding="utf-8"))
    assert parsed.title == "Acme Docs"
    assert "9 pages in 2 spaces (Engineering Space, Operations Space)" in parsed.summary
    assert parsed.prose
    assert list(parsed.sections) == ["Engineering Space", "Operations Space", "Optional"]
    for links in parsed.sections.values():
        for link in links:
            assert (site / unquote(link["url"])).is_file(), link["url"]
    eng = {m["name"]: m for m in parsed.sections["Engineering Space"]}
    assert eng["Guide"]["url"] == "eng/guide/index.html"
    assert eng["Guide"]["notes"] == "Guide intro."
    assert eng["Callouts & code"]["notes"].startswith("A note with bold text")  # marks stripped
    ops = [m["name"] for m in parsed.sections["Operations Space"]]
    assert ops == ["Operations", "Runbook"]  # Confluence's order: the homepage first
    tree = read_docs(docs)
    linked = [m["url"] for s in list(parsed.sections.values())[:-1] for m in s]
    assert linked == [p.output for p in tree.pages if p.output != "index.html"]
    assert [m["url"] for m in parsed.sections["Optional"]] == ["llms-full.txt"]


def test_llms_full_txt_holds_every_page_in_order_without_front_matter(
    tmp_path: Path, flavor: str
) -> None:
    docs = build_docs(tmp_path, flavor)
    render_site(docs, tmp_path / "site", flavor=flavor, site_name="Acme Docs", spaces=SPACES)
    full = (tmp_path / "site/llms-full.txt").read_text(encoding="utf-8")
    assert full.startswith("# Acme Docs\n\n> ")
    positions = [full.index(f"\n# {page.title}\n") for page in read_docs(docs).pages]
    assert positions == sorted(positions)
    assert "zanzibarquux" in full and "Restart the thing." in full
    for key in ("confluence_id:", "source_url:", "labels:", "author:", "sidebar_position:"):
        assert key not in full
    assert "\n---\n" not in full
    assert "Source: https://example.atlassian.net/wiki/spaces/OPS/pages/" in full


def test_a_space_over_the_link_cap_ends_with_a_link_saying_how_many_more(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "mkdocs")
    tree = name_spaces(read_docs(docs), SPACES)
    files = llms_files(tree, docs, "Acme", links_per_space=3)
    parsed = parse_llms_txt(files.index)
    eng = parsed.sections["Engineering Space"]
    assert len(eng) == 4
    assert eng[-1]["name"] == "More of Engineering Space"
    assert eng[-1]["url"] == "eng/index.html"
    assert eng[-1]["notes"].startswith("4 more pages not listed (llms.txt lists 3 per space)")
    assert len(parsed.sections["Operations Space"]) == 2  # under the cap: no note
    assert files.unlisted == {"Engineering Space": 4}


def test_llms_full_txt_stops_at_its_size_cap_and_names_what_it_left_out(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "mkdocs")
    tree = name_spaces(read_docs(docs), SPACES)
    whole = llms_files(tree, docs, "Acme").full
    cap = whole.index("\n# Ünïcödé") + 1  # every page before the unicode one fits
    files = llms_files(tree, docs, "Acme", full_max_bytes=len(whole[:cap].encode()) - 40)
    assert files.left_out == {"Engineering Space": 2, "Operations Space": 2}
    note = next(line for line in files.full.splitlines() if "This file stops at" in line)
    assert "Engineering Space: 2 of 7 pages, from \u201cÜnïcödé 日本語 ページ\u201d on" in note
    assert "Operations Space: 2 of 2 pages, from \u201cOperations\u201d on" in note
    assert "Restart the thing." not in files.full and "Ünïcödé" not in files.full.split(note)[1]
    assert len(files.full.encode()) < len(whole.encode())


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Title\n\nFirst one. Second one.\n", "First one."),
        ("```\ncode. here\n```\n\nAfter **the** [code](x.md).\n", "After the code."),
        ('![Diagram](a.png){ width="1800" }\n\nReal text\n', "Real text"),
        ("| a | b |\n|---|---|\n\n- item one\n", "item one"),
        ('!!! note "Heads up"\n    Inside the note.\n', "Inside the note."),
        ("> [!info] Title\n> Quoted body.\n", "Quoted body."),
        ("-\n\n[[Other page|the other page]] is linked.\n", "the other page is linked."),
        ("", ""),
        ("word " * 60, ("word " * 40)[:159].rsplit(" ", 1)[0] + "…"),
    ],
)
def test_a_page_is_described_by_its_first_sentence_as_plain_text(
    markdown: str, expected: str
) -> None:
    assert first_sentence(markdown) == expected


def test_llms_txt_off_writes_neither_file_and_removes_earlier_ones(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    site = tmp_path / "site"
    render_site(docs, site, flavor="gfm")
    assert (site / "llms.txt").is_file() and (site / "llms-full.txt").is_file()
    render_site(docs, site, flavor="gfm", llms_txt=False)
    assert not (site / "llms.txt").exists() and not (site / "llms-full.txt").exists()


def test_an_unchanged_rerender_keeps_both_files_without_reading_the_pages_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = build_docs(tmp_path, "mkdocs")
    site, cache = tmp_path / "site", tmp_path / "cache"
    render_site(docs, site, flavor="mkdocs", cache_dir=cache)
    full = site / "llms-full.txt"
    before = full.read_bytes()

    def unexpected(*args: object, **kwargs: object) -> None:
        raise AssertionError("llms files rebuilt for an unchanged render")

    with monkeypatch.context() as patch:
        patch.setattr(llms, "llms_files", unexpected)
        report = render_site(docs, site, flavor="mkdocs", cache_dir=cache)
    assert report.rendered == 0 and report.removed == 0 and full.read_bytes() == before
    page = docs / "ops/runbook.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nNow edited.\n", encoding="utf-8")
    render_site(docs, site, flavor="mkdocs", cache_dir=cache)
    assert "Now edited." in full.read_text(encoding="utf-8")
