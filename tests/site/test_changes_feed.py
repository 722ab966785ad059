"""The site's Recent changes page and Atom feed (``changes.html``, ``changes.xml``): rendered
from the runs handed to ``render_site``, valid RFC 4287 read by a feed reader, entry ids stable
across renders."""

from __future__ import annotations

from pathlib import Path

import feedparser
from lxml import etree

from exporter.models import Change, RunChanges
from exporter.site import render_site
from exporter.site.changes import FEED_MAX_ENTRIES, entry_id
from tests.site.sitedocs import build_docs

ATOM = "{http://www.w3.org/2005/Atom}"


def _runs(docs: Path) -> list[RunChanges]:
    page = next(p for p in sorted(docs.rglob("*.md")) if p.parent != docs)
    rel = f"docs/{page.relative_to(docs).as_posix()}"
    first = RunChanges(
        "2026-11-30T08:00:00Z", (Change("page", "added", "11", "Setup", "ENG", rel),)
    )
    second = RunChanges(
        "2026-12-01T09:30:00Z",
        (
            Change(
                "page",
                "edited",
                "11",
                "Setup",
                "ENG",
                rel,
                version=4,
                author="Ada <Lovelace>",
                message="Fix the port & host",
            ),  # fmt: skip
            Change("page", "moved", "12", "Moved page", "ENG", rel, old_path="docs/old/place.md"),
            Change("page", "deleted", "13", "Gone page", "ENG", old_path="docs/eng/gone.md"),
            Change(
                "attachment",
                "added",
                "11",
                "Setup",
                "ENG",
                "docs/eng/a.assets/d.png",
                filename="d.png",
                version=1,
            ),  # fmt: skip
        ),
    )
    return [first, second]


def _render(tmp_path: Path, name: str, runs: list[RunChanges] | None) -> Path:
    docs = tmp_path / "docs"
    if not docs.is_dir():
        build_docs(tmp_path, "mkdocs")
    site = tmp_path / name
    render_site(docs, site, flavor="mkdocs", site_name="Acme docs", changes=runs)
    return site


def test_the_feed_is_valid_atom_and_a_feed_reader_reads_every_entry(tmp_path: Path) -> None:
    build_docs(tmp_path, "mkdocs")
    runs = _runs(tmp_path / "docs")
    site = _render(tmp_path, "site", runs)
    data = (site / "changes.xml").read_bytes()
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Acme docs: recent changes"
    assert feed.feed.updated == "2026-12-01T09:30:00Z"  # the newest run
    assert len(feed.entries) == 5
    assert feed.entries[0].id == "urn:confluence-export:2026-12-01T09:30:00Z:11"  # newest first
    assert feed.entries[0].author == "Ada <Lovelace>"
    assert "Fix the port & host" in feed.entries[0].summary
    assert len({e.id for e in feed.entries}) == 5  # a page and its file in one run differ too
    # RFC 4287 4.1.1 / 4.1.2: what a feed and each entry must carry
    root = etree.fromstring(data)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    for entry in root.iter(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{ATOM}{tag}") or "").strip(), tag
        href = entry.find(f"{ATOM}link").get("href")
        assert (site / href.split("#")[0]).is_file() or href.endswith(".png"), href


def test_entry_ids_and_bytes_stay_the_same_across_renders(tmp_path: Path) -> None:
    build_docs(tmp_path, "mkdocs")
    runs = _runs(tmp_path / "docs")
    one = (_render(tmp_path, "one", runs) / "changes.xml").read_bytes()
    two = (_render(tmp_path, "two", runs) / "changes.xml").read_bytes()
    assert one == two
    later = [*runs, RunChanges("2026-12-02T10:00:00Z", (Change("page", "added", "14", "New"),))]
    three = feedparser.parse((_render(tmp_path, "three", later) / "changes.xml").read_bytes())
    ids = [e.id for e in three.entries]
    assert ids[1:] == [e.id for e in feedparser.parse(one).entries]  # older entries keep theirs
    assert ids[0] == entry_id("2026-12-02T10:00:00Z", later[-1].changes[0])


def test_the_changes_page_lists_each_run_newest_first_linked_to_its_pages(tmp_path: Path) -> None:
    build_docs(tmp_path, "mkdocs")
    site = _render(tmp_path, "site", _runs(tmp_path / "docs"))
    page = (site / "changes.html").read_text(encoding="utf-8")
    assert page.index("2026-12-01 09:30:00 UTC") < page.index("2026-11-30 08:00:00 UTC")
    assert "Ada &lt;Lovelace&gt;" in page and "Fix the port &amp; host" in page
    assert "docs/old/place.md → " in page and "<td>Gone page</td>" in page
    assert 'type="application/atom+xml"' in page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="changes.html"' in home and 'href="changes.xml"' in home


def test_no_runs_give_an_empty_but_valid_feed_and_no_changes_give_none(tmp_path: Path) -> None:
    site = _render(tmp_path, "site", [])
    feed = feedparser.parse((site / "changes.xml").read_bytes())
    assert not feed.bozo and feed.entries == [] and feed.feed.updated
    assert "No changes recorded yet." in (site / "changes.html").read_text(encoding="utf-8")
    bare = _render(tmp_path, "bare", None)
    assert not (bare / "changes.xml").exists() and not (bare / "changes.html").exists()
    assert 'href="changes.html"' not in (bare / "index.html").read_text(encoding="utf-8")


def test_the_feed_keeps_the_newest_entries_when_runs_hold_many(tmp_path: Path) -> None:
    many = tuple(Change("page", "added", str(n), f"Page {n}") for n in range(FEED_MAX_ENTRIES + 5))
    site = _render(tmp_path, "site", [RunChanges("2026-12-01T00:00:00Z", many)])
    feed = feedparser.parse((site / "changes.xml").read_bytes())
    assert len(feed.entries) == FEED_MAX_ENTRIES
