"""The store's edits of whole spaces: archive, hide (a lost permission), show, delete, look up.

A mixin of :class:`~exporter.sandbox.store.Store` (kept apart so the store stays small); every
edit locks the store, drops the cached view bodies and bumps the revision.
"""

from __future__ import annotations

import threading

from exporter.sandbox.records import AttachmentRecord, ContentRecord, SpaceRecord

__all__ = ["SpaceEdits"]


class SpaceEdits:
    """Space-level edits and the space lookup by id."""

    lock: threading.RLock
    spaces: dict[str, SpaceRecord]
    space_ids: dict[int, str]
    content: dict[str, ContentRecord]
    attachments: dict[str, AttachmentRecord]
    hidden: dict[str, tuple[SpaceRecord, list[ContentRecord], list[AttachmentRecord]]]
    view_cache: dict[tuple[str, int, str], str]
    revision: int

    def set_space_status(self, key: str, status: str) -> SpaceRecord:
        """Archive a space (``archived``) or bring it back (``current``); its content stays."""
        with self.lock:
            space = self.spaces[key]
            space.status = status
            self.view_cache.clear()
            self.revision += 1
            return space

    def hide_space(self, key: str) -> None:
        """Take a space away from the API account (as a lost permission does): the space and
        its content answer as if they did not exist, until :meth:`show_space`."""
        with self.lock:
            space = self.spaces.pop(key)
            self.space_ids.pop(space.id, None)
            pages = [r for r in self.content.values() if r.space_key == key]
            page_ids = {r.id for r in pages}
            files = [a for a in self.attachments.values() if a.container_id in page_ids]
            for record in pages:
                del self.content[record.id]
            for att in files:
                del self.attachments[att.id]
            self.hidden[key] = (space, pages, files)
            self.view_cache.clear()
            self.revision += 1

    def show_space(self, key: str) -> SpaceRecord:
        """Give a hidden space back to the API account, content and all."""
        with self.lock:
            space, pages, files = self.hidden.pop(key)
            self.spaces[key] = space
            self.space_ids[space.id] = key
            self.content.update((r.id, r) for r in pages)
            self.attachments.update((a.id, a) for a in files)
            self.view_cache.clear()
            self.revision += 1
            return space

    def delete_space(self, key: str) -> None:
        """Delete a space with everything in it (not restorable through the API)."""
        with self.lock:
            if key not in self.hidden:
                self.hide_space(key)
            del self.hidden[key]

    def space_by_id(self, space_id: str | int) -> SpaceRecord | None:
        """The space with this v2/v1 id, or None."""
        try:
            key = self.space_ids.get(int(space_id))
        except ValueError:
            return None
        return self.spaces.get(key) if key else None
