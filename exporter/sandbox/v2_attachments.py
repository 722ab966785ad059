"""``GET /wiki/api/v2/attachments``: the site-wide attachment list (reference section 2.2).

One status a request (``current``, ``archived`` or ``trashed``; default current and archived),
``sort`` by created or modified date either way, ``mediaType`` and ``filename`` filters, the
v2 envelope with a ``Link`` header, 50 a page by default and 250 at most, one point an object.
Only files whose page or blog post the caller can see are listed. A trashed file's
modification time is when it was trashed (the stricter reading: Atlassian does not say, and
no field of the object shows it; docs/sandbox.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exporter.sandbox.records import AttachmentRecord
from exporter.sandbox.routing import Call, Reply
from exporter.sandbox.v2_objects import attachment_v2, paginate, v2_error

__all__ = ["list_attachments"]

_STATUSES = ("current", "archived", "trashed")
_SORTS: dict[str, Callable[[AttachmentRecord], Any]] = {
    "created-date": lambda a: (a.created_at, a.id),
    "modified-date": lambda a: (a.modified_at, a.id),
}


def list_attachments(call: Call) -> Reply:
    """Every attachment of the site in one status (or current and archived), sorted."""
    store = call.sandbox.store
    statuses = call.values("status")
    # Stricter reading: the spec lists the values but not whether several may be combined.
    if len(statuses) > 1 or any(s not in _STATUSES for s in statuses):
        raise v2_error(
            400, "INVALID_REQUEST_PARAMETER", "status takes one of current, archived, trashed"
        )
    wanted = set(statuses) or {"current", "archived"}
    sort = call.query.get("sort")
    key = _SORTS.get((sort or "").lstrip("-")) if sort else None
    if sort and key is None:
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", f"Invalid sort: {sort}")
    with store.lock:
        atts = [
            a
            for a in store.attachments.values()
            if a.status in wanted and a.container_id in store.content
        ]
        if media := call.query.get("mediaType"):
            atts = [a for a in atts if a.media_type == media]
        if filename := call.query.get("filename"):
            atts = [a for a in atts if a.title == filename]
        if key is not None:
            atts.sort(key=key, reverse=(sort or "").startswith("-"))
        else:
            atts.sort(key=lambda a: int(a.id.removeprefix("att")))
        return paginate(call, atts, lambda a: attachment_v2(store, a), default=50)
