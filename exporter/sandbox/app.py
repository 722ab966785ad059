"""The sandbox as one ASGI application: path modes, auth, limits, faults, handlers, stats.

Requests to the media socket (a second port) go to :class:`MediaHost`. Confluence paths come in
three shapes and share one set of wiki routes:
``/ex/confluence/{cloudId}[/wiki]/...`` (gateway), ``/wiki/...`` (site) and, for clients that
address a host without a context path, the same site paths without ``/wiki``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import ClientDisconnect, Request

from exporter.sandbox import admin, admin_history, oauth, search, v1, v2, v2_history
from exporter.sandbox.gateway import (
    SCOPE_HEADERS,
    SCOPE_MISMATCH,
    Credentials,
    authenticate,
    body_scope_allows,
    scope_allows,
)
from exporter.sandbox.limits import SETUP_PATHS, Fault, Limits, points_for
from exporter.sandbox.media import DEFAULT_TOKEN_TTL, MediaHost
from exporter.sandbox.oauth import OAuthServer
from exporter.sandbox.routing import Call, HTTPError, Reply, Router
from exporter.sandbox.stats import Stats
from exporter.sandbox.store import Store

MAX_REQUEST_TARGET = 8192  # bytes of path and query a request may carry (8 KB, as CDNs cap it)

__all__ = ["Sandbox"]

log = logging.getLogger("exporter.sandbox")

_GATEWAY = "/ex/confluence/"
_NO_CONTEXT_ROOTS = ("/rest/", "/api/v2/", "/download/")
_XML_404 = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><status><status-code>404'
    "</status-code><message>null for uri: {uri}</message></status>"
)
Scope = MutableMapping[str, Any]
CLIENT_GONE = 499  # status recorded in stats for requests whose client disconnected (nginx's)


class Sandbox:
    """Everything one running sandbox holds; callable as an ASGI app."""

    def __init__(
        self,
        store: Store,
        *,
        limits: Limits | None = None,
        oauth_server: OAuthServer | None = None,
        credentials: Credentials | None = None,
        media_token_ttl: int = DEFAULT_TOKEN_TTL,
    ) -> None:
        self.store = store
        self.clock = store.clock
        self.stats = Stats()
        self.limits = limits or Limits(self.clock)
        self.oauth = oauth_server or OAuthServer(self.clock, self.stats)
        self.oauth.stats = self.stats
        self.credentials = credentials or Credentials()
        self.media = MediaHost(store, self.clock, self.stats, media_token_ttl, self.limits)
        self.extra_sites: list[tuple[str, str, str]] = []
        self.wiki = Router()
        v2.register(self.wiki)
        v2_history.register(self.wiki)
        v1.register(self.wiki)
        search.register(self.wiki)
        self.top = Router()
        oauth.register(self.top, self.oauth)
        admin.register(self.top)
        admin_history.register(self.top)

    # ---- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        server = scope.get("server")
        if self.media.port is not None and server and server[1] == self.media.port:
            await self.media(scope, receive, send)  # the second origin: Atlassian's media host
            return
        request = Request(scope, receive)
        method = scope["method"]
        path = scope["path"]
        target = len(scope.get("raw_path") or path.encode()) + len(scope.get("query_string") or b"")
        if target > MAX_REQUEST_TARGET:  # an undocumented limit, read strictly (docs/sandbox.md)
            self.stats.record(f"{method} <too long>", 414, 0, 0)
            await self._send(
                scope, send, Reply({"statusCode": 414, "message": "URI Too Long"}, 414)
            )
            return
        host = request.headers.get("host") or "127.0.0.1"
        origin = f"{scope.get('scheme', 'http')}://{host}"
        site = self.store.site_url  # what Confluence reports as its site, not where we listen
        call = Call(request, {}, request.query_params, self, origin, site + "/wiki", "/wiki", path)

        if path.startswith(_GATEWAY):
            cloud_id, _, rest = path[len(_GATEWAY) :].partition("/")
            inner = "/" + rest
            if inner == "/wiki" or inner.startswith("/wiki/"):
                inner = inner[5:] or "/"
            await self._api(call, send, inner, gateway=True, cloud_id=cloud_id)
            return
        if path.startswith("/wiki/"):
            await self._api(call, send, path[5:], gateway=False)
            return
        route, params, _ = self.top.match(method, path)
        if route is not None and path in SETUP_PATHS and await self._setup_fault(call, send):
            return
        if route is not None:
            call.params = params
            reply = await _invoke(route.handler, route.is_async, call)
            await self._send(scope, send, reply)
            if not path.startswith("/__sandbox/"):  # test plumbing is not counted
                self.stats.record(
                    f"{method} {route.template}", reply.status, 0, len(reply.encode())
                )
            return
        if path.startswith(_NO_CONTEXT_ROOTS):
            call.base, call.context = site, ""
            await self._api(call, send, path, gateway=False)
            return
        reply = Reply({"message": f"No route for {method} {path}"}, 404)
        self.stats.record(f"{method} <unmatched>", 404, 0, 0)
        await self._send(scope, send, reply)

    async def _setup_fault(self, call: Call, send: Any) -> bool:
        """Apply a fault queued for the setup requests (``target: setup``); True when one was."""
        fault = self.limits.next_setup_fault()
        if fault is None:
            return False
        scope = call.request.scope
        key = f"{scope['method']} {scope['path']}"
        self.stats.fault(fault.kind)
        if fault.kind in ("reset", "truncate"):
            self.stats.record(key, 0, 0, 0)
            await self._break(scope, send, fault)
            return True
        reply = self.limits.fault_reply(fault)
        await self._send(scope, send, reply)
        self.stats.record(key, reply.status, 0, len(reply.encode()))
        return True

    async def _api(
        self, call: Call, send: Any, inner: str, *, gateway: bool, cloud_id: str | None = None
    ) -> None:
        """One Confluence API request: latency, faults, limits, auth, handler, points, stats."""
        scope = call.request.scope
        method = scope["method"]
        call.path = inner
        route, params, _ = self.wiki.match(method, inner)
        key = f"{method} /wiki{route.template}" if route else f"{method} <unmatched>"
        limits = self.limits
        if limits.latency_ms:
            await asyncio.sleep(limits.latency_ms / 1000)
        fault = limits.next_fault()
        if fault is not None:
            self.stats.fault(fault.kind)
            if fault.kind in ("reset", "truncate"):
                self.stats.record(key, 0, 0, 0)
                await self._break(scope, send, fault)
                return
            reply = limits.fault_reply(fault)
            await self._send(scope, send, reply)
            self.stats.record(key, reply.status, 0, len(reply.encode()))
            return
        limited = limits.check_burst() or limits.check_quota()
        if limited is None:
            reply = await self._authorized(call, route, params, gateway, cloud_id, inner)
        else:
            reply = limited
        points = 0
        if reply.status < 400 or reply.status == 404:
            points = points_for(reply)
            limits.charge(points)
        if reply.status != 429:
            reply.headers.update(limits.quota_headers())
        body = reply.encode()
        await self._send(scope, send, reply, body)
        self.stats.record(key, reply.status, points, len(body))

    async def _authorized(
        self,
        call: Call,
        route: Any,
        params: dict[str, str],
        gateway: bool,
        cloud_id: str | None,
        inner: str,
    ) -> Reply:
        header = call.request.headers.get("authorization", "")
        scopes, denied = authenticate(header, gateway, self.credentials, self.oauth)
        if denied is not None:
            return denied
        if gateway and cloud_id != self.store.cloud_id:
            return Reply({"errorMessage": "Site temporarily unavailable"}, 404)
        if route is None:
            if inner.startswith("/rest/api/"):
                uri = call.base + inner
                return Reply(_XML_404.format(uri=uri), 404, media_type="application/xml")
            return Reply({"statusCode": 404, "message": f"No resource at {inner}"}, 404)
        if not scope_allows(route, scopes) or not body_scope_allows(inner, call.query, scopes):
            return Reply(SCOPE_MISMATCH, 401, headers=dict(SCOPE_HEADERS))
        if gateway and route.gone_on_gateway:
            return v1.gone()
        call.params = params
        call.scopes = scopes
        try:
            return await _invoke(route.handler, route.is_async, call)
        except HTTPError as exc:
            return exc.reply

    # ---- sending ------------------------------------------------------------------------

    async def _send(self, scope: Scope, send: Any, reply: Reply, body: bytes | None = None) -> None:
        body = reply.encode() if body is None else body
        headers = [
            (b"content-type", reply.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        headers.extend((k.lower().encode(), v.encode("latin-1")) for k, v in reply.headers.items())
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _break(self, scope: Scope, send: Any, fault: Fault) -> None:
        """A connection reset before any byte, or a body cut off halfway."""
        transport = scope.get("extensions", {}).get("sandbox.transport")
        if fault.kind == "truncate":
            body = b'{"results":[{"id":"1","title":"truncated by the sandbox"}],"_links":{}}' * 4
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None and fault.kind == "reset":
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            return
        raise ConnectionResetError("sandbox fault injection")


async def _invoke(handler: Any, is_async: bool, call: Call) -> Reply:
    try:
        if is_async:
            return await handler(call)
        with call.sandbox.store.lock:  # admin edits may come from test threads
            return handler(call)
    except HTTPError as exc:
        return exc.reply
    except (ClientDisconnect, ConnectionError) as exc:  # the client left: nothing to answer
        log.debug("client went away during %s: %s", call.path, type(exc).__name__)
        return Reply({"statusCode": 499, "message": "Client closed the request"}, CLIENT_GONE)
    except Exception as exc:  # a sandbox bug: answer 500 like Confluence, and say where
        log.exception("sandbox handler failed for %s", call.path)
        return Reply({"statusCode": 500, "message": f"Sandbox error: {exc!r}"}, 500)
