"""The site's "Recent changes" page (``changes.html``) and its Atom feed (``changes.xml``).

Both are rendered from the runs the caller hands over (``models.RunChanges``: the export's
changes log), never from the pipeline. The feed follows RFC 4287: the feed's ``id``, ``title``,
``updated``, ``author`` and ``self`` link; one entry per change with an ``id`` that never
changes between renders (``urn:confluence-export:<run time>:<page id>``, plus the file name
for an attachment), a link to the page, ``updated`` (the run's time) and a ``summary``. Links
are relative to the site root (the feed sits there), so the site works under any URL. The
bytes depend only on the runs and the docs, so two renders are byte-identical.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import jinja2

from exporter.models import Change, RunChanges
from exporter.site.links import URL_SAFE
from exporter.site.output import SiteWriter
from exporter.site.source import DocsTree

__all__ = [
    "CHANGES_PAGE",
    "FEED",
    "FEED_MAX_ENTRIES",
    "ChangeRow",
    "change_rows",
    "entry_id",
    "render_changes",
    "render_feed",
    "write_changes",
]

CHANGES_PAGE = "changes.html"
FEED = "changes.xml"
FEED_MAX_ENTRIES = 200  # newest first; the page lists every recorded run
ATOM = "http://www.w3.org/2005/Atom"
_EPOCH = "1970-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One change as the page and the feed show it; ``href`` relative to the site root ("" for
    a page no longer in the site)."""

    run: str
    change: Change
    href: str
    title: str  # the feed entry's: "Setup edited", "diagram.png added (Setup)"
    label: str  # the page's table cell: "Setup", "diagram.png (Setup)"
    details: str  # "by Ada Lovelace, version 4: Fix the port · docs/eng/setup.md"


def entry_id(run: str, change: Change) -> str:
    """The entry's id: the same for the same change in every render (RFC 4287 4.2.6)."""
    base = f"urn:confluence-export:{run}:{quote(change.page_id, safe='')}"
    return f"{base}:{quote(change.filename, safe='')}" if change.kind == "attachment" else base


def change_rows(
    runs: Sequence[RunChanges], tree: DocsTree
) -> list[tuple[RunChanges, list[ChangeRow]]]:
    """The runs newest first, each with its changes as rows linked into the site."""
    outputs = {p.source: p.output for p in tree.pages}
    files = set(tree.files)
    result = []
    for run in reversed(runs):
        rows = [_row(run.run, c, outputs, files) for c in run.changes]
        result.append((run, rows))
    return result


def _row(run: str, change: Change, outputs: dict[str, str], files: set[str]) -> ChangeRow:
    docs = change.path.removeprefix("docs/")
    if change.kind == "page":
        href = outputs.get(docs, "")
        label = change.title
        title = f"{change.title} {change.action}"
    else:
        page = posixpath.dirname(docs)
        href = docs if docs in files else outputs.get(page.removesuffix(".assets") + ".md", "")
        label = f"{change.filename} ({change.title})"
        title = f"{change.filename} {change.action} ({change.title})"
    parts = []
    if change.author:
        parts.append(f"by {change.author}")
    if change.version and change.kind == "page" and change.action != "deleted":
        parts.append(f"version {change.version}")
    said = ", ".join(parts)
    if change.message:
        said = f"{said}: {change.message}" if said else change.message
    where = (
        f"{change.old_path} → {change.path}"
        if change.action == "moved"
        else change.path or change.old_path
    )
    details = " · ".join(p for p in (said, where) if p)
    href = quote(href, safe=URL_SAFE) if href else ""
    return ChangeRow(run, change, href, title, label, details)


def render_changes(
    templates: jinja2.Environment,
    runs: Sequence[RunChanges],
    tree: DocsTree,
    *,
    site_name: str,
    csp: str,
) -> str:
    """The Recent changes page (at the site root)."""
    return templates.get_template("changes.html").render(
        site_name=site_name,
        root="",
        home_href="index.html",
        feed_href=FEED,
        csp=csp,
        runs=[
            {"run": run.run, "anchor": _anchor(run.run), "more": run.more, "rows": rows}
            for run, rows in change_rows(runs, tree)
        ],
    )


def render_feed(runs: Sequence[RunChanges], tree: DocsTree, *, site_name: str) -> bytes:
    """The Atom feed of the runs' changes, newest first, at most ``FEED_MAX_ENTRIES``."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"urn:confluence-export:feed:{quote(site_name, safe='')}")
    _text(feed, "title", f"{site_name}: recent changes")
    newest = runs[-1].run if runs else max((p.updated for p in tree.pages), default="") or _EPOCH
    _text(feed, "updated", _atom_date(newest))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", site_name)
    _text(feed, "generator", "confluence-export")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=FEED, type="application/atom+xml")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=CHANGES_PAGE, type="text/html")
    count = 0
    for _run, rows in change_rows(runs, tree):
        for row in rows:
            if count == FEED_MAX_ENTRIES:
                break
            count += 1
            _entry(feed, row)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(feed: ET.Element, row: ChangeRow) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id(row.run, row.change))
    _text(entry, "title", row.title)
    _text(entry, "updated", _atom_date(row.run))
    if row.change.author:
        _text(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", row.change.author)
    href = row.href or f"{CHANGES_PAGE}#{_anchor(row.run)}"
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=href)
    _text(entry, "summary", row.details or row.title)


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = text


def _anchor(run: str) -> str:
    return "run-" + "".join(ch for ch in run if ch.isalnum())


def _atom_date(value: str) -> str:
    """An RFC 3339 date-time (Atom's ``updated``) from an ISO 8601 one: ``Z`` for UTC, a time
    and zone added when missing."""
    value = value.strip()
    if len(value) == 10:  # a date only
        return value + "T00:00:00Z"
    if value.endswith("+00:00"):
        value = value[:-6] + "Z"
    if value[-1:] != "Z" and "+" not in value[10:] and "-" not in value[10:]:
        value += "Z"
    return value


def write_changes(
    writer: SiteWriter,
    templates: jinja2.Environment,
    runs: Sequence[RunChanges],
    tree: DocsTree,
    *,
    site_name: str,
    csp: str,
) -> None:
    """Write the Recent changes page and the feed into the site."""
    writer.add(CHANGES_PAGE, render_changes(templates, runs, tree, site_name=site_name, csp=csp))
    writer.add(FEED, render_feed(runs, tree, site_name=site_name))
