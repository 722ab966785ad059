"""The one async HTTP client: pagination, retries, the shared 429 gate, and counters.

Every request to Confluence goes through :class:`ConfluenceClient`, so it is the single place
that knows about cursors, ``Retry-After``, Atlassian's points quota and concurrency (the shared
gate and the header arithmetic it uses are in ``exporter.confluence.ratelimit``). Paths are given relative
to the ``/wiki`` context (``/api/v2/pages``, ``/rest/api/content/search``); pagination links,
which Confluence makes site-relative even behind the API gateway, are re-rooted on ``wiki_base``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpx

from exporter.confluence.media import (
    REDIRECTS,
    MediaFetcher,
    MediaRefused,
    MediaRetry,
    media_target,
)
from exporter.confluence.ratelimit import Gate
from exporter.confluence.retry import (
    Attempts,
    Failure,
    RetryPolicy,
    describe_transport,
    gave_up,
    quota_exhausted,
    status_failure,
)
from exporter.confluence.stats import ClientStats, RouteStats
from exporter.confluence.wire import Params, clean_params, next_link, next_step, redact
from exporter.errors import ApiError

__all__ = ["ClientStats", "ConfluenceClient", "RouteStats"]

log = logging.getLogger(__name__)

_ID_SEGMENT = re.compile(r"/(?:att)?\d+(?=/|$)")


class _Retry(Exception):
    """Internal: the attempt failed in a retryable way (``exporter.confluence.retry`` decides the wait)."""

    def __init__(self, failure: Failure) -> None:
        self.failure = failure
        super().__init__(failure.reason)


class ConfluenceClient:
    """Async client for one Confluence site (``wiki_base`` ends in ``/wiki``).

    Use as ``async with ConfluenceClient(...) as client``. ``stats`` counts what was spent.
    Retries follow ``exporter.confluence.retry.RetryPolicy``: ``max_attempts`` failures, ``max_wait`` the
    longest single ``Retry-After`` worth waiting for, ``retry_budget`` the total wait of one
    request (burst 429s with ``Retry-After`` are waited out within it).
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
        retry_budget: float = 900.0,
    ) -> None:
        self.wiki_base = wiki_base.rstrip("/")
        parts = urlsplit(self.wiki_base)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path
        self.policy = RetryPolicy(
            attempts=max(1, max_attempts),
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            budget_s=retry_budget,
            max_single_wait=max_wait,
        )
        self.stats = ClientStats()
        self._gate = Gate(concurrency)
        self._media = MediaFetcher(timeout=timeout, concurrency=concurrency, transport=transport)
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
        await self._media.aclose()

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
        query = clean_params(params)
        route = self._route("GET" if body is None else "POST", url)
        attempts = Attempts(self.policy)
        while True:
            try:
                response = await self._request(url, query, route, body)
                try:
                    data = json.loads(response.content)
                except ValueError as exc:
                    raise _Retry(Failure("body", f"truncated or invalid JSON ({exc})")) from exc
            except _Retry as retry:
                await self._wait_retry(retry.failure, attempts, route, url)
                continue
            self._count_points(route, data)
            return data, response.headers

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
            key = url + "?" + json.dumps(clean_params(query), sort_keys=True)
            if key in seen:
                log.warning("Pagination link repeats itself (%s); stopping this list", link)
                return
            seen.add(key)
            data, headers = await self._fetch_json(url, query)
            if not isinstance(data, dict):
                raise ApiError(f"Expected a JSON object from {redact(url)}, got a list or value.")
            for item in data.get("results") or []:
                yield item
            link = next_link(data, headers if header_links else None)
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

        ``path`` is the REST download route, which answers a redirect to the media host. The
        redirect is taken by hand and its target fetched by :class:`MediaFetcher`, which holds
        no credentials and no cookies. The length is checked against ``expected_size`` (the
        listed size) or Content-Length; a failed or short transfer is retried, rewriting ``fh``
        from the start, and a link the media host refuses (its token expired) is asked anew.
        """
        url = self.url(path)
        route = self._route("GET", url)
        attempts = Attempts(self.policy)
        target: str | None = None
        while True:
            fh.seek(0)
            fh.truncate()
            try:
                if target is None:
                    target, size = await self._download_link(url, route, fh, expected_size)
                    if target is None:
                        break  # served directly (no redirect): the bytes are in fh
                size = await self._media.fetch_into(target, fh, expected_size)
                break
            except MediaRetry as exc:
                if isinstance(exc, MediaRefused):
                    target = None
                failure = Failure(
                    "status" if exc.reason.startswith("HTTP") else "transport",
                    exc.reason,
                    exc.delay,
                )
                await self._wait_retry(failure, attempts, route, url)
            except _Retry as retry:
                await self._wait_retry(retry.failure, attempts, route, url)
            finally:
                self._count_media()
        self.stats.downloads += 1
        return size

    async def _download_link(
        self, url: str, route: str, fh: BinaryIO, expected: int | None
    ) -> tuple[str | None, int]:
        """Ask Confluence for a download: ``(media URL, 0)``, or ``(None, size)`` if it sent bytes."""
        await self._gate.acquire()
        size = 0
        try:
            self._count_request(route)
            try:
                async with self._http.stream("GET", url, follow_redirects=False) as response:
                    if response.status_code in REDIRECTS:
                        self._gate.ok()
                        self.stats.redirects += 1
                        self._add_points(route, 1)
                        return media_target(response.headers.get("Location"), url), 0
                    self._check_status(response, url)
                    declared = response.headers.get("Content-Length")
                    async for chunk in response.aiter_bytes(1 << 16):
                        fh.write(chunk)
                        size += len(chunk)
            except httpx.TransportError as exc:
                raise _Retry(Failure("transport", describe_transport(exc))) from exc
        finally:
            await self._gate.release()
            self.stats.bytes += size
            self.stats.route(route).bytes += size
        want = (
            expected if expected else (int(declared) if declared and declared.isdigit() else None)
        )
        if want is not None and size != want:
            raise _Retry(Failure("body", f"download was {size} bytes, expected {want}"))
        self._add_points(route, 1)
        return None, size

    def _count_media(self) -> None:
        self.stats.media_requests = self._media.requests
        self.stats.media_bytes = self._media.bytes
        self.stats.media_refused = self._media.refused

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
                raise _Retry(Failure("transport", describe_transport(exc))) from exc
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
        failure = status_failure(status, response.headers)
        if failure is not None:
            if failure.kind == "throttled":
                if (failure.delay or 0) > self.policy.max_single_wait:
                    raise quota_exhausted(failure, response.headers)
                pause = failure.delay if failure.delay is not None else self.policy.backoff(1)
                self._gate.pause(pause)
                self._gate.throttled()
            raise _Retry(failure)
        try:
            detail = response.text[:300]
        except httpx.ResponseNotRead:
            detail = ""
        raise ApiError(
            f"Confluence answered HTTP {status} to GET {redact(url)}: {detail.strip()} "
            + next_step(status),
            request=response.request,
            response=response,
        )

    async def _wait_retry(self, failure: Failure, attempts: Attempts, route: str, url: str) -> None:
        """Sleep before the next attempt, or raise once this request's retries are spent."""
        delay = attempts.delay_for(failure)
        if delay is None:
            raise gave_up("GET", url, failure, attempts)
        self.stats.retries += 1
        self.stats.route(route).retries += 1
        log.info("Retrying %s in %.1f s (%s)", route, delay, failure.reason)
        await asyncio.sleep(delay)

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
