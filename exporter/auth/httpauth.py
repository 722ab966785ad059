"""Authentication as ``httpx.Auth`` objects: OAuth 2.0 (3LO) Bearer with refresh, and API tokens.

:class:`OAuthAuth` attaches the access token, refreshes it shortly before it expires, and on a
401 refreshes once and retries. Concurrent requests that meet the same expiry cause one refresh:
an asyncio lock (per event loop) and a thread lock guard a generation counter, so waiters see
that the generation moved on and reuse the new token. The refresh itself runs under the token
file's cross-process lock (:meth:`TokenStore.rotate`), which persists the rotated refresh token
before the new access token is used. ``exporter.auth.connect.connect`` builds these.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import threading
import weakref
from collections.abc import AsyncGenerator, Generator

import httpx

from exporter.auth.oauth import TokenEndpoint
from exporter.auth.tokens import TokenSet, TokenStore
from exporter.errors import AuthError, LoginRequired, ScopeMissing
from exporter.logs import register_secret

__all__ = ["ApiTokenAuth", "OAuthAuth", "needed_scopes", "scope_error"]

log = logging.getLogger(__name__)

_DOWNLOAD = "readonly:content.attachment:confluence"  # classic only (reference section 9)

# Path (relative to /wiki, ids removed) → the scopes Atlassian checks for it: granular on v2,
# classic on v1 (confluence-api.md 1.8, 9). First match wins. exporter.confluence.access holds what an
# export needs; this table only names the scope in a "scope does not match" error.
_SCOPE_TABLE: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), scopes)
    for pattern, scopes in (
        (r"/api/v2/.*/attachments|/api/v2/attachments", ("read:attachment:confluence",)),
        (r"/api/v2/.*/ancestors", ("read:content.metadata:confluence",)),
        (r"/api/v2/.*/direct-children", ("read:hierarchical-content:confluence",)),
        (r"/api/v2/folders", ("read:folder:confluence",)),
        (r"/api/v2/labels", ("read:label:confluence",)),
        (r"/api/v2/spaces/[^/]+/(pages|blogposts)", ("read:page:confluence",)),
        (r"/api/v2/spaces", ("read:space:confluence",)),
        (r"/api/v2/users", ("read:user:confluence",)),
        (r"/api/v2/", ("read:page:confluence",)),
        (r"/rest/api/(content/)?search", ("search:confluence",)),
        (r"/rest/api/space", ("read:confluence-space.summary",)),
        (r"/rest/api/content/.*/child/attachment/.*/download", (_DOWNLOAD,)),
        (r"/rest/api/content/.*/child/attachment", ("read:confluence-content.summary",)),
        (r"/rest/api/user", ("read:confluence-user",)),
        (r"/rest/api/content", ("read:confluence-content.summary", "read:confluence-content.all")),
        (r"/download/", (_DOWNLOAD,)),
    )
)


def needed_scopes(path: str) -> tuple[str, ...]:
    """The scopes an endpoint needs, from its URL path (for error messages and ``check``)."""
    rest = path.split("/wiki", 1)[1] if "/wiki/" in path else path
    for pattern, scopes in _SCOPE_TABLE:
        if pattern.search(rest):
            return scopes
    return ()


_OAUTH_FIX = (
    "Add it to the app in the Atlassian developer console (Permissions), then run "
    "`confluence-export login` again."
)
_TOKEN_FIX = "Create a scoped API token that includes it and update auth.api_token."


def scope_error(
    request: httpx.Request, response: httpx.Response, fix: str = _OAUTH_FIX
) -> ScopeMissing | None:
    """``ScopeMissing`` when ``response`` is the gateway's "scope does not match" 401."""
    if response.status_code != 401 or "scope does not match" not in response.text.lower():
        return None
    scopes = needed_scopes(request.url.path) or ("see docs/setup.md for the list",)
    if "/rest/api/" in request.url.path and "body" in request.url.params.get("expand", ""):
        scopes = (*scopes, "read:confluence-content.all")  # v1 bodies take it too
    return ScopeMissing(
        f"Atlassian refused {request.method} {request.url.path}: the token lacks a scope "
        f"({', '.join(scopes)}). {fix}"
    )


class OAuthAuth(httpx.Auth):
    """Bearer auth from the token file, refreshing proactively and once on a 401."""

    def __init__(
        self,
        store: TokenStore,
        endpoint: TokenEndpoint,
        tokens: TokenSet | None = None,
        *,
        skew_s: float = 60.0,
    ) -> None:
        self.store = store
        self.endpoint = endpoint
        self._tokens = tokens if tokens is not None else store.require()
        self.skew_s = skew_s
        self._generation = 0
        self._thread_lock = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        register_secret(self._tokens.access_token)
        register_secret(self._tokens.refresh_token)

    def __repr__(self) -> str:
        return f"OAuthAuth({self.store!r})"

    @property
    def tokens(self) -> TokenSet:
        """The tokens in use now (after any refresh)."""
        return self._tokens

    @property
    def generation(self) -> int:
        """How many refreshes this object has done or adopted."""
        return self._generation

    def _margin(self) -> float:
        """Refresh this many seconds before expiry: a minute, or a quarter of a short lifetime."""
        lifetime = self._tokens.expires_at - self._tokens.last_refresh_at
        return min(self.skew_s, max(lifetime, 0.0) / 4)

    def _refresh_blocking(self, generation: int) -> None:
        with self._thread_lock:
            if self._generation != generation:
                return  # another request already refreshed; reuse its token
            stale = self._tokens.access_token
            fresh = self.store.rotate(stale, self.endpoint.refresh, min_valid_s=self._margin())
            self._tokens = fresh
            self._generation += 1

    async def _refresh_async(self, generation: int) -> None:
        loop = asyncio.get_running_loop()
        lock = self._loop_locks.setdefault(loop, asyncio.Lock())
        async with lock:
            if self._generation != generation:
                return
            await asyncio.to_thread(self._refresh_blocking, generation)

    def _authorize(self, request: httpx.Request) -> int:
        # The generation is read before the token: a refresh in another thread sets the token
        # and then the generation, so a request never pairs an old token with a new generation
        # (which would let its 401 start a second refresh).
        generation = self._generation
        request.headers["Authorization"] = f"Bearer {self._tokens.access_token}"
        return generation

    def _after_retry(self, request: httpx.Request, response: httpx.Response) -> None:
        error = scope_error(request, response)
        if error is not None:
            raise error
        if response.status_code == 401:
            raise LoginRequired(
                f"Atlassian refused a freshly refreshed access token ({request.method} "
                f"{request.url.path} answered 401). Run `confluence-export login`."
            )

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        if self._tokens.expires_within(self._margin()):
            self._refresh_blocking(self._generation)
        generation = self._authorize(request)
        response = yield request
        if response.status_code != 401:
            return
        response.read()
        error = scope_error(request, response)
        if error is not None:
            raise error  # refreshing cannot add a scope
        self._refresh_blocking(generation)
        self._authorize(request)
        response = yield request
        if response.status_code == 401:
            response.read()
            self._after_retry(request, response)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._tokens.expires_within(self._margin()):
            await self._refresh_async(self._generation)
        generation = self._authorize(request)
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        error = scope_error(request, response)
        if error is not None:
            raise error
        await self._refresh_async(generation)
        self._authorize(request)
        response = yield request
        if response.status_code == 401:
            await response.aread()
            self._after_retry(request, response)


class ApiTokenAuth(httpx.Auth):
    """Basic auth with an email and an API token (classic on the site, scoped via the gateway)."""

    def __init__(self, email: str, api_token: str) -> None:
        credentials = base64.b64encode(f"{email}:{api_token}".encode()).decode()
        register_secret(api_token)
        register_secret(credentials)
        self._header = f"Basic {credentials}"
        self.email = email

    def __repr__(self) -> str:
        return f"ApiTokenAuth(email={self.email!r})"

    def _check(self, request: httpx.Request, response: httpx.Response) -> None:
        error = scope_error(request, response, _TOKEN_FIX)
        if error is not None:
            raise error
        if response.status_code == 401:
            raise AuthError(
                f"Atlassian refused the API token for {self.email} ({request.method} "
                f"{request.url.path} answered 401). Create a new token at "
                "https://id.atlassian.com/manage-profile/security/api-tokens and update "
                "auth.api_token (or CONFLUENCE_API_TOKEN)."
            )

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = self._header
        response = yield request
        if response.status_code == 401:
            response.read()
            self._check(request, response)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = self._header
        response = yield request
        if response.status_code == 401:
            await response.aread()
            self._check(request, response)
