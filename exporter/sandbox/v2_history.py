"""REST v2 endpoints for what a page gathers over time: versions, comments, content properties,
and the site's labels (Atlassian's v2 OpenAPI: ``getPageVersions``, ``getPageById?version=N``,
``getPageFooterComments``, ``getPageInlineComments``, ``getFooterCommentChildren``,
``getInlineCommentChildren``, ``getPageContentProperties``, ``getLabels``, ``getLabelPages``).

Where Atlassian's behaviour is unknown the stricter reading is taken (docs/sandbox.md): the
version list never carries bodies, whatever ``body-format`` says; a past version's body comes
from ``GET /pages/{id}?version=N`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exporter.sandbox.records import CommentRecord, ContentRecord, Label, PropertyRecord
from exporter.sandbox.routing import Call, Reply, Router
from exporter.sandbox.store import Store
from exporter.sandbox.store_history import RESOLUTIONS
from exporter.sandbox.v2_objects import not_found, page_v2, paginate, v2_error, version_v2

__all__ = ["comment_v2", "page_at_version", "property_v2", "register"]

PREFIX = "/api/v2"
PAGE = ("read:page:confluence",)
COMMENT = ("read:comment:confluence",)
LABEL = ("read:label:confluence",)
_COMMENT_STATUSES = ("current", "archived", "trashed", "deleted", "historical", "draft")


def _fail(message: str) -> Exception:
    return v2_error(400, "INVALID_REQUEST_PARAMETER", message)


def _list_body_format(call: Call) -> str | None:
    """``body-format`` of a list endpoint: ``storage`` or ``atlas_doc_format`` (not served)."""
    fmt = call.query.get("body-format")
    if fmt not in (None, "storage", "atlas_doc_format"):
        raise _fail(f"Invalid body-format: {fmt}")
    if fmt == "atlas_doc_format":
        raise _fail("The sandbox serves storage bodies only")
    return fmt


def _sort(
    call: Call, items: list[Any], keys: dict[str, Callable[[Any], Any]], default: str
) -> None:
    sort = call.query.get("sort") or default
    key = keys.get(sort.lstrip("-"))
    if key is None:
        raise _fail(f"Invalid sort: {sort}")
    items.sort(key=key, reverse=sort.startswith("-"))


def _page(call: Call, key: str = "id") -> ContentRecord:
    record = call.sandbox.store.get(call.params[key])
    if record is None or record.type != "page" or record.status not in ("current", "archived"):
        raise not_found()
    return record


# ---- versions ---------------------------------------------------------------------------


def get_page_versions(call: Call) -> Reply:
    """``GET /pages/{id}/versions``: newest first unless ``sort``; ``page`` without a body."""
    record = _page(call)
    _list_body_format(call)  # accepted as the spec says, and (stricter reading) ignored
    versions = list(record.versions)
    keys: dict[str, Callable[[Any], Any]] = {"modified-date": lambda v: (v.created_at, v.number)}
    _sort(call, versions, keys, "-modified-date")

    def render(v: Any) -> dict[str, Any]:
        out = version_v2(v)
        out["page"] = {"id": record.id, "title": v.title or record.title}
        return out

    return paginate(call, versions, render)


def page_at_version(
    store: Store, record: ContentRecord, number: int, fmt: str | None
) -> dict[str, Any]:
    """The page object as version ``number`` had it: title, parent, version, body."""
    v = record.version_at(number)
    if v is None:
        raise not_found()
    if number == record.version.number:
        return page_v2(store, record, fmt)
    out = page_v2(store, record, None)
    out["version"] = version_v2(v)
    out["status"] = "historical"  # as v1 reports a past version
    if v.title is not None:  # a snapshot: title and parent as they were
        out["title"] = v.title
        parent = store.get(v.parent_id) if v.parent_id else None
        if "parentId" in out:
            out["parentId"] = v.parent_id
            out["parentType"] = parent.type if parent else None
    body = record.body_at(number)
    if fmt == "storage":
        out["body"] = {"storage": {"representation": "storage", "value": body}}
    elif fmt in ("view", "export_view", "styled_view"):
        from exporter.sandbox.view import Renderer

        value = Renderer(store, record, "/wiki", export=fmt == "export_view").render(body)
        out["body"] = {fmt: {"representation": fmt, "value": value}}
    return out


# ---- comments ---------------------------------------------------------------------------


def comment_v2(
    store: Store, comment: CommentRecord, fmt: str | None, child: bool
) -> dict[str, Any]:
    """A footer or inline comment (``child``: a reply, with ``parentCommentId``) as v2 JSON."""
    container = store.content[comment.container_id]
    out: dict[str, Any] = {
        "id": comment.id,
        "status": comment.status,
        "title": f"Re: {container.title}",
    }
    if child:
        out["parentCommentId"] = comment.parent_id
    else:
        owner = "blogPostId" if container.type == "blogpost" else "pageId"
        out[owner] = container.id
    out["version"] = version_v2(comment.version)
    body: dict[str, Any] = {}
    if fmt == "storage":
        body["storage"] = {"representation": "storage", "value": comment.body}
    out["body"] = body
    if comment.kind == "inline":
        out["resolutionStatus"] = comment.resolution
        out["properties"] = {
            "inlineMarkerRef": comment.marker_ref,
            "inlineOriginalSelection": comment.selection,
            "inline-marker-ref": comment.marker_ref,  # deprecated names, still sent
            "inline-original-selection": comment.selection,
        }
    out["_links"] = {"webui": f"{container.webui()}?focusedCommentId={comment.id}"}
    return out


_COMMENT_SORTS: dict[str, Callable[[Any], Any]] = {
    "created-date": lambda c: (c.versions[0].created_at, int(c.id)),
    "modified-date": lambda c: (c.version.created_at, int(c.id)),
}


def _comment_list(call: Call, ids: list[str], kind: str, child: bool) -> Reply:
    store = call.sandbox.store
    fmt = _list_body_format(call)
    statuses = set(call.values("status")) or {"current"}
    if unknown := statuses - set(_COMMENT_STATUSES):
        raise _fail(f"Invalid status: {','.join(sorted(unknown))}")
    comments = [store.comments[i] for i in ids]
    comments = [c for c in comments if c.kind == kind and c.status in statuses]
    if kind == "inline" and (wanted := call.values("resolution-status")):
        if unknown := set(wanted) - set(RESOLUTIONS):
            raise _fail(f"Invalid resolution-status: {','.join(sorted(unknown))}")
        comments = [c for c in comments if c.resolution in wanted]
    _sort(call, comments, _COMMENT_SORTS, "created-date")
    return paginate(call, comments, lambda c: comment_v2(store, c, fmt, child))


def get_footer_comments(call: Call) -> Reply:
    """``GET /pages/{id}/footer-comments``: the page's root footer comments."""
    record = _page(call)
    ids = call.sandbox.store.page_comments.get(record.id, [])
    return _comment_list(call, ids, "footer", child=False)


def get_inline_comments(call: Call) -> Reply:
    """``GET /pages/{id}/inline-comments``: root inline comments; ``resolution-status`` filter."""
    record = _page(call)
    ids = call.sandbox.store.page_comments.get(record.id, [])
    return _comment_list(call, ids, "inline", child=False)


def _children(call: Call, kind: str) -> Reply:
    parent = call.sandbox.store.comments.get(call.params["id"])
    if parent is None or parent.kind != kind or parent.status != "current":
        raise not_found()
    return _comment_list(call, parent.children, kind, child=True)


def get_footer_children(call: Call) -> Reply:
    """``GET /footer-comments/{id}/children``: replies to a footer comment."""
    return _children(call, "footer")


def get_inline_children(call: Call) -> Reply:
    """``GET /inline-comments/{id}/children``: replies to an inline comment."""
    return _children(call, "inline")


# ---- content properties -----------------------------------------------------------------


def property_v2(prop: PropertyRecord) -> dict[str, Any]:
    """A content property as v2 JSON: ``{id, key, value, version}``."""
    return {
        "id": prop.id,
        "key": prop.key,
        "value": prop.value,
        "version": version_v2(prop.version),
    }


def get_page_properties(call: Call) -> Reply:
    """``GET /pages/{page-id}/properties``: ``key`` filter, sorted by key."""
    record = _page(call, "page_id")
    props = list(call.sandbox.store.properties.get(record.id, []))
    if key := call.query.get("key"):
        props = [p for p in props if p.key == key]
    _sort(call, props, {"key": lambda p: p.key}, "key")
    return paginate(call, props, property_v2)


# ---- labels -----------------------------------------------------------------------------


def _label_v2(label: Label) -> dict[str, str]:
    return {"id": label.id, "name": label.name, "prefix": label.prefix}


_LABEL_SORTS: dict[str, Callable[[Any], Any]] = {
    "id": lambda lab: int(lab.id),
    "name": lambda lab: lab.name,
    "created-date": lambda lab: int(lab.id),  # ids grow with creation
}


def get_labels(call: Call) -> Reply:
    """``GET /labels``: every label on the site; ``label-id`` and ``prefix`` filters."""
    labels = call.sandbox.store.all_labels()
    if ids := call.values("label-id"):
        labels = [lab for lab in labels if lab.id in ids]
    if prefixes := call.values("prefix"):
        labels = [lab for lab in labels if lab.prefix in prefixes]
    _sort(call, labels, _LABEL_SORTS, "id")
    return paginate(call, labels, _label_v2)


_PAGE_SORTS: dict[str, Callable[[ContentRecord], Any]] = {
    "id": lambda r: int(r.id),
    "title": lambda r: r.title,
    "created-date": lambda r: r.created_at,
    "modified-date": lambda r: r.version.created_at,
}


def get_label_pages(call: Call) -> Reply:
    """``GET /labels/{id}/pages``: the pages carrying a label; ``space-id`` filter (max 100)."""
    store = call.sandbox.store
    label_id = call.params["id"]
    if not any(lab.id == label_id for lab in store.all_labels()):
        raise not_found()
    fmt = _list_body_format(call)
    space_ids = set(call.values("space-id"))
    if len(space_ids) > 100:
        raise _fail("At most 100 space ids may be given")
    with store.lock:
        pages = [
            r
            for r in store.content.values()
            if r.type == "page"
            and r.status in ("current", "archived")
            and any(lab.id == label_id for lab in r.labels)
            and (not space_ids or str(store.spaces[r.space_key].id) in space_ids)
        ]
    _sort(call, pages, _PAGE_SORTS, "id")
    return paginate(call, pages, lambda r: page_v2(store, r, fmt))


def register(router: Router) -> None:
    """Add the routes (paths relative to the ``/wiki`` context); granular scopes only."""
    p = PREFIX
    router.add("GET", f"{p}/pages/{{id}}/versions", get_page_versions, PAGE)
    router.add("GET", f"{p}/pages/{{id}}/footer-comments", get_footer_comments, COMMENT)
    router.add("GET", f"{p}/pages/{{id}}/inline-comments", get_inline_comments, COMMENT)
    router.add("GET", f"{p}/footer-comments/{{id}}/children", get_footer_children, COMMENT)
    router.add("GET", f"{p}/inline-comments/{{id}}/children", get_inline_children, COMMENT)
    router.add("GET", f"{p}/pages/{{page_id}}/properties", get_page_properties, PAGE)
    router.add("GET", f"{p}/labels", get_labels, LABEL)
    router.add("GET", f"{p}/labels/{{id}}/pages", get_label_pages, PAGE)
