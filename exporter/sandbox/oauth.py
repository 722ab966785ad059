"""Atlassian's OAuth 2.0 (3LO) server, faked (reference 1.1-1.5): ``/authorize``,
``/oauth/token`` (authorization_code and rotating refresh_token grants, JSON or form bodies),
``/oauth/token/accessible-resources`` and ``/_edge/tenant_info``.

Rotation is strict on purpose: a rotated refresh token stays usable for a 10-minute grace window
(counted as ``refresh_reuse``); presented later, it revokes its whole token family
(``revoked_families``), companion access tokens included.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from exporter.sandbox.routing import Call, Reply, Router
from exporter.sandbox.stats import Stats
from exporter.sandbox.store import Clock

__all__ = ["DEAD_REFRESH_ERRORS", "KNOWN_SCOPES", "OAuthServer", "register"]

GRACE_S = 600
CODE_TTL_S = 600
IDLE_S = 90 * 86400
ABSOLUTE_S = 365 * 86400
KNOWN_SCOPES = frozenset(
    {
        "offline_access",
        "read:confluence-space.summary",
        "read:confluence-content.summary",
        "read:confluence-content.all",
        "read:confluence-user",
        "read:confluence-props",
        "search:confluence",
        "readonly:content.attachment:confluence",
        "read:space:confluence",
        "read:page:confluence",
        "read:attachment:confluence",
        "read:label:confluence",
        "read:folder:confluence",
        "read:blogpost:confluence",
        "read:content.metadata:confluence",
        "read:content-details:confluence",
        "read:hierarchical-content:confluence",
        "read:user:confluence",
        "read:comment:confluence",
        "read:custom-content:confluence",
        "read:me",
        "read:account",
        "write:confluence-content",
    }
)
_LOOPBACK = re.compile(r"^http://(localhost|127\.0\.0\.1)(:\d+)?(/.*)?$")
# What /oauth/token answers (403) for a dead or rotated-out refresh token: Atlassian documents
# the first (A-REFRESH); confluence.js measured the second live. ``--dead-refresh-error`` picks.
DEAD_REFRESH_ERRORS: dict[str, dict[str, str]] = {
    "invalid_grant": {
        "error": "invalid_grant",
        "error_description": "Unknown or invalid refresh token.",
    },
    "unauthorized_client": {
        "error": "unauthorized_client",
        "error_description": "refresh_token is invalid",
    },
}


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    issued: float
    used: bool = False


@dataclass
class _Family:
    created: float
    revoked: bool = False


@dataclass
class _Refresh:
    family: str
    scopes: frozenset[str]
    issued: float
    rotated: float | None = None


@dataclass
class _Access:
    family: str
    scopes: frozenset[str]
    expires: float
    refresh: str | None


@dataclass
class OAuthServer:
    """Codes, token families and the client the sandbox registers."""

    clock: Clock
    stats: Stats
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    redirect_uri: str | None = None  # pinned; None accepts any loopback URI
    auto_consent: bool = True
    access_ttl: int = 3600
    dead_refresh_error: str = "invalid_grant"  # a key of DEAD_REFRESH_ERRORS
    lock: threading.Lock = field(default_factory=threading.Lock)
    codes: dict[str, _Code] = field(default_factory=dict)
    families: dict[str, _Family] = field(default_factory=dict)
    refresh: dict[str, _Refresh] = field(default_factory=dict)
    access: dict[str, _Access] = field(default_factory=dict)

    # ---- tokens -------------------------------------------------------------------------

    def mint(self, scopes: frozenset[str] | set[str], family: str | None = None) -> dict[str, Any]:
        """Issue an access (+refresh, with offline_access) pair; usable directly by tests."""
        scopes = frozenset(scopes)
        now = self.clock.time()
        with self.lock:
            if family is None:
                family = secrets.token_hex(8)
                self.families[family] = _Family(now)
            access = "sbx_at_" + secrets.token_urlsafe(24)
            refresh = None
            if "offline_access" in scopes:
                refresh = "sbx_rt_" + secrets.token_urlsafe(32)
                self.refresh[refresh] = _Refresh(family, scopes, now)
            self.access[access] = _Access(family, scopes, now + self.access_ttl, refresh)
        out: dict[str, Any] = {
            "access_token": access,
            "expires_in": self.access_ttl,
            "token_type": "Bearer",
            "scope": " ".join(sorted(scopes)),
        }
        if refresh:
            out["refresh_token"] = refresh
        return out

    def check_access(self, token: str) -> frozenset[str] | None:
        """The scopes of a live access token, or None when it is unknown, expired or revoked."""
        rec = self.access.get(token)
        if rec is None:
            return None
        now = self.clock.time()
        if now >= rec.expires or self.families[rec.family].revoked:
            return None
        if rec.refresh:
            companion = self.refresh[rec.refresh]
            if companion.rotated is not None and now - companion.rotated > GRACE_S:
                return None
        return rec.scopes

    def _dead(self) -> Reply:
        return Reply(DEAD_REFRESH_ERRORS[self.dead_refresh_error], 403)

    def _refresh_grant(self, token: str) -> Reply:
        now = self.clock.time()
        with self.lock:
            rec = self.refresh.get(token)
            if rec is None or self.families[rec.family].revoked:
                return self._dead()
            family = self.families[rec.family]
            if now - rec.issued > IDLE_S or now - family.created > ABSOLUTE_S:
                return self._dead()
            if rec.rotated is not None:
                if now - rec.rotated > GRACE_S:
                    family.revoked = True
                    self.stats.revoked_families += 1
                    return self._dead()
                self.stats.refresh_reuse += 1
            else:
                rec.rotated = now
        return Reply(self.mint(rec.scopes, rec.family))

    def _code_grant(self, form: dict[str, str]) -> Reply:
        invalid = Reply(
            {"error": "invalid_request", "error_description": "authorization_code is invalid"}, 400
        )
        now = self.clock.time()
        with self.lock:
            code = self.codes.get(form.get("code", ""))
            if code is None or code.used or now - code.issued > CODE_TTL_S:
                return invalid
            if code.client_id != form.get("client_id") or code.redirect_uri != form.get(
                "redirect_uri"
            ):
                return invalid
            code.used = True
        return Reply(self.mint(code.scopes))

    # ---- endpoints ----------------------------------------------------------------------

    def redirect_ok(self, uri: str) -> bool:
        """Any loopback redirect URI, unless one was pinned with ``--redirect-uri``."""
        if self.redirect_uri is not None:
            return uri == self.redirect_uri
        return bool(_LOOPBACK.match(uri))

    def authorize(self, call: Call) -> Reply:
        """``GET /authorize``: validate, then 302 back with ``code`` and ``state`` (or an error)."""
        q = call.query
        if q.get("client_id") != self.client_id:
            return _page(400, "Invalid client_id: this sandbox's client id is in its ready file.")
        redirect = q.get("redirect_uri", "")
        if not self.redirect_ok(redirect):
            return _page(400, f"redirect_uri {redirect!r} does not match the app's callback URL.")
        state = q.get("state", "")
        if q.get("response_type") != "code":
            return _redirect(redirect, error="unsupported_response_type", state=state)
        scopes = frozenset(q.get("scope", "").split())
        unknown = scopes - KNOWN_SCOPES
        if not scopes or unknown:
            detail = (
                f"Unknown scopes: {' '.join(sorted(unknown))}" if unknown else "scope is required"
            )
            return _redirect(redirect, error="invalid_scope", error_description=detail, state=state)
        if not self.auto_consent and q.get("decision") is None:
            return _consent_page(call)
        if q.get("decision") == "deny":
            return _redirect(
                redirect, error="access_denied", error_description="User denied access", state=state
            )
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = _Code(self.client_id, redirect, scopes, self.clock.time())
        return _redirect(redirect, code=code, state=state)

    async def token(self, call: Call) -> Reply:
        """``POST /oauth/token``: authorization_code or refresh_token, JSON or form body."""
        form = await _form(call)
        header = call.request.headers.get("authorization", "")
        if "client_id" not in form and header.lower().startswith("basic "):
            # client_secret_basic, as generic OAuth libraries send it
            try:
                pair = base64.b64decode(header[6:].strip()).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                pair = ":"
            form["client_id"], _, form["client_secret"] = pair.partition(":")
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return Reply({"error": "access_denied", "error_description": "Unauthorized"}, 401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._code_grant(form)
        if grant == "refresh_token":
            return self._refresh_grant(form.get("refresh_token", ""))
        return Reply({"error": "unsupported_grant_type", "error_description": f"{grant}"}, 400)

    def accessible_resources(self, call: Call) -> Reply:
        """``GET /oauth/token/accessible-resources``: the sites this token reaches."""
        header = call.request.headers.get("authorization", "")
        scopes = self.check_access(header[7:]) if header.lower().startswith("bearer ") else None
        if scopes is None:
            return Reply({"code": 401, "message": "Unauthorized"}, 401)
        store = call.sandbox.store
        granted = sorted(scopes - {"offline_access"})
        sites = [(store.cloud_id, store.site_name, store.site_url), *call.sandbox.extra_sites]
        body = [
            {
                "id": cid,
                "name": name,
                "url": url,
                "scopes": granted,
                "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png",
            }
            for cid, name, url in sites
        ]
        return Reply(body)


async def _form(call: Call) -> dict[str, str]:
    raw = await call.request.body()
    ctype = call.request.headers.get("content-type", "")
    if "json" in ctype:
        import json

        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def _redirect(uri: str, **params: str) -> Reply:
    sep = "&" if urlsplit(uri).query else "?"
    return Reply(
        b"", 302, headers={"Location": uri + sep + urlencode(params)}, media_type="text/plain"
    )


def _page(status: int, message: str) -> Reply:
    body = f"<!doctype html><title>Sandbox OAuth</title><p>{html.escape(message)}</p>"
    return Reply(body, status, media_type="text/html; charset=utf-8")


def _consent_page(call: Call) -> Reply:
    items = list(call.query.multi_items())
    accept = "/authorize?" + urlencode([*items, ("decision", "accept")])
    deny = "/authorize?" + urlencode([*items, ("decision", "deny")])
    scopes = html.escape(call.query.get("scope", ""))
    body = (
        "<!doctype html><title>Sandbox consent</title><h1>Allow access?</h1>"
        f"<p>The app asks for: <code>{scopes}</code></p>"
        f'<p><a id="accept" href="{html.escape(accept)}">Accept</a> '
        f'<a id="deny" href="{html.escape(deny)}">Deny</a></p>'
    )
    return Reply(body, 200, media_type="text/html; charset=utf-8")


def register(router: Router, server: OAuthServer) -> None:
    """Top-level (not under ``/wiki``) OAuth routes."""
    router.add("GET", "/authorize", server.authorize)
    router.add("POST", "/oauth/token", server.token)
    router.add("GET", "/oauth/token/accessible-resources", server.accessible_resources)
    router.add(
        "GET",
        "/_edge/tenant_info",
        lambda call: Reply({"cloudId": call.sandbox.store.cloud_id}),
    )
