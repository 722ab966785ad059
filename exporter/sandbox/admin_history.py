"""Test-only ``/__sandbox/`` endpoints that seed history: page versions, comments, properties.

``POST /__sandbox/pages/{id}/versions`` makes a new version with a message, an author, a minor
edit flag and a time (any of title, body, parent may change), so a test can build a page's
history as Confluence users would; comments and content properties are added the same way.
Bodies sent here are the new state; the previous version's body is kept for ``?version=N``.
"""

from __future__ import annotations

from typing import Any

from exporter.sandbox.admin import _bad, _json, author_of, parse_when, update_page
from exporter.sandbox.routing import Call, Reply, Router
from exporter.sandbox.store_history import RESOLUTIONS
from exporter.sandbox.v2_history import comment_v2, property_v2

__all__ = ["register"]


async def add_version(call: Call) -> Reply:
    """``POST /__sandbox/pages/{id}/versions``: as ``PUT /__sandbox/pages/{id}``, answering 201."""
    reply = await update_page(call)
    reply.status = 201
    return reply


async def add_comment(call: Call) -> Reply:
    """``POST /__sandbox/pages/{id}/comments``: ``{body, kind: footer|inline, parent_id, author,
    when, resolved | resolution_status, marker_ref, selection}``."""
    store = call.sandbox.store
    record = store.get(call.params["id"])
    if record is None or record.type == "folder":
        raise _bad(f"No page or blog post {call.params['id']} to comment on.", 404)
    data = await _json(call)
    kind = str(data.get("kind") or "footer")
    if kind not in ("footer", "inline"):
        raise _bad("kind must be footer or inline.")
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = store.comments.get(str(parent_id))
        if parent is None or parent.container_id != record.id:
            raise _bad(f"No comment {parent_id} on page {record.id} to reply to.")
        parent_id, kind = parent.id, parent.kind
    resolution = _resolution(data) or "open"
    comment = store.add_comment(
        record.id,
        str(data.get("body") or ""),
        kind=kind,
        parent_id=parent_id,
        author=author_of(call, data),
        when=parse_when(data.get("when")),
        resolution=resolution,
        marker_ref=data.get("marker_ref"),
        selection=data.get("selection"),
    )
    return Reply(comment_v2(store, comment, "storage", parent_id is not None), 201)


def _resolution(data: dict[str, Any]) -> str | None:
    if "resolved" in data:
        return "resolved" if data["resolved"] else "reopened"
    raw = data.get("resolution_status")
    if raw is None:
        return None
    if raw not in RESOLUTIONS:
        raise _bad(f"resolution_status must be one of {', '.join(RESOLUTIONS)}.")
    return str(raw)


async def update_comment(call: Call) -> Reply:
    """``PUT /__sandbox/comments/{id}``: ``{body, resolved | resolution_status, status, author, when}``."""
    store = call.sandbox.store
    comment = store.comments.get(call.params["id"])
    if comment is None:
        raise _bad(f"No comment {call.params['id']}.", 404)
    data = await _json(call)
    store.update_comment(
        comment.id,
        body=data.get("body"),
        resolution=_resolution(data),
        status=data.get("status"),
        author=author_of(call, data),
        when=parse_when(data.get("when")),
    )
    return Reply(comment_v2(store, comment, "storage", comment.parent_id is not None))


async def set_property(call: Call) -> Reply:
    """``PUT /__sandbox/pages/{id}/properties/{key}``: ``{value, author, when}`` (any JSON value)."""
    store = call.sandbox.store
    record = store.get(call.params["id"])
    if record is None:
        raise _bad(f"No content {call.params['id']}.", 404)
    data = await _json(call)
    if "value" not in data:
        raise _bad("Give the property a 'value' (any JSON value).")
    prop = store.set_property(
        record.id,
        call.params["key"],
        data["value"],
        author=author_of(call, data),
        when=parse_when(data.get("when")),
    )
    return Reply(property_v2(prop), 200 if prop.version.number > 1 else 201)


def register(router: Router) -> None:
    """Add the history-seeding ``/__sandbox/*`` routes."""
    router.add("POST", "/__sandbox/pages/{id}/versions", add_version)
    router.add("POST", "/__sandbox/pages/{id}/comments", add_comment)
    router.add("PUT", "/__sandbox/comments/{id}", update_comment)
    router.add("PUT", "/__sandbox/pages/{id}/properties/{key}", set_property)
