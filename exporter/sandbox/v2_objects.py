"""Confluence Cloud REST API v2 objects and envelope: pages, folders, blog posts, spaces and
attachments as JSON (reference 2.3-2.4), v2 error bodies, and cursor pagination with a ``Link``
header and an origin-relative ``_links.next``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from exporter.sandbox.records import UserRecord
from exporter.sandbox.routing import Call, HTTPError, Reply
from exporter.sandbox.store import AttachmentRecord, ContentRecord, SpaceRecord, Store, Version, iso

__all__ = [
    "MEDIA_DESCRIPTIONS",
    "attachment_v2",
    "not_found",
    "page_v2",
    "paginate",
    "space_v2",
    "v2_error",
    "v2_user",
    "version_v2",
]

MEDIA_DESCRIPTIONS = {
    "image/png": "PNG Image",
    "image/jpeg": "JPEG Image",
    "image/gif": "GIF Image",
    "image/svg+xml": "SVG Image",
    "application/pdf": "PDF Document",
    "text/plain": "Text File",
    "application/zip": "Zip Archive",
}


def v2_error(status: int, code: str, title: str, detail: str | None = None) -> HTTPError:
    """A v2 error reply: ``{"errors": [{status, code, title, detail}]}``."""
    body = {"errors": [{"status": status, "code": code, "title": title, "detail": detail}]}
    return HTTPError(Reply(body, status))


def not_found() -> HTTPError:
    """The v2 404 (also what Cloud answers when the caller may not see the content)."""
    return v2_error(404, "NOT_FOUND", "Not Found")


def v2_user(user: UserRecord, context: str) -> dict[str, Any]:
    """A v2 ``User`` (createBulkUserLookup): the time zone is null, as privacy settings allow."""
    return {
        "accountId": user.account_id,
        "accountType": "atlassian",
        "accountStatus": "active",
        "displayName": user.display_name,
        "publicName": user.display_name,
        "email": user.email,
        "timeZone": None,
        "personalSpaceId": None,
        "isExternalCollaborator": False,
        "profilePicture": {
            "path": f"{context}/aa-avatar/{user.account_id}",
            "width": 48,
            "height": 48,
            "isDefault": False,
        },
    }


def version_v2(v: Version) -> dict[str, Any]:
    """A version object: createdAt, message, number, minorEdit, authorId."""
    return {
        "createdAt": iso(v.created_at),
        "message": v.message,
        "number": v.number,
        "minorEdit": v.minor_edit,
        "authorId": v.author_id,
    }


def space_v2(space: SpaceRecord, description_format: str | None = None) -> dict[str, Any]:
    """A SpaceBulk object; ``description`` only when ``description-format`` asks for it."""
    description = None
    if description_format in ("plain", "view"):
        value = (
            space.description if description_format == "plain" else f"<p>{space.description}</p>"
        )
        description = {description_format: {"value": value, "representation": description_format}}
    return {
        "id": str(space.id),
        "key": space.key,
        "name": space.name,
        "type": space.type,
        "status": space.status,
        "authorId": space.author_id,
        "createdAt": iso(space.created_at),
        "homepageId": space.homepage_id,
        "description": description,
        "icon": None,
        "_links": {"webui": f"/spaces/{space.key}"},
    }


def _parent_type(store: Store, record: ContentRecord) -> str | None:
    parent = store.get(record.parent_id) if record.parent_id else None
    return parent.type if parent else None


def page_v2(store: Store, record: ContentRecord, body_format: str | None = None) -> dict[str, Any]:
    """A PageBulk/BlogPostBulk/Folder object; the body only when ``body-format`` asked for it."""
    space = store.spaces[record.space_key]
    out: dict[str, Any] = {"id": record.id}
    if record.type == "folder":
        out["type"] = "folder"
    out.update(status=record.status, title=record.title, spaceId=str(space.id))
    if record.type != "blogpost":
        out.update(
            parentId=record.parent_id,
            parentType=_parent_type(store, record),
            position=store.position(record),
        )
    out.update(
        authorId=record.author_id,
        ownerId=record.author_id,
        lastOwnerId=None,
        createdAt=iso(record.created_at),
        version=version_v2(record.version),
    )
    links: dict[str, str] = {"webui": record.webui()}
    if record.type != "folder":
        body: dict[str, Any] = {}
        if body_format == "storage":
            body["storage"] = {"representation": "storage", "value": record.body}
        elif body_format in ("view", "export_view", "styled_view"):
            from exporter.sandbox.view import render_view

            value = render_view(store, record, export=body_format == "export_view")
            body[body_format] = {"representation": body_format, "value": value}
        out["body"] = body
        links.update(
            editui=f"/pages/resumedraft.action?draftId={record.id}", tinyui=record.tinyui()
        )
    out["_links"] = links
    return out


def attachment_v2(store: Store, att: AttachmentRecord) -> dict[str, Any]:
    """An AttachmentBulk object with site-relative download and webui links."""
    container = store.content[att.container_id]
    numeric = att.id.removeprefix("att")
    webui = f"{container.webui()}?preview=%2F{container.id}%2F{numeric}%2F{att.title}"
    download = att.download_path()
    owner = "blogPostId" if container.type == "blogpost" else "pageId"
    return {
        "id": att.id,
        "status": att.status,
        "title": att.title,
        "createdAt": iso(att.created_at),
        owner: container.id,
        "mediaType": att.media_type,
        "mediaTypeDescription": MEDIA_DESCRIPTIONS.get(att.media_type, "File"),
        "comment": att.comment,
        "fileId": att.file_id,
        "fileSize": len(att.current.data),
        "webuiLink": webui,
        "downloadLink": download,
        "version": {
            "createdAt": iso(att.current.created_at),
            "message": "",
            "number": att.current.number,
            "minorEdit": False,
            "authorId": att.current.author_id,
        },
        "_links": {"webui": webui, "download": download},
    }


# ---- pagination -------------------------------------------------------------------------


def _limit(call: Call, default: int = 25) -> int:
    raw = call.query.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise v2_error(
            400, "INVALID_REQUEST_PARAMETER", f"Invalid value for limit: {raw}"
        ) from None
    if value < 1:
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", "limit must be between 1 and 250")
    return min(value, 250)


def _cursor(call: Call) -> int:
    raw = call.query.get("cursor")
    if not raw:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))["o"])
    except (ValueError, KeyError, TypeError):
        raise v2_error(400, "INVALID_REQUEST_PARAMETER", "Invalid cursor") from None


def paginate(
    call: Call, items: Sequence[Any], render: Callable[[Any], dict[str, Any]], default: int = 25
) -> Reply:
    """One page of ``items`` in the v2 envelope, with ``Link`` and ``_links.next`` when more exist."""
    limit = _limit(call, default)
    offset = _cursor(call)
    chunk = items[offset : offset + limit]
    body: dict[str, Any] = {"results": [render(i) for i in chunk], "_links": {"base": call.base}}
    headers: dict[str, str] = {}
    if offset + limit < len(items):
        token = (
            base64.urlsafe_b64encode(json.dumps({"o": offset + limit}).encode())
            .decode()
            .rstrip("=")
        )
        query = [(k, v) for k, v in call.query.multi_items() if k != "cursor"]
        query.append(("cursor", token))
        nxt = f"/wiki{call.path}?{urlencode(query)}"
        body["_links"] = {"next": nxt, "base": call.base}
        headers["Link"] = f'<{nxt}>; rel="next"'
    return Reply(body, headers=headers, objects=len(chunk))
