"""Records of the sandbox's Confluence: users, versions, labels, attachments, content, spaces.

Plain mutable dataclasses owned by :class:`~exporter.sandbox.store.Store` (which locks around
changes), plus the formats Confluence uses for timestamps and short links.
"""

from __future__ import annotations

import base64
import functools
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import quote, quote_plus

__all__ = [
    "DEFAULT_SITE_URL",
    "SEED_EPOCH",
    "AttachmentRecord",
    "AttachmentVersion",
    "Clock",
    "CommentRecord",
    "ContentRecord",
    "Label",
    "PropertyRecord",
    "SpaceRecord",
    "UserRecord",
    "Version",
    "iso",
]

SEED_EPOCH = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
DEFAULT_SITE_URL = "https://sandbox.atlassian.net"  # for seeds whose site.yaml has no ``url``


@functools.lru_cache(maxsize=65536)
def iso(when: datetime) -> str:
    """Confluence's timestamp format: ``2024-05-02T10:00:00.000Z`` (cached: it is hot)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


class Clock:
    """Wall clock with an offset tests can advance (token expiry, grace windows, quota hours)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        """Seconds since the epoch, offset included."""
        return time.time() + self.offset

    def now(self) -> datetime:
        """The current (offset) time in UTC."""
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative value)."""
        self.offset += seconds


@dataclass
class UserRecord:
    """A site user (mentions, authors, ``/rest/api/user``)."""

    account_id: str
    display_name: str
    email: str = ""


@dataclass(slots=True)
class Version:
    """One version of a page: number, date, author, message, and its title and parent then.

    ``title``/``parent_id`` are snapshots taken when the version was made (None: unknown, read
    the page's current ones), so ``?version=N`` can answer a renamed or moved page as it was.
    """

    number: int
    created_at: datetime
    author_id: str
    message: str = ""
    minor_edit: bool = False
    title: str | None = None
    parent_id: str | None = None


@dataclass
class Label:
    """A label; ids are shared by every page carrying the name."""

    id: str
    name: str
    prefix: str = "global"


@dataclass
class AttachmentVersion:
    """One uploaded revision of a file, with its bytes."""

    number: int
    data: bytes
    created_at: datetime
    author_id: str
    media_type: str


@dataclass
class AttachmentRecord:
    """A file attached to a page or blog post, with every version's bytes."""

    id: str
    container_id: str
    title: str
    file_id: str
    versions: list[AttachmentVersion] = field(default_factory=list)
    comment: str = ""
    status: str = "current"
    trashed_at: datetime | None = None  # when it went to the trash (its modification time)

    @property
    def current(self) -> AttachmentVersion:
        return self.versions[-1]

    @property
    def modified_at(self) -> datetime:
        """Its latest change: the trash time while trashed, else its current version's time."""
        return self.trashed_at or self.current.created_at

    @property
    def media_type(self) -> str:
        return self.current.media_type

    @property
    def created_at(self) -> datetime:
        return self.versions[0].created_at

    def download_path(self) -> str:
        """Site-relative download link, as Confluence writes it under ``_links.download``."""
        v = self.current
        ms = int(v.created_at.timestamp() * 1000)
        name = quote(self.title, safe="")  # a "/" in a file name must not become a path
        return (
            f"/download/attachments/{self.container_id}/{name}"
            f"?version={v.number}&modificationDate={ms}&cacheVersion=1&api=v2"
        )


@dataclass
class ContentRecord:
    """A page, folder or blog post: its tree position, versions, labels and attachments."""

    id: str
    type: str  # page | folder | blogpost
    space_key: str
    title: str
    body: str
    versions: list[Version]
    parent_id: str | None = None
    status: str = "current"
    labels: list[Label] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # manual order
    attachments: list[str] = field(default_factory=list)
    # Bodies of past versions only, and only for pages edited through the admin API or seeded
    # with ``versions:``; None keeps 100,000-page synthetic spaces free of per-version copies.
    bodies: dict[int, str] | None = None
    posting_day: date | None = None  # blog posts: the day in their URL (default: created)

    @property
    def version(self) -> Version:
        return self.versions[-1]

    @property
    def created_at(self) -> datetime:
        return self.versions[0].created_at

    @property
    def author_id(self) -> str:
        return self.versions[0].author_id

    def version_at(self, number: int) -> Version | None:
        """Version ``number`` of this content, or None when it has no such version."""
        index = number - 1  # numbers run 1..n without gaps
        if 0 <= index < len(self.versions) and self.versions[index].number == number:
            return self.versions[index]
        return next((v for v in self.versions if v.number == number), None)

    def body_at(self, number: int) -> str:
        """The storage body of version ``number``.

        A version whose body was never kept (seed pages that only give a version count) reads
        as the nearest later version whose body is known, finally the current body.
        """
        if number >= self.version.number or not self.bodies:
            return self.body
        later = [n for n in self.bodies if n >= number]
        return self.bodies[min(later)] if later else self.body

    def webui(self) -> str:
        if self.type == "folder":
            return f"/spaces/{self.space_key}/folder/{self.id}"
        title = quote_plus(self.title)
        if self.type == "blogpost":
            day = (self.posting_day or self.created_at.date()).strftime("%Y/%m/%d")
            return f"/spaces/{self.space_key}/blog/{day}/{self.id}/{title}"
        return f"/spaces/{self.space_key}/pages/{self.id}/{title}"

    def tinyui(self) -> str:
        return _tinyui(self.id)


@dataclass
class CommentRecord:
    """A footer or inline comment (or a reply to one) on a page or blog post."""

    id: str
    kind: str  # footer | inline
    container_id: str
    body: str
    versions: list[Version]
    parent_id: str | None = None  # the comment this one replies to
    status: str = "current"
    resolution: str = "open"  # inline only: open | resolved | reopened | dangling
    marker_ref: str | None = None  # inline only: the ac:inline-comment-marker ref in the page
    selection: str | None = None  # inline only: the highlighted text
    children: list[str] = field(default_factory=list)

    @property
    def version(self) -> Version:
        return self.versions[-1]


@dataclass
class PropertyRecord:
    """A content property: a key, a JSON value and its own version."""

    id: str
    key: str
    value: object
    version: Version


@functools.lru_cache(maxsize=65536)
def _tinyui(content_id: str) -> str:
    """Confluence's short link: the id's little-endian bytes, URL-safe base64."""
    raw = int(content_id).to_bytes(8, "little").rstrip(b"\0") or b"\0"
    return "/x/" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class SpaceRecord:
    """A space: v1-style numeric id, key, homepage and top-level content in manual order."""

    id: int
    key: str
    name: str
    created_at: datetime
    author_id: str
    type: str = "global"
    status: str = "current"
    homepage_id: str | None = None
    roots: list[str] = field(default_factory=list)  # top-level content in manual order
    description: str = ""
