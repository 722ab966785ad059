"""An in-memory Atlassian OAuth server for ``httpx.MockTransport``: rotating refresh tokens."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field

import httpx

from exporter.auth.tokens import TokenSet, TokenStore

SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}


@dataclass
class FakeAtlassian:
    """Issues access/refresh pairs, rotates refresh tokens, serves a gateway page endpoint."""

    ttl: float = 3600
    sites: list[dict[str, object]] = field(
        default_factory=lambda: [
            {"id": "cloud-1", "url": "https://one.atlassian.net", "name": "One", "scopes": []}
        ]
    )
    scopes: str = "read:page:confluence read:space:confluence offline_access"
    omit_refresh_token: bool = False
    refresh_error: tuple[int, dict[str, str]] | None = None
    refreshes: int = 0
    reused: int = 0
    seen_on_api: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    live_refresh: dict[str, bool] = field(default_factory=dict)  # token -> rotated?
    access: dict[str, float] = field(default_factory=dict)
    on_api: object = None  # optional callable(request) run before answering API calls

    def mint(self) -> dict[str, object]:
        access = "at_" + secrets.token_hex(12)
        refresh = "rt_" + secrets.token_hex(12)
        with self.lock:
            self.access[access] = time.time() + self.ttl
            self.live_refresh[refresh] = False
        body: dict[str, object] = {
            "access_token": access,
            "expires_in": self.ttl,
            "token_type": "Bearer",
            "scope": self.scopes,
        }
        if not self.omit_refresh_token:
            body["refresh_token"] = refresh
        return body

    def token_set(self, store: TokenStore, **extra: object) -> TokenSet:
        """Mint a pair and write it to ``store`` as a login would."""
        body = self.mint()
        now = time.time()
        tokens = TokenSet(
            refresh_token=str(body.get("refresh_token") or "rt_none"),
            access_token=str(body["access_token"]),
            expires_at=now + self.ttl,
            scope=self.scopes,
            obtained_at=now,
            last_refresh_at=now,
            client_id="cid",
            **extra,  # type: ignore[arg-type]
        )
        store.save(tokens)
        return tokens

    def expire_all_access(self) -> None:
        with self.lock:
            for token in self.access:
                self.access[token] = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/oauth/token":
            return self._token(json.loads(request.content))
        bearer = request.headers.get("authorization", "")[7:]
        with self.lock:
            valid = self.access.get(bearer, 0) > time.time()
        if path == "/oauth/token/accessible-resources":
            return httpx.Response(200, json=self.sites) if valid else httpx.Response(401)
        if path.endswith("/needs-admin"):
            return httpx.Response(401, json=SCOPE_MISMATCH)
        if not valid:
            return httpx.Response(401, json={"code": 401, "message": "Unauthorized"})
        self.seen_on_api.append(bearer)
        if callable(self.on_api):
            self.on_api(request)
        return httpx.Response(200, json={"ok": True})

    def _token(self, body: dict[str, str]) -> httpx.Response:
        if body.get("client_secret") != "secret":
            return httpx.Response(
                401, json={"error": "access_denied", "error_description": "Unauthorized"}
            )
        if body["grant_type"] == "authorization_code":
            if body.get("code") != "good-code":
                return httpx.Response(
                    400,
                    json={
                        "error": "invalid_request",
                        "error_description": "authorization_code is invalid",
                    },
                )
            return httpx.Response(200, json=self.mint())
        if self.refresh_error is not None:
            status, error = self.refresh_error
            return httpx.Response(status, json=error)
        token = body["refresh_token"]
        with self.lock:
            self.refreshes += 1
            if token not in self.live_refresh:
                return httpx.Response(
                    403,
                    json={
                        "error": "invalid_grant",
                        "error_description": "Unknown or invalid refresh token.",
                    },
                )
            if self.live_refresh[token]:
                self.reused += 1
            self.live_refresh[token] = True
        return httpx.Response(200, json=self.mint())
