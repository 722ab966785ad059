"""Fetching attachment bytes from Atlassian's media host, without Confluence credentials.

Confluence Cloud serves attachments only through the REST route
``/rest/api/content/{pageId}/child/attachment/{attId}/download``, which answers a 302 to
``https://api.media.atlassian.com/file/<fileId>/binary?token=<JWT>&...``; the token in the query
is the whole authentication there (reference section 9; the ``/download/attachments/`` servlet
answers 401 to API callers since 2026, changelog CHANGE-2735/CHANGE-3007). The Confluence client
takes that redirect by hand and hands the ``Location`` to :class:`MediaFetcher`, a separate
httpx client with no auth and a cookie jar that stores nothing, so neither ``Authorization``,
cookies nor the API token can reach another origin, whatever httpx's redirect rules are.
"""

from __future__ import annotations

import ipaddress
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import httpx

from exporter.confluence.ratelimit import retry_after
from exporter.errors import ApiError

__all__ = ["MediaFetcher", "MediaRefused", "MediaRetry", "media_target"]

REDIRECTS = {301, 302, 303, 307, 308}
_RETRY = {429, 500, 502, 503, 504}


class MediaRetry(Exception):
    """The media host failed in a retryable way (connection, 5xx, 429, short body)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class MediaRefused(MediaRetry):
    """The media host refused the link (401/403: its token expired): ask Confluence again."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def media_target(location: str | None, request_url: str) -> str:
    """The absolute URL a download redirect points to, refused unless it is safe to fetch.

    It must be HTTPS (plain HTTP only on loopback, for the sandbox) and carry no user info:
    a redirect that would downgrade the transfer or smuggle credentials is an error, not a
    download.
    """
    if not location:
        raise ApiError(
            f"Confluence answered a redirect without a Location to {request_url.split('?')[0]}. "
            "If this persists, run with -vv and report it."
        )
    target = urljoin(request_url, location)
    parts = urlsplit(target)
    host = parts.hostname or ""
    if parts.username or parts.password or not host:
        raise ApiError(f"Confluence redirected a download to a malformed URL ({host or '?'}).")
    if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(host)):
        raise ApiError(
            f"Confluence redirected a download to {parts.scheme}://{host}, not HTTPS; refusing "
            "to fetch it. Check `api.endpoints` and any proxy in between."
        )
    return target


class MediaFetcher:
    """An un-authenticated, cookie-less client for media-host URLs; counts what it fetched."""

    def __init__(
        self,
        *,
        timeout: float,
        concurrency: int,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self._http = httpx.AsyncClient(
            auth=None,
            cookies=httpx.Cookies(no_cookies),
            timeout=timeout,
            transport=transport,
            follow_redirects=True,  # a CDN hop stays inside this credential-free client
            headers={"User-Agent": "confluence-export"},
            limits=httpx.Limits(
                max_connections=max(1, concurrency), max_keepalive_connections=max(1, concurrency)
            ),
        )
        self.requests = 0
        self.bytes = 0
        self.refused = 0

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def fetch_into(self, url: str, fh: BinaryIO, expected: int | None) -> int:
        """Stream ``url`` into ``fh``; the length must match ``expected`` or Content-Length."""
        self.requests += 1
        size = 0
        declared = None
        try:
            async with self._http.stream("GET", url) as response:
                status = response.status_code
                if status in (401, 403):
                    self.refused += 1
                    # Ask for a fresh link at once: waiting would not revive this one.
                    raise MediaRefused(f"media host answered HTTP {status} (expired link)", 0.0)
                if status in _RETRY:
                    delay = retry_after(response.headers) if status in (429, 503) else None
                    raise MediaRetry(f"media host answered HTTP {status}", delay)
                if status >= 400:
                    await response.aread()
                    raise ApiError(
                        f"The media host answered HTTP {status} to {url.split('?')[0]}: "
                        f"{response.text[:200].strip()}",
                        request=response.request,
                        response=response,
                    )
                declared = response.headers.get("Content-Length")
                async for chunk in response.aiter_bytes(1 << 16):
                    fh.write(chunk)
                    size += len(chunk)
        except httpx.TransportError as exc:
            raise MediaRetry(f"media host connection error: {exc!r}") from exc
        finally:
            self.bytes += size
        want = (
            expected if expected else (int(declared) if declared and declared.isdigit() else None)
        )
        if want is not None and size != want:
            raise MediaRetry(f"download was {size} bytes, expected {want}")
        return size
