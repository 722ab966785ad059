"""The sandbox's in-memory Confluence: users, spaces, pages, folders, blog posts, attachments.

Everything the fake API serves lives here, guarded by one lock so admin edits made from test
threads never race the server's event loop. Ids are realistic: numeric strings for content,
``att<digits>`` for attachments, a number for the v1 space id.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from exporter.sandbox.records import (
    DEFAULT_SITE_URL,
    SEED_EPOCH,
    AttachmentRecord,
    AttachmentVersion,
    Clock,
    CommentRecord,
    ContentRecord,
    Label,
    PropertyRecord,
    SpaceRecord,
    UserRecord,
    Version,
    iso,
)
from exporter.sandbox.store_history import HistoryEdits
from exporter.sandbox.store_spaces import SpaceEdits

__all__ = [
    "DEFAULT_SITE_URL",
    "AttachmentRecord",
    "AttachmentVersion",
    "Clock",
    "ContentRecord",
    "Label",
    "SpaceRecord",
    "Store",
    "UserRecord",
    "Version",
    "iso",
]


class Store(HistoryEdits, SpaceEdits):
    """All sandbox data plus the id counters; mutate only through its methods (they lock)."""

    def __init__(
        self,
        site_name: str = "Sandbox",
        clock: Clock | None = None,
        site_url: str = DEFAULT_SITE_URL,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.site_name = site_name
        # The public site URL Confluence reports (accessible-resources, ``_links.base``): fixed,
        # so exports do not depend on the loopback port the sandbox happens to listen on.
        self.site_url = site_url.rstrip("/")
        self.cloud_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox:" + site_name))
        self.users: dict[str, UserRecord] = {}
        self.spaces: dict[str, SpaceRecord] = {}
        self.space_ids: dict[int, str] = {}
        self.content: dict[str, ContentRecord] = {}
        self.attachments: dict[str, AttachmentRecord] = {}
        self.comments: dict[str, CommentRecord] = {}
        self.page_comments: dict[str, list[str]] = {}  # page id -> root comment ids
        self.properties: dict[str, list[PropertyRecord]] = {}  # page id -> content properties
        self._next_space = 98304
        self._next_content = 65536
        self._next_attachment = 3997696
        self._next_label = 1234560
        self._labels: dict[str, str] = {}  # name -> id, stable across pages
        self._seq = 0  # for deterministic seed timestamps
        self.view_cache: dict[tuple[str, int, str], str] = {}  # body.view per page version
        self.revision = 0  # bumped by every change; keys caches such as CQL results
        self.cql_cache: dict[tuple[int, str, str], list[Any]] = {}
        # Spaces the API account can no longer read, with their content (restorable).
        self.hidden: dict[str, tuple[SpaceRecord, list[ContentRecord], list[AttachmentRecord]]] = {}

    # ---- ids and time -------------------------------------------------------------------

    def _seed_time(self) -> datetime:
        self._seq += 1
        # Spread over about 20 months from SEED_EPOCH: always in the past, never colliding often.
        return SEED_EPOCH + timedelta(minutes=(397 * self._seq) % 870_000, seconds=self._seq % 60)

    def _content_id(self) -> str:
        self._next_content += 1 + (self._next_content % 7)
        return str(self._next_content)

    def label(self, name: str) -> Label:
        """The label named ``name`` (one id per name across the site)."""
        if name not in self._labels:
            self._next_label += 1
            self._labels[name] = str(self._next_label)
        return Label(self._labels[name], name)

    def all_labels(self) -> list[Label]:
        """Every label the site knows, in creation order."""
        return [Label(label_id, name) for name, label_id in self._labels.items()]

    @property
    def default_author(self) -> str:
        return next(iter(self.users)) if self.users else "557058:sandbox"

    # ---- building -----------------------------------------------------------------------

    def add_user(self, account_id: str, display_name: str, email: str = "") -> UserRecord:
        """Add a user (account id and display name)."""
        with self.lock:
            user = UserRecord(account_id, display_name, email)
            self.users[account_id] = user
            return user

    def add_space(
        self,
        key: str,
        name: str,
        description: str = "",
        *,
        type: str = "global",
        status: str = "current",
        author: str | None = None,
    ) -> SpaceRecord:
        """Add a space (``type`` global, collaboration, knowledge_base or personal); v1-style ids."""
        with self.lock:
            self._next_space += 2
            space = SpaceRecord(
                self._next_space,
                key,
                name,
                self._seed_time(),
                author or self.default_author,
                type=type,
                status=status,
                description=description,
            )
            self.spaces[key] = space
            self.space_ids[space.id] = key
            return space

    def add_content(
        self,
        space_key: str,
        title: str,
        body: str = "",
        *,
        type: str = "page",
        parent_id: str | None = None,
        position: int | None = None,
        labels: list[str] | tuple[str, ...] = (),
        author: str | None = None,
        status: str = "current",
        when: datetime | None = None,
    ) -> ContentRecord:
        """Create content; ``when=None`` during seeding gives deterministic past timestamps."""
        with self.lock:
            space = self.spaces[space_key]
            created = when or self._seed_time()
            record = ContentRecord(
                id=self._content_id(),
                type=type,
                space_key=space_key,
                title=title,
                body=body,
                versions=[
                    Version(
                        1, created, author or self.default_author, title=title, parent_id=parent_id
                    )
                ],
                parent_id=parent_id,
                status=status,
                labels=[self.label(n) for n in labels],
            )
            self.revision += 1
            self.content[record.id] = record
            if type != "blogpost":
                siblings = self.content[parent_id].children if parent_id else space.roots
                siblings.insert(len(siblings) if position is None else position, record.id)
                if space.homepage_id is None and parent_id is None and type == "page":
                    space.homepage_id = record.id
            return record

    def add_attachment(
        self,
        container_id: str,
        title: str,
        data: bytes,
        media_type: str,
        *,
        author: str | None = None,
        when: datetime | None = None,
        comment: str = "",
    ) -> AttachmentRecord:
        """Add a file to a page, or a new version when the page already has one of that name."""
        with self.lock:
            page = self.content[container_id]
            created = when or self._seed_time()
            self.view_cache.clear()  # image and link targets may change
            self.revision += 1
            for att_id in page.attachments:
                att = self.attachments[att_id]
                if att.title == title:
                    number = att.current.number + 1
                    att.versions.append(
                        AttachmentVersion(
                            number, data, created, author or self.default_author, media_type
                        )
                    )
                    return att
            self._next_attachment += 3
            file_id = str(uuid.UUID(hashlib.md5(f"{container_id}/{title}".encode()).hexdigest()))
            att = AttachmentRecord(
                id=f"att{self._next_attachment}",
                container_id=container_id,
                title=title,
                file_id=file_id,
                versions=[
                    AttachmentVersion(1, data, created, author or self.default_author, media_type)
                ],
                comment=comment,
            )
            self.attachments[att.id] = att
            page.attachments.append(att.id)
            return att

    # ---- edits (admin) ------------------------------------------------------------------

    def siblings_of(self, record: ContentRecord) -> list[str]:
        """The manual-order list that holds ``record`` (its parent's children or the space's roots)."""
        if record.parent_id:
            return self.content[record.parent_id].children
        return self.spaces[record.space_key].roots

    def update_content(
        self,
        content_id: str,
        *,
        title: str | None = None,
        body: str | None = None,
        parent_id: str | None | object = ...,
        position: int | None = None,
        labels: list[str] | None = None,
        author: str | None = None,
        message: str = "",
        minor_edit: bool = False,
        when: datetime | None = None,
        keep_history: bool = True,
    ) -> ContentRecord:
        """A new version (dated ``when``, default now): edits, renames and moves all bump it.

        With ``keep_history`` the previous version's body is kept for ``?version=N``; seeds that
        only give a version count pass False, so they cost no copies.
        """
        with self.lock:
            record = self.content[content_id]
            if keep_history:
                if record.bodies is None:
                    record.bodies = {}
                record.bodies[record.version.number] = record.body
            if title is not None:
                record.title = title
            if body is not None:
                record.body = body
            if labels is not None:
                record.labels = [self.label(n) for n in labels]
            if record.type != "blogpost" and (parent_id is not ... or position is not None):
                self.siblings_of(record).remove(record.id)
                if parent_id is not ...:
                    record.parent_id = parent_id  # type: ignore[assignment]
                siblings = self.siblings_of(record)
                siblings.insert(len(siblings) if position is None else position, record.id)
            number = record.version.number + 1
            record.versions.append(
                Version(
                    number,
                    when or self.clock.now(),
                    author or self.default_author,
                    message,
                    minor_edit,
                    title=record.title,
                    parent_id=record.parent_id,
                )
            )
            self.view_cache.clear()  # titles in links to this page may change
            self.revision += 1
            return record

    def trash_content(self, content_id: str) -> ContentRecord:
        """Move content to the trash: it keeps its place but only ``status=trashed`` lists show it."""
        with self.lock:
            record = self.content[content_id]
            record.status = "trashed"
            if record.type != "blogpost" and record.children:
                # As in Confluence, the children of a deleted page move up to its parent.
                siblings = self.siblings_of(record)
                at = siblings.index(record.id) + 1
                for child_id in record.children:
                    self.content[child_id].parent_id = record.parent_id
                siblings[at:at] = record.children
                record.children = []
            self.revision += 1
            return record

    def restore_content(self, content_id: str) -> ContentRecord:
        """Bring trashed content back: to its parent, or the top level when that is gone.

        Its version (and so its last-modified date) stays as it was, as in Confluence.
        """
        with self.lock:
            record = self.content[content_id]
            record.status = "current"
            parent = self.content.get(record.parent_id or "")
            if record.type != "blogpost" and parent is not None and parent.status != "current":
                self.siblings_of(record).remove(record.id)
                record.parent_id = None
                self.spaces[record.space_key].roots.append(record.id)
            self.view_cache.clear()
            self.revision += 1
            return record

    def set_homepage(self, space_key: str, content_id: str) -> None:
        """Make a top-level page the space's homepage (no page changes version)."""
        with self.lock:
            self.spaces[space_key].homepage_id = content_id
            self.view_cache.clear()
            self.revision += 1

    def trash_attachment(self, attachment_id: str) -> AttachmentRecord:
        """Move a file to the trash; as in Confluence, its page keeps its version and date."""
        with self.lock:
            att = self.attachments[attachment_id]
            att.status = "trashed"
            att.trashed_at = self.clock.now()
            self.view_cache.clear()
            self.revision += 1
            return att

    # ---- queries ------------------------------------------------------------------------

    def get(self, content_id: str) -> ContentRecord | None:
        """Content by id, or None."""
        return self.content.get(content_id)

    def position(self, record: ContentRecord) -> int | None:
        """Index among its siblings (None for blog posts)."""
        if record.type == "blogpost":
            return None
        try:
            return self.siblings_of(record).index(record.id)
        except (ValueError, KeyError):
            return None

    def ancestors(self, record: ContentRecord) -> list[ContentRecord]:
        """Top-down ancestors (folders included)."""
        chain: list[ContentRecord] = []
        parent = record.parent_id
        while parent and parent in self.content:
            chain.append(self.content[parent])
            parent = self.content[parent].parent_id
        return list(reversed(chain))

    def walk_space(self, space_key: str) -> list[ContentRecord]:
        """Every page and folder of a space, depth first in manual order."""
        out: list[ContentRecord] = []

        def visit(ids: list[str]) -> None:
            for cid in ids:
                rec = self.content[cid]
                out.append(rec)
                visit(rec.children)

        visit(self.spaces[space_key].roots)
        return out

    def all_content(self) -> list[ContentRecord]:
        """Every content record, spaces in creation order, trees depth first, then blog posts."""
        out: list[ContentRecord] = []
        for key in self.spaces:
            out.extend(self.walk_space(key))
            out.extend(
                r for r in self.content.values() if r.space_key == key and r.type == "blogpost"
            )
        return out
