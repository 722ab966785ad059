"""The store's edits for what pages gather besides their body: comments and content properties.

A mixin of :class:`~exporter.sandbox.store.Store` (kept apart so the store stays small): footer
and inline comments with replies and resolution status, and content properties with their own
version numbers. Both are kept per page in dicts, so pages without any cost nothing.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from exporter.sandbox.records import Clock, CommentRecord, PropertyRecord, Version

if TYPE_CHECKING:
    from exporter.sandbox.records import ContentRecord

__all__ = ["RESOLUTIONS", "HistoryEdits"]

RESOLUTIONS = ("open", "resolved", "reopened", "dangling")


class HistoryEdits:
    """Comment and property edits; every method locks the store and bumps its revision."""

    lock: threading.RLock
    clock: Clock
    content: dict[str, ContentRecord]
    comments: dict[str, CommentRecord]
    page_comments: dict[str, list[str]]
    properties: dict[str, list[PropertyRecord]]
    revision: int

    @property
    def default_author(self) -> str:  # provided by Store
        raise NotImplementedError

    def _content_id(self) -> str:  # provided by Store
        raise NotImplementedError

    def add_comment(
        self,
        container_id: str,
        body: str,
        *,
        kind: str = "footer",
        parent_id: str | None = None,
        author: str | None = None,
        when: datetime | None = None,
        resolution: str = "open",
        marker_ref: str | None = None,
        selection: str | None = None,
    ) -> CommentRecord:
        """A comment on a page (or a reply to ``parent_id``, which gives the kind and page)."""
        with self.lock:
            if parent_id is not None:
                parent = self.comments[parent_id]
                kind, container_id = parent.kind, parent.container_id
            comment = CommentRecord(
                id=self._content_id(),
                kind=kind,
                container_id=container_id,
                body=body,
                versions=[Version(1, when or self.clock.now(), author or self.default_author)],
                parent_id=parent_id,
                resolution=resolution,
                marker_ref=marker_ref if kind == "inline" else None,
                selection=selection if kind == "inline" else None,
            )
            self.comments[comment.id] = comment
            if parent_id is not None:
                self.comments[parent_id].children.append(comment.id)
            else:
                self.page_comments.setdefault(container_id, []).append(comment.id)
            self.revision += 1
            return comment

    def update_comment(
        self,
        comment_id: str,
        *,
        body: str | None = None,
        resolution: str | None = None,
        status: str | None = None,
        author: str | None = None,
        when: datetime | None = None,
    ) -> CommentRecord:
        """A new version of a comment: new body, resolution (inline) or status."""
        with self.lock:
            comment = self.comments[comment_id]
            if body is not None:
                comment.body = body
            if resolution is not None:
                comment.resolution = resolution
            if status is not None:
                comment.status = status
            number = comment.version.number + 1
            created = when or self.clock.now()
            comment.versions.append(Version(number, created, author or self.default_author))
            self.revision += 1
            return comment

    def set_property(
        self,
        container_id: str,
        key: str,
        value: Any,
        *,
        author: str | None = None,
        when: datetime | None = None,
    ) -> PropertyRecord:
        """Create a content property, or give an existing key a new value and version."""
        with self.lock:
            existing = self.properties.setdefault(container_id, [])
            created = when or self.clock.now()
            for prop in existing:
                if prop.key == key:
                    prop.value = value
                    number = prop.version.number + 1
                    prop.version = Version(number, created, author or self.default_author)
                    self.revision += 1
                    return prop
            prop = PropertyRecord(
                self._content_id(), key, value, Version(1, created, author or self.default_author)
            )
            existing.append(prop)
            self.revision += 1
            return prop
