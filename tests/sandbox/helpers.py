"""Clients and walkers shared by the sandbox tests."""

from __future__ import annotations

from typing import Any

import httpx

from exporter.sandbox import SandboxHandle

# one client (building SSL contexts per call is slow); idle connections dropped before the
# server's 5 s keep-alive closes them, so a reuse never races that close
HTTP = httpx.Client(timeout=10, verify=False, limits=httpx.Limits(keepalive_expiry=1.0))


def site_client(sb: SandboxHandle, prefix: str = "/wiki") -> httpx.Client:
    """Basic auth with the classic API token against the site paths."""
    return httpx.Client(
        base_url=sb.base_url + prefix,
        auth=(sb.ready["email"], sb.ready["api_token"]),
        timeout=10,
        verify=False,
    )


def download(client: httpx.Client, page_id: str, att_id: str, version: int | None = None):
    """Download one attachment as Cloud serves it: the REST route's 302, then the media host.

    The media URL is fetched with a bare client (no auth, no cookies), as a client must.
    """
    query = f"?version={version}" if version is not None else ""
    path = f"/rest/api/content/{page_id}/child/attachment/{att_id}/download{query}"
    redirect = client.get(path, follow_redirects=False)
    assert redirect.status_code == 302, (redirect.status_code, redirect.text)
    return HTTP.get(redirect.headers["location"])


def gateway_client(sb: SandboxHandle, token: str) -> httpx.Client:
    """Bearer auth against the gateway ``/ex/confluence/{cloudId}/wiki``."""
    base = f"{sb.base_url}/ex/confluence/{sb.ready['cloud_id']}/wiki"
    return httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10, verify=False
    )


def walk_v2(client: httpx.Client, sb: SandboxHandle, url: str) -> tuple[list[dict[str, Any]], int]:
    """Follow ``_links.next`` (origin-relative ``/wiki/api/v2/...``) to the end."""
    results: list[dict[str, Any]] = []
    calls = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        calls += 1
        assert response.status_code == 200, response.text
        body = response.json()
        results.extend(body["results"])
        nxt = body["_links"].get("next")
        if nxt:
            assert response.headers["link"] == f'<{nxt}>; rel="next"'
            next_url = sb.base_url + nxt
        else:
            assert "link" not in response.headers
            next_url = None
    return results, calls


def walk_v1(client: httpx.Client, url: str) -> tuple[list[dict[str, Any]], int]:
    """Follow v1 ``_links.next`` to the end.

    ``next`` is relative to the ``/wiki`` context; ``_links.base`` names the public site URL,
    not the loopback origin, so the link is re-rooted on the client's base, as our client does.
    """
    results: list[dict[str, Any]] = []
    calls = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        calls += 1
        assert response.status_code == 200, response.text
        body = response.json()
        results.extend(body["results"])
        assert body["size"] == len(body["results"])
        nxt = body["_links"].get("next")
        assert body["_links"]["base"].endswith("/wiki") or body["_links"]["context"] == ""
        next_url = str(client.base_url).rstrip("/") + nxt if nxt else None
    return results, calls
