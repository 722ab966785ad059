"""Confluence Cloud REST API v2 (reference section 2): spaces, pages, folders, blog posts,
children, attachments and labels, with opaque cursors, a ``Link`` header and ``_links.next``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exporter.sandbox.routing import Call, Reply, Router
from exporter.sandbox.store import ContentRecord, SpaceRecord, Store
from exporter.sandbox.v2_attachments import list_attachments
from exporter.sandbox.v2_history import page_at_version
from exporter.sandbox.v2_objects import (
    attachment_v2,
    not_found,
    page_v2,
    paginate,
    space_v2,
    v2_error,
    v2_user,
)

__all__ = ["register"]

PREFIX = "/api/v2"
_SPACE_TYPES = ("global", "collaboration", "knowledge_base", "personal")
# ---- filters ----------------------------------------------------------------------------

_SORTS: dict[str, Callable[[ContentRecord], Any]] = {
    "id": lambda r: int(r.id),
    "title": lambda r: r.title,
    "created-date": lambda r: r.created_at,
    "modified-date": lambda r: r.version.created_at,
}


def _sorted(call: Call, records: list[ContentRecord]) -> list[ContentRecord]:
    sort = call.query.get("sort") or "id"
    key = _SORTS.get(sort.lstrip("-"))
    if key is None:
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", f"Invalid sort: {sort}")
    return sorted(records, key=key, reverse=sort.startswith("-"))


def _statuses(call: Call, default: tuple[str, ...]) -> set[str]:
    return set(call.values("status")) or set(default)


def _body_format(call: Call, single: bool = False) -> str | None:
    fmt = call.query.get("body-format")
    allowed = {"storage", "atlas_doc_format"}
    if single:
        allowed |= {"view", "export_view", "styled_view", "anonymous_export_view", "editor"}
    if fmt is not None and fmt not in allowed:
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", f"Invalid body-format: {fmt}")
    if fmt == "atlas_doc_format":
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", "The sandbox serves storage bodies only")
    return fmt


def _content(call: Call, kinds: tuple[str, ...], key: str = "id") -> ContentRecord:
    record = call.sandbox.store.get(call.params[key])
    statuses = _statuses(call, ("current", "archived"))
    if record is None or record.type not in kinds or record.status not in statuses:
        raise not_found()
    return record


def _space(call: Call) -> SpaceRecord:
    space = call.sandbox.store.space_by_id(call.params["id"])
    if space is None:
        raise not_found()
    return space


# ---- handlers ---------------------------------------------------------------------------


def get_spaces(call: Call) -> Reply:
    """``GET /spaces``: filtered by ids, keys, type and status; sorted by id unless ``sort``."""
    store = call.sandbox.store
    spaces = list(store.spaces.values())
    if ids := call.values("ids"):
        spaces = [s for s in spaces if str(s.id) in ids]
    if keys := call.values("keys"):
        spaces = [s for s in spaces if s.key in keys]
    # ``type`` and ``status`` take one value each (the spec's schema is a string enum, unlike
    # the ``ids``/``keys`` arrays): a list answers 400 rather than being guessed at. Status
    # defaults to current (reference 2.1): archived spaces list only when asked.
    for name, allowed in (("type", _SPACE_TYPES), ("status", ("current", "archived"))):
        given = call.query.getlist(name)
        if len(given) > 1 or (given and given[0] not in allowed):
            raise v2_error(400, "INVALID_REQUEST_PARAMETER", f"Invalid {name}: {','.join(given)}")
        if name == "status" and not given:
            given = ["current"]
        if given:
            spaces = [s for s in spaces if getattr(s, name) == given[0]]
    sort = call.query.get("sort") or "id"
    spaces.sort(key=lambda s: getattr(s, sort.lstrip("-"), s.id), reverse=sort.startswith("-"))
    fmt = call.query.get("description-format")
    return paginate(call, spaces, lambda s: space_v2(s, fmt))


def get_space(call: Call) -> Reply:
    """``GET /spaces/{id}``: one space with ``_links.base``."""
    body = space_v2(_space(call), call.query.get("description-format"))
    body["_links"]["base"] = call.base
    return Reply(body, objects=1)


def get_space_pages(call: Call, kind: str = "page") -> Reply:
    """``GET /spaces/{id}/pages`` (or blog posts): ``depth=root|all``, status, title, sort."""
    store = call.sandbox.store
    space = _space(call)
    fmt = _body_format(call)
    defaults = ("current", "archived") if kind == "page" else ("current",)
    statuses = _statuses(call, defaults)
    with store.lock:
        if kind == "page" and call.query.get("depth") == "root":
            records = [store.content[i] for i in space.roots]
        else:
            records = [r for r in store.content.values() if r.space_key == space.key]
        records = [r for r in records if r.type == kind and r.status in statuses]
        if title := call.query.get("title"):
            records = [r for r in records if r.title == title]
        records = _sorted(call, records)
    return paginate(call, records, lambda r: page_v2(store, r, fmt))


def get_space_blogposts(call: Call) -> Reply:
    """``GET /spaces/{id}/blogposts``."""
    return get_space_pages(call, "blogpost")


def list_content(call: Call, kind: str = "page") -> Reply:
    """``GET /pages`` (or ``/blogposts``): by ``id`` (up to 250, repeated or comma-separated), space, status, title."""
    store = call.sandbox.store
    fmt = _body_format(call)
    ids = call.values("id")
    if len(ids) > 250:
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", "At most 250 ids may be given")
    defaults = ("current", "archived") if kind == "page" else ("current",)
    statuses = _statuses(call, defaults)
    space_ids = set(call.values("space-id"))
    if len(space_ids) > 100:  # undocumented maximum, read strictly (docs/sandbox.md)
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", "At most 100 space ids may be given")
    with store.lock:
        if ids:
            records = [store.content[i] for i in ids if i in store.content]
        else:
            records = list(store.content.values())
        records = [r for r in records if r.type == kind and r.status in statuses]
        if space_ids:
            records = [r for r in records if str(store.spaces[r.space_key].id) in space_ids]
        if title := call.query.get("title"):
            records = [r for r in records if r.title == title]
        records = _sorted(call, records)
    return paginate(call, records, lambda r: page_v2(store, r, fmt))


def list_blogposts(call: Call) -> Reply:
    """``GET /blogposts``."""
    return list_content(call, "blogpost")


def get_page(call: Call, kinds: tuple[str, ...] = ("page",)) -> Reply:
    """``GET /pages/{id}``: any body format incl. view; ``version=N`` for an older version."""
    store = call.sandbox.store
    record = _content(call, kinds)
    fmt = _body_format(call, single=True)
    wanted = call.query.get("version")
    if wanted:
        if not wanted.isdigit():
            raise v2_error(400, "INVALID_REQUEST_PARAMETER", f"Invalid version: {wanted}")
        body = page_at_version(store, record, int(wanted), fmt)
    else:
        body = page_v2(store, record, fmt)
    if call.query.get("include-labels") == "true":
        body["labels"] = {
            "results": [_label(lab) for lab in record.labels],
            "meta": {"hasMore": False},
        }
    body["_links"]["base"] = call.base
    return Reply(body, objects=1)


def get_blogpost(call: Call) -> Reply:
    """``GET /blogposts/{id}``."""
    return get_page(call, ("blogpost",))


def get_folder(call: Call) -> Reply:
    """``GET /folders/{id}``."""
    record = _content(call, ("folder",))
    body = page_v2(call.sandbox.store, record)
    body["_links"]["base"] = call.base
    return Reply(body, objects=1)


def _children(call: Call, kinds: tuple[str, ...]) -> list[ContentRecord]:
    store = call.sandbox.store
    parent = store.get(call.params["id"])
    if parent is None or parent.type == "blogpost" or parent.status not in ("current", "archived"):
        raise not_found()
    with store.lock:
        out = [store.content[i] for i in parent.children]
        return [r for r in out if r.type in kinds and r.status in ("current", "archived")]


def _child_item(store: Store, record: ContentRecord, with_type: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"id": record.id, "status": record.status, "title": record.title}
    if with_type:
        item["type"] = record.type
    item["spaceId"] = str(store.spaces[record.space_key].id)
    item["childPosition"] = store.position(record)
    return item


def get_children(call: Call) -> Reply:
    """``GET /pages/{id}/children``: child pages only (folders are missed, as on Cloud)."""
    store = call.sandbox.store
    records = _children(call, ("page",))
    return paginate(call, records, lambda r: _child_item(store, r, False))


def get_direct_children(call: Call) -> Reply:
    """``GET /pages/{id}/direct-children``: pages and folders with ``childPosition``."""
    store = call.sandbox.store
    records = _children(call, ("page", "folder"))
    return paginate(call, records, lambda r: _child_item(store, r, True))


def get_descendants(call: Call) -> Reply:
    """Pages and folders below a page, depth first in manual order (``depth`` levels, max 5)."""
    store = call.sandbox.store
    root = _content(call, ("page", "folder"))
    raw = call.query.get("depth") or "5"
    if not raw.isdigit() or not 1 <= int(raw) <= 5:
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", "depth must be between 1 and 5")
    found: list[tuple[ContentRecord, int]] = []

    def visit(record: ContentRecord, depth: int) -> None:
        for child_id in record.children:
            child = store.content[child_id]
            if child.status in ("current", "archived"):
                found.append((child, depth))
                if depth < int(raw):
                    visit(child, depth + 1)

    visit(root, 1)

    def render(item: tuple[ContentRecord, int]) -> dict[str, Any]:
        record, depth = item
        out = _child_item(store, record, True)
        out.update(parentId=record.parent_id, depth=depth)
        return out

    return paginate(call, found, render)


def get_ancestors(call: Call) -> Reply:
    """``GET /pages/{id}/ancestors``: top-down ``{id, type}``, folders included."""
    store = call.sandbox.store
    record = _content(call, ("page", "folder"))
    chain = store.ancestors(record)
    return Reply(
        {"results": [{"id": a.id, "type": a.type} for a in chain], "_links": {"base": call.base}},
        objects=len(chain),
    )


def get_attachments(call: Call) -> Reply:
    """``GET /pages/{id}/attachments``: default limit 50; status, mediaType, filename filters."""
    store = call.sandbox.store
    record = _content(call, ("page", "blogpost"))
    statuses = _statuses(call, ("current", "archived"))
    with store.lock:
        atts = [store.attachments[a] for a in record.attachments]
    atts = [a for a in atts if a.status in statuses]
    if media := call.query.get("mediaType"):
        atts = [a for a in atts if a.media_type == media]
    if filename := call.query.get("filename"):
        atts = [a for a in atts if a.title == filename]
    return paginate(call, atts, lambda a: attachment_v2(store, a), default=50)


def get_attachment(call: Call) -> Reply:
    """``GET /attachments/{id}``."""
    store = call.sandbox.store
    att = store.attachments.get(call.params["id"])
    if att is None:
        raise not_found()
    body = attachment_v2(store, att)
    body["_links"]["base"] = call.base
    return Reply(body, objects=1)


async def users_bulk(call: Call) -> Reply:
    """``POST /users-bulk`` ``{"accountIds": [...]}``: v2 users (createBulkUserLookup), 2 points each.

    Unknown ids are left out. More than 100 ids answer 400: the limit is undocumented, so the
    sandbox takes a strict one (docs/sandbox.md).
    """
    try:
        data = await call.request.json()
    except ValueError:
        data = None
    ids = data.get("accountIds") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", "accountIds must be a list of account ids")
    if len(ids) > USERS_BULK_MAX:
        raise v2_error(
            400, "INVALID_REQUEST_PARAMETER", f"accountIds takes at most {USERS_BULK_MAX} ids"
        )
    store = call.sandbox.store
    with store.lock:
        users = [store.users[i] for i in dict.fromkeys(ids) if i in store.users]
    results = [v2_user(user, call.context) for user in users]
    return Reply({"results": results, "_links": {"base": call.base}}, users=len(results))


USERS_BULK_MAX = 100


def _label(label: Any) -> dict[str, str]:
    return {"id": label.id, "name": label.name, "prefix": label.prefix}


def get_labels(call: Call) -> Reply:
    """``GET /pages/{id}/labels``: optional ``prefix`` filter."""
    record = _content(call, ("page", "blogpost"))
    labels = list(record.labels)
    if prefix := call.query.get("prefix"):
        labels = [lab for lab in labels if lab.prefix == prefix]
    return paginate(call, labels, _label)


# v2 routes take the granular scopes of the v2 spec only (stricter reading: Atlassian's v2
# OpenAPI names no classic scope; docs/sandbox.md).
PAGE = ("read:page:confluence",)
SPACE = ("read:space:confluence",)
ATTACHMENT = ("read:attachment:confluence",)
LABELS = ("read:page:confluence", "read:label:confluence")
HIERARCHY = ("read:hierarchical-content:confluence", "read:page:confluence")
FOLDER = ("read:folder:confluence", "read:page:confluence")
ANCESTORS = ("read:content.metadata:confluence", "read:page:confluence")
USERS = ("read:user:confluence",)


def register(router: Router) -> None:
    """Add every v2 route (paths relative to the ``/wiki`` context)."""
    p = PREFIX
    router.add("GET", f"{p}/spaces", get_spaces, SPACE)
    router.add("GET", f"{p}/spaces/{{id}}", get_space, SPACE)
    router.add("GET", f"{p}/spaces/{{id}}/pages", get_space_pages, PAGE)
    router.add("GET", f"{p}/spaces/{{id}}/blogposts", get_space_blogposts, PAGE)
    router.add("GET", f"{p}/pages", list_content, PAGE)
    router.add("GET", f"{p}/pages/{{id}}", get_page, PAGE)
    router.add("GET", f"{p}/pages/{{id}}/children", get_children, PAGE)
    router.add("GET", f"{p}/pages/{{id}}/direct-children", get_direct_children, HIERARCHY)
    router.add("GET", f"{p}/pages/{{id}}/ancestors", get_ancestors, ANCESTORS)
    router.add("GET", f"{p}/pages/{{id}}/descendants", get_descendants, HIERARCHY)
    router.add("GET", f"{p}/folders/{{id}}/descendants", get_descendants, HIERARCHY)
    router.add("GET", f"{p}/folders/{{id}}/ancestors", get_ancestors, ANCESTORS)
    router.add("GET", f"{p}/pages/{{id}}/attachments", get_attachments, ATTACHMENT)
    router.add("GET", f"{p}/pages/{{id}}/labels", get_labels, LABELS)
    router.add("GET", f"{p}/blogposts", list_blogposts, PAGE)
    router.add("GET", f"{p}/blogposts/{{id}}", get_blogpost, PAGE)
    router.add("GET", f"{p}/blogposts/{{id}}/attachments", get_attachments, ATTACHMENT)
    router.add("GET", f"{p}/blogposts/{{id}}/labels", get_labels, LABELS)
    router.add("GET", f"{p}/folders/{{id}}", get_folder, FOLDER)
    router.add("GET", f"{p}/folders/{{id}}/direct-children", get_direct_children, HIERARCHY)
    router.add("GET", f"{p}/attachments", list_attachments, ATTACHMENT)
    router.add("GET", f"{p}/attachments/{{id}}", get_attachment, ATTACHMENT)
    router.add("POST", f"{p}/users-bulk", users_bulk, USERS)
