"""The one async HTTP client: pagination, retries, the shared 429 gate, and counters.

Every request to Confluence goes through :class:`ConfluenceClient`, so it is the single place
that knows about cursors, ``Retry-After``, Atlassian's points quota and concurrency (the shared
gate and the header arithmetic it uses are in ``exporter.ratelimit``). Paths are given relative
to the ``/wiki`` context (``/api/v2/pages``, ``/rest/api/content/search``); pagination links,
which Confluence makes site-relative even behind the API gateway, are re-rooted on ``wiki_base``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpx

from exporter.counters import ClientStats, RouteStats
from exporter.errors import ApiError, RateLimited
from exporter.ratelimit import Gate, retry_after

__all__ = ["ClientStats", "ConfluenceClient", "RouteStats"]

log = logging.getLogger(__name__)

Params = Mapping[str, str | int | float | bool | None]

# 500 is retried too: every request here is an idempotent GET, and Confluence Cloud answers
# transient 500s under load (the sandbox's fault injection does the same).
RETRY_STATUSES = {429, 500, 502, 503, 504}
_ID_SEGMENT = re.compile(r"/(?:att)?\d+(?=/|$)")
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class _Retry(Exception):
    """Internal: the attempt failed in a retryable way; wait ``delay`` (None: backoff)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        self.reason = reason
        self.delay = delay
        super().__init__(reason)


class ConfluenceClient:
    """Async client for one Confluence site (``wiki_base`` ends in ``/wiki``).

    Use as ``async with ConfluenceClient(...) as client``. ``stats`` counts what was spent.
    """

    def __init__(
        self,
        wiki_base: str,
        auth: httpx.Auth | None,
        *,
        concurrency: int = 8,
        timeout: float = 30,
        transport: httpx.AsyncBaseTransport | None = None,
        max_attempts: int = 6,
        max_wait: float = 60.0,
        backoff_base: float = 1.5,
        backoff_cap: float = 30.0,
    ) -> None:
        self.wiki_base = wiki_base.rstrip("/")
        parts = urlsplit(self.wiki_base)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path
        self.max_attempts = max(1, max_attempts)
        self.max_wait = max_wait
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.stats = ClientStats()
        self._gate = Gate(concurrency)
        self._http = httpx.AsyncClient(
            auth=auth,
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            headers={"Accept": "application/json", "User-Agent": "confluence-export"},
            limits=httpx.Limits(
                max_connections=max(1, concurrency), max_keepalive_connections=max(1, concurrency)
            ),
        )

    @property
    def concurrency(self) -> int:
        """The most requests this client runs at once (callers size their own pools by it)."""
        return self._gate.max

    async def __aenter__(self) -> ConfluenceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- URLs ---------------------------------------------------------------------------------

    def url(self, link: str) -> str:
        """Absolute URL for a path or link, re-rooted on ``wiki_base``.

        Accepts ``/api/v2/...`` or ``/rest/api/...`` (relative to the ``/wiki`` context, as v1
        ``_links.next`` are), site-relative ``/wiki/...`` (v2 links), and absolute URLs.
        """
        if "://" in link:
            parts = urlsplit(link)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(self._base_path + "/") and self._base_path:
                return self._origin + path
            link = path
        if link == "/wiki" or link.startswith("/wiki/") or link.startswith("/wiki?"):
            link = link[5:]
        if not link.startswith("/"):
            link = "/" + link
        return self.wiki_base + link

    def _route(self, method: str, url: str) -> str:
        path = urlsplit(url).path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :]
        if path.startswith("/download/"):
            return f"{method} /download"
        return f"{method} {_ID_SEGMENT.sub('/{id}', path)}"

    # -- requests -----------------------------------------------------------------------------

    async def get_json(self, path: str, params: Params | None = None) -> Any:
        """GET a JSON document, with retries; raises ApiError or RateLimited."""
        data, _ = await self._fetch_json(self.url(path), params)
        return data

    async def post_json(self, path: str, body: Any) -> Any:
        """POST a JSON body to a read-only lookup (v2 ``users-bulk``), retried like a GET."""
        data, _ = await self._fetch_json(self.url(path), None, body)
        return data

    async def _fetch_json(
        self, url: str, params: Params | None, body: Any = None
    ) -> tuple[Any, httpx.Headers]:
        query = _clean(params)
        route = self._route("GET" if body is None else "POST", url)
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = await self._request(url, query, route, body)
                try:
                    data = json.loads(response.content)
                except ValueError as exc:
                    raise _Retry(f"truncated or invalid JSON ({exc})") from exc
            except _Retry as retry:
                await self._wait_retry(retry, attempt, route, url)
                continue
            self._count_points(route, data)
            return data, response.headers
        raise AssertionError("unreachable")

    async def paginate_v2(self, path: str, params: Params | None = None) -> AsyncIterator[Any]:
        """Yield every item of a v2 list, following ``Link: rel=next`` or ``_links.next``."""
        async for item in self._paginate(path, params, header_links=True):
            yield item

    async def paginate_v1(self, path: str, params: Params | None = None) -> AsyncIterator[Any]:
        """Yield every item of a v1 list or search, following ``_links.next`` until it is absent."""
        async for item in self._paginate(path, params, header_links=False):
            yield item

    async def _paginate(
        self, path: str, params: Params | None, *, header_links: bool
    ) -> AsyncIterator[Any]:
        link: str | None = path
        query: Params | None = params
        seen: set[str] = set()
        while link:
            url = self.url(link)
            key = url + "?" + json.dumps(_clean(query), sort_keys=True)
            if key in seen:
                log.warning("Pagination link repeats itself (%s); stopping this list", link)
                return
            seen.add(key)
            data, headers = await self._fetch_json(url, query)
            if not isinstance(data, dict):
                raise ApiError(f"Expected a JSON object from {_redact(url)}, got a list or value.")
            for item in data.get("results") or []:
                yield item
            link = _next_link(data, headers if header_links else None)
            query = None

    async def download(self, path: str, dest_file: Path, expected_size: int | None = None) -> int:
        """Stream an attachment to ``dest_file`` through a temp file; returns the byte count."""
        dest_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest_file.with_name(f".{dest_file.name}.part")
        try:
            with open(tmp, "wb") as fh:
                size = await self.download_into(path, fh, expected_size)
            os.replace(tmp, dest_file)
        finally:
            tmp.unlink(missing_ok=True)
        return size

    async def download_into(self, path: str, fh: BinaryIO, expected_size: int | None = None) -> int:
        """Stream an attachment into an open binary file (never whole in memory).

        The length is checked against ``expected_size`` (the listed size) or Content-Length;
        a short body is retried like a dropped connection, rewriting ``fh`` from the start.
        """
        url = self.url(path)
        route = self._route("GET", url)
        for attempt in range(1, self.max_attempts + 1):
            fh.seek(0)
            fh.truncate()
            try:
                size = await self._download_once(url, route, fh, expected_size)
            except _Retry as retry:
                await self._wait_retry(retry, attempt, route, url)
                continue
            self.stats.downloads += 1
            self._add_points(route, 2)
            return size
        raise AssertionError("unreachable")

    async def _download_once(self, url: str, route: str, fh: BinaryIO, expected: int | None) -> int:
        await self._gate.acquire()
        size = 0
        try:
            self._count_request(route)
            try:
                async with self._http.stream("GET", url) as response:
                    self._check_status(response, url)
                    declared = response.headers.get("Content-Length")
                    async for chunk in response.aiter_bytes(1 << 16):
                        fh.write(chunk)
                        size += len(chunk)
            except httpx.TransportError as exc:
                raise _Retry(f"connection error: {exc!r}") from exc
        finally:
            await self._gate.release()
            self.stats.bytes += size
            self.stats.route(route).bytes += size
        want = (
            expected if expected else (int(declared) if declared and declared.isdigit() else None)
        )
        if want is not None and size != want:
            raise _Retry(f"download was {size} bytes, expected {want}")
        return size

    async def _request(
        self, url: str, query: Params | None, route: str, body: Any = None
    ) -> httpx.Response:
        await self._gate.acquire()
        try:
            self._count_request(route)
            try:
                response = await self._http.request(
                    route.split(" ", 1)[0], url, params=dict(query or {}) or None, json=body
                )
            except httpx.TransportError as exc:
                raise _Retry(f"connection error: {exc!r}") from exc
        finally:
            await self._gate.release()
        self.stats.bytes += len(response.content)
        self.stats.route(route).bytes += len(response.content)
        self._check_status(response, url)
        return response

    def _check_status(self, response: httpx.Response, url: str) -> None:
        """Raise _Retry for retryable answers, ApiError for the others; note rate headers."""
        if response.headers.get("X-RateLimit-NearLimit", "").lower() == "true":
            self._gate.near_limit()
        status = response.status_code
        if status < 400:
            self._gate.ok()
            return
        if status in RETRY_STATUSES:
            delay = retry_after(response.headers) if status in (429, 503) else None
            if status == 429:
                if delay is not None and delay > self.max_wait:
                    raise RateLimited(
                        f"Confluence's rate limit is exhausted for {delay:.0f} s "
                        f"(RateLimit-Reason: {response.headers.get('RateLimit-Reason', 'n/a')}). "
                        "State is saved: run the export again later.",
                        retry_after=delay,
                    )
                self._gate.pause(delay if delay is not None else self._backoff(1))
            raise _Retry(f"HTTP {status}", delay)
        try:
            detail = response.text[:300]
        except httpx.ResponseNotRead:
            detail = ""
        raise ApiError(
            f"Confluence answered HTTP {status} to GET {_redact(url)}: {detail.strip()} "
            + _next_step(status),
            request=response.request,
            response=response,
        )

    async def _wait_retry(self, retry: _Retry, attempt: int, route: str, url: str) -> None:
        if attempt >= self.max_attempts:
            if retry.reason == "HTTP 429":
                raise RateLimited(
                    f"GET {_redact(url)} was answered 429 (rate limited) {attempt} times. "
                    "State is saved: run the export again later.",
                    retry_after=retry.delay,
                )
            raise ApiError(
                f"GET {_redact(url)} failed {attempt} times (last: {retry.reason}). "
                "Confluence may be unavailable; run the export again later (it resumes)."
            )
        delay = retry.delay if retry.delay is not None else self._backoff(attempt)
        self.stats.retries += 1
        self.stats.route(route).retries += 1
        log.info("Retrying %s in %.1f s (%s)", route, delay, retry.reason)
        await asyncio.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return base * random.uniform(0.7, 1.3)

    # -- counting -----------------------------------------------------------------------------

    def _count_request(self, route: str) -> None:
        self.stats.requests += 1
        self.stats.route(route).requests += 1

    def _count_points(self, route: str, data: Any) -> None:
        per_object = 2 if "/user" in route else 1
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            objects = len(data["results"])
        elif isinstance(data, list):
            objects = len(data)
        else:
            objects = 1
        self._add_points(route, 1 + per_object * objects)

    def _add_points(self, route: str, points: int) -> None:
        self.stats.points += points
        self.stats.route(route).points += points


def _clean(params: Params | None) -> dict[str, str | int | float | bool]:
    if not params:
        return {}
    return {k: v for k, v in params.items() if v is not None}


def _next_link(data: dict[str, Any], headers: httpx.Headers | None) -> str | None:
    """The next page's link from the body's ``_links.next`` or a ``Link: rel=next`` header."""
    links = data.get("_links")
    nxt = links.get("next") if isinstance(links, dict) else None
    if not nxt and headers is not None:
        match = _LINK_NEXT.search(headers.get("Link", ""))
        nxt = match.group(1) if match else None
    return str(nxt) if nxt else None


def _redact(url: str) -> str:
    return url.split("?", 1)[0]


def _next_step(status: int) -> str:
    if status == 401:
        return "Check the credentials (run `confluence-export check`)."
    if status == 403:
        return "The account lacks permission or a scope; run `confluence-export check`."
    if status == 404:
        return "The item does not exist or is not visible to this account."
    return "If this persists, run with -vv and report it."
