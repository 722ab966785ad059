"""CQL search over v1 (reference 3.1-3.2): ``/rest/api/content/search`` (content objects) and
``/rest/api/search`` (search results with ``totalSize``/``cqlQuery``/``searchDuration``), both
with opaque cursors, plus the Page Properties Report rows endpoint that reporting macros call.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import urlencode

from exporter.sandbox import cql
from exporter.sandbox.objects import ExpandTree, parse_expand
from exporter.sandbox.routing import Call, Reply, Router
from exporter.sandbox.v1 import SEARCH, _int, _objects, _self_link, v1_error
from exporter.sandbox.view import report_rows

__all__ = ["register"]


def _search(call: Call) -> list[Any]:
    query = call.query.get("cql")
    if not query:
        raise v1_error(400, "CQL query parameter is required")
    space_key = ""
    if context := call.query.get("cqlcontext"):
        try:
            space_key = str(json.loads(context).get("spaceKey") or "")
        except (ValueError, AttributeError):
            raise v1_error(400, "cqlcontext must be a JSON object") from None
    store = call.sandbox.store
    try:
        found = cql.search(store, query, call.account_id, space_key)
    except cql.CQLError as exc:
        raise v1_error(400, str(exc)) from None
    if call.query.get("includeArchivedSpaces", "false").lower() == "true":
        return found
    # Content of archived spaces is left out unless includeArchivedSpaces=true (reference 3.2).
    archived = {key for key, space in store.spaces.items() if space.status == "archived"}
    return [item for item in found if _space_of(store, item) not in archived] if archived else found


def _space_of(store: Any, item: Any) -> str:
    space_key = getattr(item, "space_key", None)
    if space_key is not None:
        return str(space_key)
    page = store.get(getattr(item, "container_id", ""))
    return page.space_key if page is not None else ""


def _cursor_page(
    call: Call, items: list[Any], cap: int
) -> tuple[list[Any], int, int, dict[str, str]]:
    """Cursor pagination for the search endpoints: the cursor is an opaque offset."""
    raw = call.query.get("cursor")
    try:
        offset = int(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()) if raw else 0
    except ValueError:
        raise v1_error(400, "Invalid cursor") from None
    offset = offset if raw else _int(call, "start", 0)
    limit = min(max(_int(call, "limit", 25), 0), cap)
    chunk = items[offset : offset + limit]
    links = {"base": call.base, "context": call.context, "self": _self_link(call)}
    if limit and offset + limit < len(items):
        token = base64.urlsafe_b64encode(str(offset + limit).encode()).decode().rstrip("=")
        rest = [
            (k, v)
            for k, v in call.query.multi_items()
            if k not in ("cursor", "limit", "start", "next")
        ]
        links["next"] = f"{call.path}?" + urlencode(
            [
                *rest,
                ("next", "true"),
                ("limit", limit),
                ("start", offset + limit),
                ("cursor", token),
            ]
        )
    return chunk, offset, limit, links


def _search_cap(expand: ExpandTree) -> int:
    """KB-50: 50 results with bodies expanded, 200 with other expansions, 1000 with none."""
    if "body" in expand or "body" in expand.get("content", {}):
        return 50
    return 200 if expand else 1000


def content_search(call: Call) -> Reply:
    """``GET /rest/api/content/search``: content objects for a CQL query, cursor-paged."""
    expand = parse_expand(call.query.get("expand"))
    items = _search(call)
    chunk, offset, limit, links = _cursor_page(call, items, _search_cap(expand))
    objs = _objects(call)
    results = [objs.any(i, expand) for i in chunk]
    body = {
        "results": results,
        "start": offset,
        "limit": limit,
        "size": len(results),
        "_links": links,
    }
    return Reply(body, objects=len(results))


def search(call: Call) -> Reply:
    """``GET /rest/api/search``: search results with ``totalSize``, ``cqlQuery``, ``searchDuration``."""
    started = time.perf_counter()
    expand = parse_expand(call.query.get("expand"))
    items = _search(call)
    chunk, offset, limit, links = _cursor_page(call, items, 1000)
    objs = _objects(call)
    results = [objs.search_result(i, expand.get("content", {})) for i in chunk]
    body = {
        "results": results,
        "start": offset,
        "limit": limit,
        "size": len(results),
        "totalSize": len(items),
        "cqlQuery": call.query.get("cql"),
        "searchDuration": int((time.perf_counter() - started) * 1000),
        "_links": links,
    }
    return Reply(body, objects=len(results))


def details_summary(call: Call) -> Reply:
    """``/rest/masterdetail/1.0/detailssummary/lines``: Page Properties Report rows, paged."""
    store = call.sandbox.store
    key = call.query.get("spaceKey") or next(iter(store.spaces), "")
    anchor = next((r for r in store.content.values() if r.space_key == key), None)
    if anchor is None:
        raise v1_error(404, f"No space found with key : {key}")
    headings = [h.strip() for h in (call.query.get("headings") or "").split(",") if h.strip()]
    rows = report_rows(store, call.query.get("cql") or "", anchor, call.context)
    if not headings:
        headings = list(dict.fromkeys(k for _, props in rows for k in props))
    size = max(1, _int(call, "pageSize", 30))
    index = _int(call, "pageIndex", 0)
    chunk = rows[index * size : (index + 1) * size]
    lines = [
        {
            "id": int(rec.id),
            "title": rec.title,
            "relativeLink": f"{call.context}{rec.webui()}",
            "subTotal": 0,
            "details": [props.get(h, "") for h in headings],
        }
        for rec, props in chunk
    ]
    body = {
        "currentPage": index,
        "totalPages": max(1, -(-len(rows) // size)),
        "total": len(rows),
        "renderedHeadings": headings,
        "detailLines": lines,
        "asyncRenderSafe": True,
    }
    return Reply(body, objects=len(lines))


def register(router: Router) -> None:
    """Add the search routes (paths relative to the ``/wiki`` context)."""
    router.add("GET", "/rest/api/content/search", content_search, SEARCH)
    router.add("GET", "/rest/api/search", search, SEARCH)
    router.add("GET", "/rest/masterdetail/1.0/detailssummary/lines", details_summary, SEARCH)
