"""Confluence Cloud REST API v1 (reference section 3): spaces, content with ``expand``, children,
attachments, labels, CQL search, users and attachment downloads (a 302 to the media host; the
``/download/attachments/`` servlet answers 401), in the v1 envelope
(``results/start/limit/size/_links`` with the ``next=true`` marker, limits clamped to 1000).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from anyascii import anyascii

from exporter.sandbox.gateway import SCOPE_MISMATCH
from exporter.sandbox.objects import V1Objects, parse_expand
from exporter.sandbox.routing import Call, HTTPError, Reply, Router
from exporter.sandbox.store import AttachmentRecord, AttachmentVersion, ContentRecord

__all__ = ["register", "v1_error"]

R = "/rest/api"


def v1_error(status: int, message: str) -> HTTPError:
    """A v1 error reply in the documented envelope (statusCode, data, message)."""
    body = {
        "statusCode": status,
        "data": {
            "authorized": status != 403,
            "valid": status < 500,
            "errors": [],
            "successful": False,
        },
        "message": message,
    }
    return HTTPError(Reply(body, status))


def _int(call: Call, name: str, default: int) -> int:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise v1_error(
            400,
            f"org.springframework.web.method.annotation.MethodArgumentTypeMismatchException: "
            f"Failed to convert value of type 'java.lang.String' to required type 'int'; "
            f'For input string: "{raw}"',
        ) from None


def _self_link(call: Call) -> str:
    query = str(call.query)
    return f"{call.base}{call.path}" + (f"?{query}" if query else "")


def envelope(
    call: Call,
    items: Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
    default: int = 25,
    cap: int = 1000,
) -> Reply:
    """A start/limit page of ``items`` with ``next``/``prev`` links relative to the context."""
    start = _int(call, "start", 0)
    limit = min(max(_int(call, "limit", default), 0), cap)
    if start > 100000:
        raise v1_error(
            400, "BadRequestException: Start of this size is no longer supported, use a cursor"
        )
    chunk = list(items[start : start + limit]) if limit else []
    results = [render(i) for i in chunk]
    links: dict[str, str] = {"base": call.base, "context": call.context, "self": _self_link(call)}
    rest = [(k, v) for k, v in call.query.multi_items() if k not in ("start", "limit", "next")]
    if limit == 0 or start + limit < len(items):
        links["next"] = f"{call.path}?" + urlencode(
            [*rest, ("next", "true"), ("limit", limit), ("start", start + limit)]
        )
    if start > 0:
        prev = max(0, start - max(limit, 1))
        links["prev"] = f"{call.path}?" + urlencode([*rest, ("limit", limit), ("start", prev)])
    body = {
        "results": results,
        "start": start,
        "limit": limit,
        "size": len(results),
        "_links": links,
    }
    return Reply(body, objects=len(results))


def _objects(call: Call) -> V1Objects:
    return V1Objects(call.sandbox.store, call.base, call.context)


def _content_or_404(call: Call, key: str = "id") -> ContentRecord:
    record = call.sandbox.store.get(call.params[key])
    wanted = call.query.get("status") or "current,archived"
    if record is None or (wanted != "any" and record.status not in wanted.split(",")):
        raise v1_error(404, f"No content found with id: ContentId{{id={call.params[key]}}}")
    return record


# ---- spaces -----------------------------------------------------------------------------


def get_spaces(call: Call) -> Reply:
    """``GET /rest/api/space``: spaceKey (repeatable), spaceId, type, status, expand."""
    store = call.sandbox.store
    spaces = list(store.spaces.values())
    if keys := call.values("spaceKey"):
        spaces = [s for s in spaces if s.key in keys]
    if ids := call.values("spaceId"):
        spaces = [s for s in spaces if str(s.id) in ids]
    if kind := call.query.get("type"):
        spaces = [s for s in spaces if s.type == kind]
    if status := call.query.get("status"):
        spaces = [s for s in spaces if s.status == status]
    expand = parse_expand(call.query.get("expand"))
    objs = _objects(call)
    return envelope(call, spaces, lambda s: objs.space(s, expand))


def get_space(call: Call) -> Reply:
    """``GET /rest/api/space/{key}``: ``expand=homepage,description.plain`` and more."""
    space = call.sandbox.store.spaces.get(call.params["key"])
    if space is None:
        raise v1_error(404, f"No space found with key : {call.params['key']}")
    body = _objects(call).space(space, parse_expand(call.query.get("expand")))
    return Reply(body, objects=1)


# ---- content ----------------------------------------------------------------------------


def get_content_list(call: Call) -> Reply:
    """``GET /rest/api/content``: type, spaceKey, title, status, expand; ordered by id."""
    store = call.sandbox.store
    kind = call.query.get("type") or "page"
    status = call.query.get("status") or "current"
    key = call.query.get("spaceKey")
    title = call.query.get("title")
    with store.lock:
        records = [
            r
            for r in store.content.values()
            if r.type == kind
            and (status == "any" or r.status in status.split(","))
            and (key is None or r.space_key == key)
            and (title is None or r.title == title)
        ]
    records.sort(key=lambda r: int(r.id))
    expand = parse_expand(call.query.get("expand"))
    objs = _objects(call)
    return envelope(call, records, lambda r: objs.content(r, expand))


def get_content(call: Call) -> Reply:
    """``GET /rest/api/content/{id}``: any expansion; ``version=N`` for an older body."""
    record = _content_or_404(call)
    version = call.query.get("version")
    body = _objects(call).content(record, parse_expand(call.query.get("expand")), version=version)
    return Reply(body, objects=1)


def _child_pages(call: Call) -> list[ContentRecord]:
    store = call.sandbox.store
    record = _content_or_404(call)
    with store.lock:
        children = [store.content[c] for c in record.children]
    return [c for c in children if c.type == "page" and c.status == "current"]


def get_child_pages(call: Call) -> Reply:
    """``GET /rest/api/content/{id}/child/page`` in manual order."""
    expand = parse_expand(call.query.get("expand"))
    objs = _objects(call)
    return envelope(call, _child_pages(call), lambda r: objs.content(r, expand))


def get_child(call: Call) -> Reply:
    """``GET /rest/api/content/{id}/child``: the expanded child types."""
    record = _content_or_404(call)
    expand = parse_expand(call.query.get("expand"))
    objs = _objects(call)
    body: dict[str, Any] = objs.children_block(record, expand)
    body["_links"] = {"base": call.base, "context": call.context, "self": _self_link(call)}
    return Reply(
        body, objects=sum(len(v.get("results", [])) for v in body.values() if isinstance(v, dict))
    )


def get_descendant_pages(call: Call) -> Reply:
    """Every page below this one (through folders too), depth first in manual order."""
    store = call.sandbox.store
    record = _content_or_404(call)
    found: list[ContentRecord] = []

    def visit(parent: ContentRecord) -> None:
        for child_id in parent.children:
            child = store.content[child_id]
            if child.status == "current":
                if child.type == "page":
                    found.append(child)
                visit(child)

    visit(record)
    expand = parse_expand(call.query.get("expand"))
    objs = _objects(call)
    return envelope(call, found, lambda r: objs.content(r, expand))


def get_child_comments(call: Call) -> Reply:
    """The sandbox holds no comments: an empty list in the v1 envelope."""
    _content_or_404(call)
    return envelope(call, [], lambda c: c)


def _attachments(call: Call) -> list[AttachmentRecord]:
    store = call.sandbox.store
    record = _content_or_404(call)
    atts = [
        store.attachments[a] for a in record.attachments if store.attachments[a].status == "current"
    ]
    if filename := call.query.get("filename"):
        atts = [a for a in atts if a.title == filename]
    if media := call.query.get("mediaType"):
        atts = [a for a in atts if a.media_type == media]
    return atts


def get_child_attachments(call: Call) -> Reply:
    """``GET /rest/api/content/{id}/child/attachment``: filename and mediaType filters."""
    expand = parse_expand(call.query.get("expand"))
    objs = _objects(call)
    return envelope(call, _attachments(call), lambda a: objs.attachment(a, expand))


def get_labels(call: Call) -> Reply:
    """``GET /rest/api/content/{id}/label``: default and cap 200."""
    record = _content_or_404(call)
    labels = list(record.labels)
    if prefix := call.query.get("prefix"):
        labels = [lab for lab in labels if lab.prefix == prefix]
    objs = _objects(call)
    return envelope(call, labels, objs.label, default=200, cap=200)


# ---- users ------------------------------------------------------------------------------


def get_user(call: Call) -> Reply:
    """``GET /rest/api/user?accountId=``: one user (2 points)."""
    account = call.query.get("accountId") or ""
    user = call.sandbox.store.users.get(account)
    if user is None:
        raise v1_error(404, f"No user found with accountId : {account}")
    return Reply(_objects(call).user(user), users=1)


def get_current_user(call: Call) -> Reply:
    """``GET /rest/api/user/current``."""
    store = call.sandbox.store
    user = store.users.get(call.account_id) or store.users[store.default_author]
    return Reply(_objects(call).user(user), users=1)


def get_users_bulk(call: Call) -> Reply:
    """``GET /rest/api/user/bulk?accountId=a&accountId=b``: users in the v1 envelope."""
    store = call.sandbox.store
    users = [store.users[a] for a in call.values("accountId") if a in store.users]
    objs = _objects(call)
    reply = envelope(call, users, objs.user, default=200, cap=200)
    reply.users, reply.objects = reply.objects, 0
    return reply


# ---- downloads --------------------------------------------------------------------------


def _version(att: AttachmentRecord, version: str | None) -> AttachmentVersion:
    """The requested version of a file (``?version=N``), else its current one."""
    if version and version.isdigit():
        matches = [v for v in att.versions if v.number == int(version)]
        if not matches:
            raise v1_error(404, f"Attachment {att.title} has no version {version}")
        return matches[0]
    return att.current


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` fallback and the exact name in ``filename*``.

    RFC 6266 / RFC 5987: ``filename*=UTF-8''<percent-encoded>`` carries any Unicode name, and
    clients that ignore it get a transliterated ASCII name without quotes or backslashes.
    """
    fallback = "".join(
        c if " " <= c <= "~" and c not in '"\\' else "_" for c in anyascii(filename)
    ).strip()
    encoded = quote(filename, safe="!#$&+-.^_`|~")  # RFC 5987 attr-char
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{encoded}"


def download_servlet(call: Call) -> Reply:
    """``/download/attachments/...`` and ``/download/thumbnails/...``: 401 for every API caller.

    Atlassian deprecated the servlet for API use (changelog CHANGE-2735) and since 2026 answers
    401 there (CHANGE-3007): with the OAuth challenge on the site (API-token Basic), and
    "scope does not match" on the gateway (scoped tokens, OAuth). Only a browser session is
    served, which the sandbox has none of.
    """
    if call.request.scope["path"].startswith("/ex/confluence/"):
        headers = {"X-Failure-Category": "FAILURE_CLIENT_SCOPE_CHECK"}
        raise HTTPError(Reply(SCOPE_MISMATCH, 401, headers=headers))
    realm = f'OAuth realm="{call.sandbox.store.site_url}/wiki"'
    raise HTTPError(Reply(b"", 401, headers={"WWW-Authenticate": realm}, media_type="text/plain"))


def download_by_id(call: Call) -> Reply:
    """``GET /rest/api/content/{id}/child/attachment/{attId}/download``: 302 to the media host.

    The ``Location`` is a media-host URL with a short-lived token for this file version; it
    costs the base point, the media host's transfer costs none (it is not a Confluence API).
    """
    store = call.sandbox.store
    att = store.attachments.get(call.params["att"])
    if att is None or att.container_id != call.params["id"] or att.status != "current":
        raise v1_error(404, f"No attachment {call.params['att']} on content {call.params['id']}")
    chosen = _version(att, call.query.get("version"))
    location = call.sandbox.media.location(att, chosen)
    return Reply(b"", 302, headers={"Location": location}, media_type="text/plain")


# v1 routes check the classic scopes the v1 spec names for them, never granular ones
# (reference 9; kovetskiy/mark #917): a granular-only token gets "scope does not match".
SPACE = ("read:confluence-space.summary",)
CONTENT = ("read:confluence-content.summary",)
ATTACHMENTS = ("read:confluence-content.summary",)
LABELS = ("read:confluence-content.summary",)
SEARCH = ("search:confluence",)
USER = ("read:confluence-user",)
DOWNLOAD = ("readonly:content.attachment:confluence",)


def gone() -> Reply:
    """Atlassian's answer on a v1 route removed behind the gateway (CME #207, mcp-atlassian #576)."""
    return v1_error(410, GONE_MESSAGE).reply


GONE_MESSAGE = (
    "com.atlassian.confluence.api.service.exceptions.pagesmodes.GoneException: "
    "This deprecated endpoint has been removed."
)


def register(router: Router) -> None:
    """Add the v1 routes and attachment downloads (paths relative to the ``/wiki`` context)."""
    # 410 behind the gateway: the four routes of reference 9, plus (stricter reading, listed in
    # docs/sandbox.md) the children/descendants reads that v2 replaced (mcp-atlassian #1303).
    gone = True
    router.add("GET", f"{R}/space", get_spaces, SPACE, gone_on_gateway=gone)
    router.add("GET", f"{R}/space/{{key}}", get_space, SPACE, gone_on_gateway=gone)
    router.add("GET", f"{R}/content", get_content_list, CONTENT, gone_on_gateway=gone)
    router.add("GET", f"{R}/content/{{id}}", get_content, CONTENT, gone_on_gateway=gone)
    router.add("GET", f"{R}/content/{{id}}/child", get_child, CONTENT, gone_on_gateway=gone)
    router.add(
        "GET", f"{R}/content/{{id}}/child/page", get_child_pages, CONTENT, gone_on_gateway=gone
    )
    router.add("GET", f"{R}/content/{{id}}/child/attachment", get_child_attachments, ATTACHMENTS)
    router.add(
        "GET", f"{R}/content/{{id}}/child/attachment/{{att}}/download", download_by_id, DOWNLOAD
    )
    router.add("GET", f"{R}/content/{{id}}/label", get_labels, LABELS)
    router.add(
        "GET",
        f"{R}/content/{{id}}/descendant/page",
        get_descendant_pages,
        CONTENT,
        gone_on_gateway=gone,
    )
    router.add("GET", f"{R}/content/{{id}}/child/comment", get_child_comments, CONTENT)
    router.add("GET", f"{R}/user", get_user, USER)
    router.add("GET", f"{R}/user/current", get_current_user, USER)
    router.add("GET", f"{R}/user/bulk", get_users_bulk, USER)
    # No scopes: the servlet refuses every API caller, whatever its token holds.
    router.add("GET", "/download/attachments/{page}/{filename:path}", download_servlet)
    router.add("GET", "/download/thumbnails/{page}/{filename:path}", download_servlet)
