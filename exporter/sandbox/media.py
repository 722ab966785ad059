"""Atlassian's media host (``api.media.atlassian.com``) on a second loopback origin.

Confluence Cloud serves attachment bytes only through
``GET /rest/api/content/{pageId}/child/attachment/{attId}/download``, which answers a 302 to
``https://api.media.atlassian.com/file/<fileId>/binary?token=<JWT>&client=<id>&name=<file>``
(reference section 9; pchuri/confluence-cli #198 curl traces). The media host authenticates by
the short-lived token in the query alone. This fake signs HS256 JWTs bound to the file, the
attachment and its version, expires them on the sandbox's movable clock, and refuses (401)
requests that carry an ``Authorization`` header or a cookie, so a client that leaks Confluence
credentials across origins fails a test. It counts every request in ``stats.media``, and
answers after ``--latency-ms`` and fails at ``--fail-rate`` as the API does.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from exporter.sandbox.limits import Limits
from exporter.sandbox.records import AttachmentRecord, AttachmentVersion, Clock
from exporter.sandbox.stats import Stats
from exporter.sandbox.store import Store
from exporter.sandbox.v1 import content_disposition

__all__ = ["DEFAULT_TOKEN_TTL", "MediaHost"]

DEFAULT_TOKEN_TTL = 600  # seconds a media token stays valid (Atlassian's is short; unpublished)

Scope = MutableMapping[str, Any]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class MediaHost:
    """The media origin: signs download tokens for Confluence and serves files against them."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        stats: Stats,
        ttl: int = DEFAULT_TOKEN_TTL,
        limits: Limits | None = None,
    ) -> None:
        self.store = store
        self.limits = limits  # its ``fail_rate`` applies here too; queued faults do not
        self.clock = clock
        self.stats = stats
        self.ttl = ttl
        self.client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"media:{store.cloud_id}"))
        self.url = ""  # set once the media socket is bound ("http://127.0.0.1:PORT")
        self.port: int | None = None
        self.expire_next = 0  # test plumbing: the next N tokens are issued already expired
        self._secret = secrets.token_bytes(32)

    def bind(self, url: str, port: int) -> None:
        """Record where the media origin listens (the sandbox's second socket)."""
        self.url = url.rstrip("/")
        self.port = port

    # ---- tokens -------------------------------------------------------------------------

    def location(self, att: AttachmentRecord, version: AttachmentVersion) -> str:
        """The redirect target Confluence's download route answers for one file version."""
        if not self.url:
            raise RuntimeError("the media host is not listening (serve with serve_sandbox)")
        query = urlencode(
            {"token": self._token(att, version), "client": self.client_id, "name": att.title}
        )
        return f"{self.url}/file/{att.file_id}/binary?{query}"

    def _token(self, att: AttachmentRecord, version: AttachmentVersion) -> str:
        now = int(self.clock.time())
        if self.expire_next > 0:
            self.expire_next -= 1
            now -= self.ttl + 1
        header = {"alg": "HS256", "typ": "JWT"}
        claims = {
            "iss": self.client_id,
            "iat": now,
            "exp": now + self.ttl,
            "access": {f"urn:filestore:file:{att.file_id}": ["read"]},
            "att": att.id,
            "ver": version.number,
        }
        signing = f"{_b64(_json(header))}.{_b64(_json(claims))}"
        return f"{signing}.{self._sign(signing)}"

    def _sign(self, signing: str) -> str:
        return _b64(hmac.new(self._secret, signing.encode(), hashlib.sha256).digest())

    def _claims(self, token: str) -> dict[str, Any] | None:
        """The token's claims when its signature is ours, else None."""
        parts = token.split(".")
        if len(parts) != 3 or not hmac.compare_digest(
            self._sign(f"{parts[0]}.{parts[1]}"), parts[2]
        ):
            return None
        try:
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None

    # ---- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        status, body, extra = self._answer(scope, headers)
        if self.limits is not None and self.limits.latency_ms:
            await asyncio.sleep(self.limits.latency_ms / 1000)  # a real host is not next door
        fault = self.limits.random_fault() if self.limits is not None else None
        if fault is not None:
            self.stats.media_event("faults")
            if fault.kind in ("reset", "truncate"):
                await self._break(scope, send, fault.kind, body if status == 200 else b"")
                return
            status, body, extra = int(fault.kind), _error("ServiceUnavailable", "sandbox"), {}
        out = body if status == 200 else json.dumps(body).encode()
        media_type = extra.pop("content-type", "application/json")
        response_headers = [
            (b"content-type", media_type.encode()),
            (b"content-length", str(len(out)).encode()),
            *((k.encode(), v.encode("latin-1")) for k, v in extra.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": out})
        self.stats.media_sent(status, len(out))

    async def _break(self, scope: Scope, send: Any, kind: str, body: bytes) -> None:
        """A connection reset before any byte, or a body cut off halfway (faults)."""
        if kind == "truncate" and body:
            headers = [(b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
        transport = scope.get("extensions", {}).get("sandbox.transport")
        if transport is None:
            raise ConnectionResetError("sandbox fault injection")
        transport.abort()

    def _answer(self, scope: Scope, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """``(status, body, headers)`` for one media request; counts what it refuses."""
        self.stats.media_event("requests")
        if headers.get("authorization"):
            self.stats.media_event("with_authorization")
            return 401, _error("Unauthorized", "Credentials are not accepted here"), {}
        if headers.get("cookie"):
            self.stats.media_event("with_cookie")
            return 401, _error("Unauthorized", "Cookies are not accepted here"), {}
        path = scope["path"]
        parts = path.strip("/").split("/")
        if (
            scope["method"] != "GET"
            or len(parts) != 3
            or parts[0] != "file"
            or parts[2] != "binary"
        ):
            return 404, _error("NotFound", f"No route for {scope['method']} {path}"), {}
        file_id = parts[1]
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        claims = self._claims(query.get("token", ""))
        if claims is None or f"urn:filestore:file:{file_id}" not in (claims.get("access") or {}):
            self.stats.media_event("bad_token")
            return 401, _error("JwtUnauthorized", "Invalid token"), {}
        if self.clock.time() >= float(claims.get("exp", 0)):
            self.stats.media_event("expired")
            return 401, _error("JwtUnauthorized", "Token has expired"), {}
        att = self.store.attachments.get(str(claims.get("att")))
        chosen = [v for v in att.versions if v.number == claims.get("ver")] if att else []
        if att is None or att.file_id != file_id or not chosen:
            return 404, _error("FileNotFound", f"File {file_id} not found"), {}
        return (
            200,
            chosen[0].data,
            {
                "content-type": chosen[0].media_type,
                "content-disposition": content_disposition(att.title),
                "cache-control": "private, max-age=600",
            },
        )


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _error(code: str, title: str) -> dict[str, Any]:
    return {"error": {"code": code, "title": title}}
