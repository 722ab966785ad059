"""The records the state keeps: per page what was exported, per space how it was scanned.

A page record travels as one line of ``manifest.json`` (``"<id>":{...}``, compact JSON), the
same text in the SQLite cache (``exporter/run/store.py``) and in the tracked manifest, so the
manifest is rewritten by streaming lines, never by re-encoding records that did not change.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from exporter.models import Page
from exporter.warnings import PageWarning, for_page

__all__ = [
    "AttachmentRecord",
    "PageRecord",
    "SpaceRecord",
    "decode_line",
    "decode_row",
    "encode_line",
    "encode_row",
]

_COMPACT: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False}


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """One downloaded attachment: which version, and where it was written (relative to OUT)."""

    id: str
    filename: str
    version: int
    size: int = 0
    path: str = ""  # "" while listed but not downloaded (not referenced, or it failed)
    media_type: str = ""
    download_path: str = ""


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What the last run exported for one page, folder or blog post."""

    id: str
    space_key: str
    title: str
    kind: str = "page"
    parent_id: str | None = None
    position: int | None = None
    version: int = 1
    created: str = ""
    updated: str = ""
    author_id: str | None = None
    labels: tuple[str, ...] = ()
    url: str = ""
    path: str = ""  # the page's Markdown file, relative to OUT
    files: tuple[str, ...] = ()  # every file this page owns, relative to OUT
    attachments: tuple[AttachmentRecord, ...] = ()
    links: tuple[str, ...] = ()  # dependency keys (exporter.docs.deps) its Markdown was built from
    seen: str = ""  # digest of what those dependencies looked like when it was rendered
    slot: int = 0  # 1-based place among its siblings in the docs folder (front matter order)
    children: tuple[str, ...] = ()  # keys listed under it in the docs folder, in order
    warnings: tuple[PageWarning, ...] = ()  # what the last render (and downloads) warned about

    @classmethod
    def from_page(cls, page: Page, **extra: Any) -> PageRecord:
        """The record of ``page``'s metadata (without the files, given in ``extra``)."""
        return cls(
            id=page.id,
            space_key=page.space_key,
            title=page.title,
            kind=page.kind,
            parent_id=page.parent_id,
            position=page.position,
            version=page.version,
            created=page.created,
            updated=page.updated,
            author_id=page.author_id,
            labels=page.labels,
            url=page.url,
            **extra,
        )

    def to_page(self) -> Page:
        """The page's metadata as a model (no body), for rebuilding the tree."""
        return Page(
            id=self.id,
            space_key=self.space_key,
            title=self.title,
            kind=self.kind,  # type: ignore[arg-type]
            parent_id=self.parent_id,
            position=self.position,
            version=self.version,
            created=self.created,
            updated=self.updated,
            author_id=self.author_id,
            labels=self.labels,
            url=self.url,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (built by hand: ``asdict`` is slow for 20,000 records)."""
        data = {name: getattr(self, name) for name in _PAGE_FIELDS}
        data["attachments"] = [
            {name: getattr(a, name) for name in _ATTACHMENT_FIELDS} for a in self.attachments
        ]
        if self.warnings:  # absent when none: the records of clean pages stay as they were
            data["warnings"] = [{"code": w.code, "message": w.message} for w in self.warnings]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageRecord:
        data = dict(data)
        data["labels"] = tuple(data.get("labels", ()))
        data["files"] = tuple(data.get("files", ()))
        data["links"] = tuple(data.get("links", ()))
        data["children"] = tuple(data.get("children", ()))
        data["attachments"] = tuple(AttachmentRecord(**a) for a in data.get("attachments", ()))
        if data.get("warnings"):  # stored as code and message; the page's fields are the record's
            notes = ((str(w.get("code", "")), str(w.get("message", ""))) for w in data["warnings"])
            data["warnings"] = for_page(notes, *(str(data.get(k, "")) for k in _PAGE_KEYS))
        else:
            data.pop("warnings", None)
        return cls(**{k: v for k, v in data.items() if k in _PAGE_NAMES})


_NESTED = ("attachments", "warnings")
_PAGE_FIELDS = tuple(f.name for f in dataclasses.fields(PageRecord) if f.name not in _NESTED)
_PAGE_KEYS = ("id", "title", "path", "url")  # what a stored warning takes from its record
_ATTACHMENT_FIELDS = tuple(f.name for f in dataclasses.fields(AttachmentRecord))
_PAGE_NAMES = frozenset(f.name for f in dataclasses.fields(PageRecord))


@dataclass(frozen=True, slots=True)
class SpaceRecord:
    """Per space: its id and when the last successful change scan and full reconcile started."""

    key: str
    id: str = ""
    name: str = ""
    last_scan: str | None = None  # ISO 8601 UTC
    last_full: str | None = None  # ISO 8601 UTC
    settings: str = ""  # fingerprint of the selection; a change forces a full run
    homepage_id: str | None = None  # rebuilds its tree as laid out when it is not scanned
    trash: tuple[str, ...] = ()  # ids in the trash at the last change scan (to see restores)
    # the newest trashed attachment ids of the site at that scan: the next one reads back to them
    attachment_trash: tuple[str, ...] = ()


def encode_row(r: PageRecord) -> str:
    """The record as the cache keeps it for reading back fast: a JSON array in field order
    (no keys to parse; about 4x faster to load than its manifest line)."""
    return json.dumps(
        [
            r.id, r.space_key, r.title, r.kind, r.parent_id, r.position, r.version, r.created,
            r.updated, r.author_id, r.labels, r.url, r.path, r.files,
            [[getattr(a, name) for name in _ATTACHMENT_FIELDS] for a in r.attachments],
            r.links, r.seen, r.slot, r.children, [[w.code, w.message] for w in r.warnings],
        ],
        **_COMPACT,
    )  # fmt: skip


def decode_row(text: str) -> PageRecord:
    """The record ``encode_row`` wrote (``ValueError`` etc. when it is damaged)."""
    (pid, space, title, kind, parent, position, version, created, updated, author, labels, url,
     path, files, atts, links, seen, slot, children, notes) = json.loads(text)  # fmt: skip
    warnings = for_page(((c, m) for c, m in notes), pid, title, path, url) if notes else ()
    return PageRecord(
        pid, space, title, kind, parent, position, version, created, updated, author,
        tuple(labels), url, path, tuple(files), tuple(AttachmentRecord(*a) for a in atts),
        tuple(links), seen, slot, tuple(children), warnings,
    )  # fmt: skip


def encode_line(record: PageRecord) -> str:
    """The record's line in ``manifest.json``: ``"<id>":{...}`` (no trailing comma)."""
    return json.dumps({record.id: record.to_json()}, **_COMPACT)[1:-1]


def decode_line(line: str) -> PageRecord:
    """The record a ``manifest.json`` line holds (``ValueError`` etc. when it is damaged)."""
    data = json.loads("{" + line.rstrip().rstrip(",") + "}")
    (value,) = data.values()
    return PageRecord.from_json(value)
