"""Test-only endpoints under ``/__sandbox/``: stats, content edits, clock and fault injection.

Edits follow Confluence's behaviour so incremental exports can be tested: ``PUT`` makes a new
version dated now (moves too), ``DELETE`` moves content to the trash, ``restore`` brings it back
(version unchanged), ``PUT /__sandbox/spaces/{key}`` changes the space's homepage.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from exporter.sandbox.limits import FAULT_KINDS, FAULT_TARGETS, Fault
from exporter.sandbox.routing import Call, HTTPError, Reply, Router
from exporter.sandbox.seed import media_type_for
from exporter.sandbox.v2_objects import attachment_v2, page_v2

__all__ = ["register"]


def _bad(message: str, status: int = 400) -> HTTPError:
    return HTTPError(Reply({"message": message}, status))


async def _json(call: Call) -> dict[str, Any]:
    raw = await call.request.body()
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise _bad("Body must be JSON.") from None
    if not isinstance(data, dict):
        raise _bad("Body must be a JSON object.")
    return data


def stats(call: Call) -> Reply:
    """``GET /__sandbox/stats``."""
    return Reply(call.sandbox.stats.snapshot())


def reset_stats(call: Call) -> Reply:
    """``POST /__sandbox/reset-stats``."""
    call.sandbox.stats.reset()
    return Reply(b"", 204, media_type="text/plain")


def _parent(call: Call, data: dict[str, Any], space_key: str) -> str | None:
    parent = data.get("parent_id", data.get("parent"))
    if parent is None:
        return None
    record = call.sandbox.store.get(str(parent))
    if record is None or record.space_key != space_key or record.type == "blogpost":
        raise _bad(f"Parent {parent} is not a page or folder of space {space_key}.")
    return record.id


async def create_page(call: Call) -> Reply:
    """``POST /__sandbox/pages``: ``{space, title, body, parent_id, position, type, labels, author}``."""
    store = call.sandbox.store
    data = await _json(call)
    key = str(data.get("space") or data.get("space_key") or "")
    if key not in store.spaces:
        raise _bad(f"Unknown space {key!r}; give 'space' as one of {sorted(store.spaces)}.")
    if not data.get("title"):
        raise _bad("Give the new page a 'title'.")
    kind = str(data.get("type") or "page")
    record = store.add_content(
        key,
        str(data["title"]),
        str(data.get("body") or ""),
        type=kind,
        parent_id=None if kind == "blogpost" else _parent(call, data, key),
        position=data.get("position"),
        labels=list(data.get("labels") or []),
        author=author_of(call, data),
        when=parse_when(data.get("when")) or store.clock.now(),
    )
    return Reply(page_v2(store, record, "storage"), 201)


async def update_page(call: Call) -> Reply:
    """``PUT /__sandbox/pages/{id}``: a new version (title, body, parent_id, position, labels,
    and its ``message``, ``author``, ``minor_edit`` and ``when``, default now); the previous
    version's body stays readable through ``?version=N``."""
    store = call.sandbox.store
    record = store.get(call.params["id"])
    if record is None:
        raise _bad(f"No content {call.params['id']}.", 404)
    data = await _json(call)
    when = parse_when(data.get("when"))
    if when is not None and when < record.version.created_at:
        raise _bad(
            f"when {data['when']} is before version {record.version.number} "
            f"({record.version.created_at.isoformat()}); give versions in order."
        )
    kwargs: dict[str, Any] = {}
    if "parent_id" in data or "parent" in data:
        kwargs["parent_id"] = _parent(call, data, record.space_key)
    store.update_content(
        record.id,
        title=data.get("title"),
        body=data.get("body"),
        position=data.get("position"),
        labels=data.get("labels"),
        author=author_of(call, data),
        message=str(data.get("message") or ""),
        minor_edit=bool(data.get("minor_edit", False)),
        when=when,
        **kwargs,
    )
    return Reply(page_v2(store, record, "storage"))


def parse_when(raw: Any, field: str = "when") -> datetime | None:
    """An ISO timestamp (``2025-01-10T08:00:00.000Z``) in UTC, or None when not given."""
    if raw in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise _bad(
            f"{field} {raw!r} is not an ISO timestamp such as 2025-01-10T08:00:00Z."
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def author_of(call: Call, data: dict[str, Any]) -> str | None:
    """``author`` as an account id (a display name is looked up); unknown names are refused."""
    author = data.get("author")
    if author is None:
        return None
    users = call.sandbox.store.users
    if str(author) in users:
        return str(author)
    named = [u.account_id for u in users.values() if u.display_name == author]
    if not named:
        raise _bad(f"Unknown author {author!r}: give an account id or display name of a user.")
    return named[0]


def delete_page(call: Call) -> Reply:
    """``DELETE /__sandbox/pages/{id}``: move to the trash."""
    store = call.sandbox.store
    if store.get(call.params["id"]) is None:
        raise _bad(f"No content {call.params['id']}.", 404)
    store.trash_content(call.params["id"])
    return Reply(b"", 204, media_type="text/plain")


def restore_page(call: Call) -> Reply:
    """``POST /__sandbox/pages/{id}/restore``: back from the trash, as Confluence restores it.

    The page returns to its parent (to the space's top level when the parent is gone), with
    its version and date unchanged; the children that moved up when it was trashed stay.
    """
    store = call.sandbox.store
    record = store.get(call.params["id"])
    if record is None or record.status != "trashed":
        raise _bad(f"No trashed content {call.params['id']}.", 404)
    store.restore_content(record.id)
    return Reply(page_v2(store, record, "storage"))


async def set_homepage(call: Call) -> Reply:
    """``PUT /__sandbox/spaces/{key}``: ``{"homepage_id": id}`` makes a top-level page the homepage."""
    store = call.sandbox.store
    space = store.spaces.get(call.params["key"])
    if space is None:
        raise _bad(f"No space {call.params['key']!r}.", 404)
    data = await _json(call)
    home = store.get(str(data.get("homepage_id", "")))
    if home is None or home.space_key != space.key or home.type != "page":
        raise _bad(f"homepage_id must name a page of space {space.key}.")
    if home.status != "current" or home.parent_id is not None:
        raise _bad("The homepage must be a current page at the top level of the space.")
    store.set_homepage(space.key, home.id)
    return Reply({"key": space.key, "homepageId": home.id})


def delete_attachment(call: Call) -> Reply:
    """``DELETE /__sandbox/attachments/{id}``: move a file to the trash (its page is unchanged)."""
    store = call.sandbox.store
    att = store.attachments.get(call.params["id"])
    if att is None or att.status != "current":
        raise _bad(f"No current attachment {call.params['id']}.", 404)
    store.trash_attachment(att.id)
    return Reply(b"", 204, media_type="text/plain")


async def add_attachment(call: Call) -> Reply:
    """Add or replace a file: raw bytes with ``?filename=``, or JSON ``{filename, data_base64}``."""
    store = call.sandbox.store
    record = store.get(call.params["id"])
    if record is None or record.type == "folder":
        raise _bad(f"No page {call.params['id']} to attach to.", 404)
    ctype = call.request.headers.get("content-type", "")
    if "json" in ctype:
        data = await _json(call)
        name = str(data.get("filename") or data.get("name") or "")
        try:
            content = base64.b64decode(str(data.get("data_base64", "")))
        except binascii.Error:
            raise _bad("data_base64 is not base64.") from None
        media = str(data.get("media_type") or media_type_for(name))
    else:
        name = call.query.get("filename", "")
        content = await call.request.body()
        media = call.query.get("media_type") or (
            ctype if ctype and ctype != "application/octet-stream" else media_type_for(name)
        )
    if not name:
        raise _bad("Name the file: ?filename=NAME (raw body) or JSON 'filename'.")
    att = store.add_attachment(record.id, name, content, media, when=store.clock.now())
    return Reply(attachment_v2(store, att), 201)


async def update_space(call: Call) -> Reply:
    """``POST /__sandbox/spaces/{key}``: ``{"status": "archived"|"current", "readable": bool}``.

    ``status`` archives a space or brings it back; ``readable: false`` takes the space away from
    the API account (as a lost permission does), ``true`` gives it back.
    """
    store = call.sandbox.store
    key = call.params["key"]
    data = await _json(call)
    if key not in store.spaces and key not in store.hidden:
        raise _bad(f"No space {key!r}.", 404)
    status = data.get("status")
    if status is not None and status not in ("current", "archived"):
        raise _bad("status must be 'current' or 'archived'.")
    readable = data.get("readable")
    if readable is not None and not isinstance(readable, bool):
        raise _bad("readable must be true or false.")
    if readable is True and key in store.hidden:
        store.show_space(key)
    if status is not None:
        if key in store.hidden:
            store.show_space(key)
            store.set_space_status(key, str(status))
            store.hide_space(key)
        else:
            store.set_space_status(key, str(status))
    if readable is False and key in store.spaces:
        store.hide_space(key)
    space = store.spaces.get(key) or store.hidden[key][0]
    return Reply({"key": key, "status": space.status, "readable": key in store.spaces})


def delete_space(call: Call) -> Reply:
    """``DELETE /__sandbox/spaces/{key}``: delete a space and everything in it."""
    store = call.sandbox.store
    key = call.params["key"]
    if key not in store.spaces and key not in store.hidden:
        raise _bad(f"No space {key!r}.", 404)
    store.delete_space(key)
    return Reply(b"", 204, media_type="text/plain")


async def advance_clock(call: Call) -> Reply:
    """``POST /__sandbox/clock {"advance": seconds}``."""
    data = await _json(call)
    call.sandbox.clock.advance(float(data.get("advance", 0)))
    return Reply({"now": call.sandbox.clock.now().isoformat()})


async def inject_faults(call: Call) -> Reply:
    """Queue faults for the next API requests: ``{"kind": "503", "count": 2, "retry_after": 1}``.

    ``"target": "setup"`` queues them for the token endpoint, accessible-resources and
    tenant_info instead (the requests that start a run).
    """
    data = await _json(call)
    kind = str(data.get("kind", "503"))
    if kind not in (*FAULT_KINDS, "429"):
        raise _bad(f"kind must be one of {FAULT_KINDS}.")
    target = str(data.get("target", "api"))
    if target not in FAULT_TARGETS:
        raise _bad(f"target must be one of {FAULT_TARGETS}.")
    retry_after = data.get("retry_after")
    fault = Fault(kind, None if retry_after is None else int(retry_after))
    limits = call.sandbox.limits
    limits.enqueue(fault, int(data.get("count", 1)), target)
    return Reply({"queued": len(limits.setup_queue if target == "setup" else limits.queue)})


def register(router: Router) -> None:
    """Add the ``/__sandbox/*`` routes."""
    router.add("GET", "/__sandbox/stats", stats)
    router.add("POST", "/__sandbox/reset-stats", reset_stats)
    router.add("POST", "/__sandbox/pages", create_page)
    router.add("PUT", "/__sandbox/pages/{id}", update_page)
    router.add("DELETE", "/__sandbox/pages/{id}", delete_page)
    router.add("POST", "/__sandbox/pages/{id}/restore", restore_page)
    router.add("PUT", "/__sandbox/spaces/{key}", set_homepage)
    router.add("POST", "/__sandbox/pages/{id}/attachments", add_attachment)
    router.add("DELETE", "/__sandbox/attachments/{id}", delete_attachment)
    router.add("POST", "/__sandbox/spaces/{key}", update_space)
    router.add("DELETE", "/__sandbox/spaces/{key}", delete_space)
    router.add("POST", "/__sandbox/clock", advance_clock)
    router.add("POST", "/__sandbox/faults", inject_faults)
