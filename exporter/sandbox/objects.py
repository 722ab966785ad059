"""v1 JSON objects (reference 3.3-3.4): content with ``expand``, spaces, attachments, users,
labels and search results, with the ``_expandable``/``_links`` bookkeeping clients read
(confluence-markdown-exporter takes the space key from ``_expandable.space``).
"""

from __future__ import annotations

from typing import Any

from exporter.sandbox.store import (
    AttachmentRecord,
    ContentRecord,
    Label,
    SpaceRecord,
    Store,
    UserRecord,
    Version,
    iso,
)
from exporter.sandbox.v2_objects import MEDIA_DESCRIPTIONS

__all__ = ["ExpandTree", "V1Objects", "parse_expand"]

ExpandTree = dict[str, Any]
_BODY_FORMATS = (
    "storage",
    "view",
    "export_view",
    "styled_view",
    "editor",
    "editor2",
    "anonymous_export_view",
)


def parse_expand(raw: str | None) -> ExpandTree:
    """``"body.storage,version,children.page"`` as a nested dict of the requested expansions."""
    tree: ExpandTree = {}
    for item in (raw or "").split(","):
        node = tree
        for part in item.strip().split("."):
            if part:
                node = node.setdefault(part, {})
    return tree


def _friendly(when: Any) -> str:
    return when.strftime("%b %d, %Y")


class V1Objects:
    """Renders store records as v1 JSON for one request's base URL and context."""

    def __init__(self, store: Store, base: str, context: str) -> None:
        self.store = store
        self.base = base
        self.context = context

    def user(self, user: UserRecord | None, account_id: str = "") -> dict[str, Any]:
        account = user.account_id if user else account_id
        name = user.display_name if user else "Unknown User"
        return {
            "type": "known",
            "accountId": account,
            "accountType": "atlassian",
            "email": user.email if user else "",
            "publicName": name,
            "displayName": name,
            "profilePicture": {
                "path": f"{self.context}/aa-avatar/{account}",
                "width": 48,
                "height": 48,
                "isDefault": False,
            },
            "isExternalCollaborator": False,
            "_expandable": {"operations": "", "personalSpace": ""},
            "_links": {"self": f"{self.base}/rest/api/user?accountId={account}"},
        }

    def space(self, space: SpaceRecord, expand: ExpandTree | None = None) -> dict[str, Any]:
        expand = expand or {}
        out: dict[str, Any] = {
            "id": space.id,
            "key": space.key,
            "name": space.name,
            "type": space.type,
            "status": space.status,
        }
        expandable = {
            "settings": f"/rest/api/space/{space.key}/settings",
            "metadata": "",
            "operations": "",
            "lookAndFeel": f"/rest/api/settings/lookandfeel?spaceKey={space.key}",
            "identifiers": "",
            "permissions": "",
            "icon": "",
            "description": "",
            "theme": f"/rest/api/space/{space.key}/theme",
            "history": "",
        }
        if "homepage" in expand and space.homepage_id and space.homepage_id in self.store.content:
            out["homepage"] = self.content(
                self.store.content[space.homepage_id], expand["homepage"]
            )
        elif space.homepage_id:
            expandable["homepage"] = f"/rest/api/content/{space.homepage_id}"
        if "description" in expand:
            out["description"] = {
                "plain": {
                    "value": space.description,
                    "representation": "plain",
                    "embeddedContent": [],
                },
                "view": {"value": f"<p>{space.description}</p>", "representation": "view"},
            }
            expandable.pop("description")
        out["_expandable"] = expandable
        out["_links"] = {
            "webui": f"/spaces/{space.key}",
            "context": self.context,
            "self": f"{self.base}/rest/api/space/{space.key}",
            "collection": "/rest/api/space",
            "base": self.base,
        }
        return out

    def version(self, record: ContentRecord, v: Version) -> dict[str, Any]:
        return {
            "by": self.user(self.store.users.get(v.author_id), v.author_id),
            "when": iso(v.created_at),
            "friendlyWhen": _friendly(v.created_at),
            "message": v.message,
            "number": v.number,
            "minorEdit": v.minor_edit,
            "_expandable": {"collaborators": "", "content": f"/rest/api/content/{record.id}"},
            "_links": {"self": f"{self.base}/rest/api/content/{record.id}/version/{v.number}"},
        }

    def label(self, label: Label) -> dict[str, Any]:
        return {"prefix": label.prefix, "name": label.name, "id": label.id, "label": label.name}

    def _body(self, record: ContentRecord, wanted: ExpandTree, storage: str) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for fmt in _BODY_FORMATS:
            if fmt not in wanted:
                continue
            if fmt in ("storage", "editor", "editor2"):
                value = storage
            else:
                from exporter.sandbox.view import render_view

                export = fmt in ("export_view", "anonymous_export_view")
                value = render_view(self.store, record, self.context or "", export)
            body[fmt] = {
                "value": value,
                "representation": fmt,
                "embeddedContent": [],
                "_expandable": {"content": f"/rest/api/content/{record.id}"},
            }
        body["_expandable"] = {f: "" for f in _BODY_FORMATS if f not in body}
        return body

    def content(
        self, record: ContentRecord, expand: ExpandTree | None = None, version: str | None = None
    ) -> dict[str, Any]:
        """A content object (page, folder or blog post) with the requested expansions."""
        expand = expand or {}
        store = self.store
        out: dict[str, Any] = {
            "id": record.id,
            "type": record.type,
            "status": record.status,
            "title": record.title,
        }
        v = record.version
        storage = record.body
        if version and version.isdigit():
            v = next((x for x in record.versions if x.number == int(version)), v)
            storage = record.body_at(v.number)
        space = store.spaces[record.space_key]
        expandable: dict[str, str] = {
            "childTypes": "",
            "container": f"/rest/api/space/{record.space_key}",
            "metadata": "",
            "operations": "",
            "children": f"/rest/api/content/{record.id}/child",
            "restrictions": f"/rest/api/content/{record.id}/restriction/byOperation",
            "history": f"/rest/api/content/{record.id}/history",
            "ancestors": "",
            "body": "",
            "version": "",
            "descendants": f"/rest/api/content/{record.id}/descendant",
            "space": f"/rest/api/space/{record.space_key}",
        }
        if "space" in expand:
            out["space"] = self.space(space, expand["space"])
        if "container" in expand:
            out["container"] = self.space(space, expand["container"])
        if "history" in expand:
            out["history"] = self.history(record, expand["history"])
            expandable.pop("history")
        if "version" in expand:
            out["version"] = self.version(record, v)
            expandable.pop("version")
        if "ancestors" in expand:
            out["ancestors"] = [
                self.content(a, expand["ancestors"]) for a in store.ancestors(record)
            ]
            expandable.pop("ancestors")
        if "children" in expand:
            out["children"] = self.children_block(record, expand["children"])
            expandable.pop("children")
        if "body" in expand:
            out["body"] = self._body(record, expand["body"], storage)
            expandable.pop("body")
        if "metadata" in expand:
            meta: dict[str, Any] = {}
            if "labels" in expand["metadata"]:
                labels = [self.label(lab) for lab in record.labels]
                meta["labels"] = {
                    "results": labels,
                    "start": 0,
                    "limit": 200,
                    "size": len(labels),
                    "_links": {},
                }
            if "properties" in expand["metadata"]:
                meta["properties"] = {}
            meta["_expandable"] = {
                "currentuser": "",
                "comments": "",
                "simple": "",
                "frontend": "",
                "likes": "",
            }
            out["metadata"] = meta
            expandable.pop("metadata")
        position = store.position(record)
        if position is not None:
            out["extensions"] = {"position": position}
        out["_expandable"] = expandable
        out["_links"] = {
            "editui": f"/pages/resumedraft.action?draftId={record.id}",
            "webui": record.webui(),
            "tinyui": record.tinyui(),
            "self": f"{self.base}/rest/api/content/{record.id}",
            "collection": "/rest/api/content",
            "base": self.base,
            "context": self.context,
        }
        return out

    def history(self, record: ContentRecord, expand: ExpandTree) -> dict[str, Any]:
        first = record.versions[0]
        out: dict[str, Any] = {
            "latest": True,
            "createdBy": self.user(self.store.users.get(first.author_id), first.author_id),
            "createdDate": iso(first.created_at),
            "_expandable": {
                "lastUpdated": "",
                "previousVersion": "",
                "contributors": "",
                "nextVersion": "",
            },
            "_links": {"self": f"{self.base}/rest/api/content/{record.id}/history"},
        }
        if "lastUpdated" in expand:
            out["lastUpdated"] = self.version(record, record.version)
            out["_expandable"].pop("lastUpdated")
        return out

    def children_block(self, record: ContentRecord, expand: ExpandTree) -> dict[str, Any]:
        store = self.store
        out: dict[str, Any] = {}
        if "page" in expand:
            pages = [store.content[c] for c in record.children]
            pages = [p for p in pages if p.type == "page" and p.status == "current"]
            out["page"] = self._sub_list(
                record, "page", [self.content(p, expand["page"]) for p in pages[:25]]
            )
        if "attachment" in expand:
            atts = [store.attachments[a] for a in record.attachments]
            out["attachment"] = self._sub_list(
                record, "attachment", [self.attachment(a, expand["attachment"]) for a in atts[:25]]
            )
        out["_expandable"] = {
            k: f"/rest/api/content/{record.id}/child/{k}"
            for k in ("attachment", "comment", "page")
            if k not in out
        }
        return out

    def _sub_list(self, record: ContentRecord, kind: str, results: list[Any]) -> dict[str, Any]:
        return {
            "results": results,
            "start": 0,
            "limit": 25,
            "size": len(results),
            "_links": {"self": f"{self.base}/rest/api/content/{record.id}/child/{kind}"},
        }

    def attachment(self, att: AttachmentRecord, expand: ExpandTree | None = None) -> dict[str, Any]:
        """An attachment content object; version, metadata and extensions are always present."""
        expand = expand or {}
        store = self.store
        container = store.content[att.container_id]
        numeric = att.id.removeprefix("att")
        v = att.current
        out: dict[str, Any] = {
            "id": att.id,
            "type": "attachment",
            "status": att.status,
            "title": att.title,
            "version": {
                "by": self.user(store.users.get(v.author_id), v.author_id),
                "when": iso(v.created_at),
                "friendlyWhen": _friendly(v.created_at),
                "message": "",
                "number": v.number,
                "minorEdit": False,
            },
            "container": self.content(container, expand.get("container")),
            "metadata": {
                "mediaType": att.media_type,
                "comment": att.comment,
                "labels": {"results": [], "size": 0},
            },
            "extensions": {
                "mediaType": att.media_type,
                "fileSize": len(v.data),
                "comment": att.comment,
                "mediaTypeDescription": MEDIA_DESCRIPTIONS.get(att.media_type, "File"),
                "fileId": att.file_id,
                "collectionName": f"contentId-{container.id}",
            },
            "_expandable": {"space": f"/rest/api/space/{container.space_key}", "operations": ""},
            "_links": {
                "webui": f"{container.webui()}?preview=%2F{container.id}%2F{numeric}%2F{att.title}",
                "download": att.download_path(),
                "thumbnail": att.download_path().replace(
                    "/download/attachments/", "/download/thumbnails/"
                ),
                "self": f"{self.base}/rest/api/content/{att.id}",
            },
        }
        return out

    def any(self, item: ContentRecord | AttachmentRecord, expand: ExpandTree) -> dict[str, Any]:
        if isinstance(item, AttachmentRecord):
            return self.attachment(item, expand)
        return self.content(item, expand)

    def search_result(
        self, item: ContentRecord | AttachmentRecord, expand: ExpandTree
    ) -> dict[str, Any]:
        content = self.any(item, expand)
        record = item if isinstance(item, ContentRecord) else self.store.content[item.container_id]
        space = self.store.spaces[record.space_key]
        modified = (
            item.version.created_at if isinstance(item, ContentRecord) else item.current.created_at
        )
        kind = "attachment" if isinstance(item, AttachmentRecord) else record.type
        return {
            "content": content,
            "title": item.title,
            "excerpt": "",
            "url": content["_links"]["webui"],
            "resultGlobalContainer": {"title": space.name, "displayUrl": f"/spaces/{space.key}"},
            "breadcrumbs": [],
            "entityType": "content",
            "iconCssClass": f"aui-icon content-type-{kind}",
            "lastModified": iso(modified),
            "friendlyLastModified": _friendly(modified),
            "score": 0.0,
        }
