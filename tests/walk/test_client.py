"""ConfluenceClient against httpx.MockTransport fakes: pagination, retries, the gate, counters."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from exporter.auth.httpauth import ApiTokenAuth, OAuthAuth
from exporter.auth.tokens import TokenSet
from exporter.confluence.client import ConfluenceClient
from exporter.errors import ApiError, NetworkUnavailable, RateLimited

GATEWAY = "https://api.example/ex/confluence/cid/wiki"


class FakeStore:
    """Stands in for the token file: these tests never refresh."""


def _tokens() -> TokenSet:
    now = time.time()
    return TokenSet(
        access_token="access-secret",
        refresh_token="refresh-secret",
        expires_at=now + 3600,
        last_refresh_at=now,
    )


def make_client(handler, base: str = GATEWAY, **kw) -> ConfluenceClient:
    kw.setdefault("backoff_base", 0.01)
    return ConfluenceClient(base, None, transport=httpx.MockTransport(handler), **kw)


def run(coro):
    return asyncio.run(coro)


async def collect(aiter) -> list:
    return [item async for item in aiter]


def test_v2_pagination_follows_link_header_rerooted_on_gateway():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        cursor = request.url.params.get("cursor")
        if cursor is None:
            return httpx.Response(
                200,
                json={"results": [1, 2], "_links": {}},
                headers={"Link": '</wiki/api/v2/pages?limit=2&cursor=b>; rel="next"'},
            )
        if cursor == "b":
            return httpx.Response(
                200,
                json={"results": [3], "_links": {"next": "/wiki/api/v2/pages?limit=2&cursor=c"}},
            )
        return httpx.Response(200, json={"results": [4], "_links": {}})

    async def go():
        async with make_client(handler) as client:
            return await collect(client.paginate_v2("/api/v2/pages", {"limit": 2}))

    assert run(go()) == [1, 2, 3, 4]
    assert all(url.startswith(GATEWAY + "/api/v2/pages") for url in seen)


def test_v1_pagination_keeps_going_after_short_and_empty_pages_until_next_is_absent():
    pages = {
        "0": ([1], "/rest/api/content/search?cql=x&cursor=1"),
        "1": ([], "/rest/api/content/search?cql=x&cursor=2"),
        "2": ([2, 3], None),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.startswith("/ex/confluence/cid/wiki/rest/api/")
        items, nxt = pages[request.url.params.get("cursor", "0")]
        links = {"base": "https://site/wiki", "context": "/wiki"}
        if nxt:
            links["next"] = nxt
        return httpx.Response(200, json={"results": items, "size": len(items), "_links": links})

    async def go():
        async with make_client(handler) as client:
            return await collect(client.paginate_v1("/rest/api/content/search", {"cql": "x"}))

    assert run(go()) == [1, 2, 3]


def test_v1_pagination_stops_when_an_empty_page_links_to_itself():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(
            200, json={"results": [], "_links": {"next": "/rest/api/space?limit=0&start=0"}}
        )

    async def go():
        async with make_client(handler) as client:
            return await collect(client.paginate_v1("/rest/api/space", {"limit": 0, "start": 0}))

    assert run(go()) == []
    assert calls <= 2


def test_429_with_retry_after_pauses_every_request_then_succeeds():
    state = {"limited": False}
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(time.monotonic())
        if request.url.path.endswith("/a") and not state["limited"]:
            state["limited"] = True
            return httpx.Response(429, headers={"Retry-After": "0.3"})
        return httpx.Response(200, json={"ok": True})

    async def go():
        async with make_client(handler, concurrency=4) as client:
            first = asyncio.create_task(client.get_json("/rest/api/a"))
            await asyncio.sleep(0.05)
            start = time.monotonic()
            await client.get_json("/rest/api/b")
            waited = time.monotonic() - start
            await first
            return client.stats, waited

    stats, waited = run(go())
    assert waited >= 0.2  # /b waited for the gate opened by /a's 429
    assert stats.retries == 1
    assert stats.requests == 3


def test_503_502_and_truncated_json_are_retried_and_counted():
    answers = [
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.Response(502),
        httpx.Response(200, content=b'{"results": [1,'),
        httpx.Response(200, json={"id": "1"}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    async def go():
        async with make_client(handler) as client:
            return await client.get_json("/api/v2/pages/1"), client.stats

    data, stats = run(go())
    assert data == {"id": "1"}
    assert stats.retries == 3
    assert stats.by_route["GET /api/v2/pages/{id}"].retries == 3


def test_connection_errors_are_retried_until_attempts_run_out_then_the_network_is_unavailable():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    async def go():
        async with make_client(handler, max_attempts=3) as client:
            await client.get_json("/api/v2/spaces")

    with pytest.raises(NetworkUnavailable) as info:
        run(go())
    assert calls == 3
    assert info.value.exit_code == 75 and info.value.host == "api.example"
    assert str(info.value).startswith("Cannot reach api.example (connection refused)")


def test_a_paced_burst_429_is_waited_out_beyond_max_attempts_within_the_budget():
    answers = [httpx.Response(429, headers={"Retry-After": "1"})] * 3

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop() if answers else httpx.Response(200, json={"ok": True})

    async def go():
        async with make_client(handler, max_attempts=2, concurrency=8) as client:
            return await client.get_json("/api/v2/spaces"), client

    data, client = run(go())
    assert data == {"ok": True}
    assert client.stats.retries == 3  # more than max_attempts: the server paced them
    assert client._gate.limit == 1  # each 429 halved the concurrency (8 -> 4 -> 2 -> 1)


def test_a_paced_burst_429_gives_up_with_rate_limited_once_the_wait_budget_is_spent():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "1"})

    async def go():
        async with make_client(handler, max_attempts=3, retry_budget=2.5) as client:
            await client.get_json("/api/v2/spaces")

    with pytest.raises(RateLimited, match="answered 429 .* 3 times over 2 s"):
        run(go())


def test_a_quota_429_is_not_paced_and_stops_after_max_attempts():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        headers = {"Retry-After": "1", "RateLimit-Reason": "confluence-quota-global-based"}
        return httpx.Response(429, headers=headers)

    async def go():
        async with make_client(handler, max_attempts=2, retry_budget=100) as client:
            await client.get_json("/api/v2/spaces")

    with pytest.raises(RateLimited):
        run(go())
    assert calls == 2


def test_404_is_not_retried_and_raises_api_error_with_response():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(404, json={"message": "nope"})

    async def go():
        async with make_client(handler) as client:
            await client.get_json("/api/v2/pages/9")

    with pytest.raises(ApiError) as info:
        run(go())
    assert calls == 1
    assert info.value.status_code == 404


def test_429_beyond_max_wait_raises_rate_limited():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "1800"})

    async def go():
        async with make_client(handler, max_wait=60) as client:
            await client.get_json("/api/v2/spaces")

    with pytest.raises(RateLimited) as info:
        run(go())
    assert info.value.retry_after == 1800


def test_near_limit_header_halves_concurrency():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={}, headers={"X-RateLimit-NearLimit": "true"})

    async def go():
        async with make_client(handler, concurrency=8) as client:
            await client.get_json("/api/v2/spaces")
            return client._gate.limit

    assert run(go()) == 4


DOWNLOAD = "/rest/api/content/1/child/attachment/att2/download"
MEDIA = "https://api.media.example/file/f-1/binary"


def test_download_follows_the_redirect_to_the_media_host_and_retries_a_short_body(
    tmp_path: Path,
):
    bodies = [b"abc", b"abcdef"]
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "api.example":
            assert request.url.path == "/ex/confluence/cid/wiki" + DOWNLOAD
            return httpx.Response(302, headers={"Location": MEDIA + "?token=t&client=c"})
        assert request.url.params["token"] == "t"
        return httpx.Response(200, content=bodies.pop(0))

    async def go():
        async with make_client(handler) as client:
            size = await client.download(DOWNLOAD, tmp_path / "a.bin", 6)
            return size, client.stats

    size, stats = run(go())
    assert size == 6
    assert (tmp_path / "a.bin").read_bytes() == b"abcdef"
    assert not list(tmp_path.glob(".*.part"))
    assert seen == ["api.example", "api.media.example", "api.media.example"]  # link reused
    assert stats.retries == 1 and stats.downloads == 1
    assert stats.requests == 1 and stats.redirects == 1 and stats.media_requests == 2
    assert stats.points == 1 and stats.media_bytes == 9


@pytest.mark.parametrize(
    "auth",
    [
        ApiTokenAuth("me@example.com", "api-token-secret"),
        OAuthAuth(FakeStore(), None, _tokens(), skew_s=0),  # type: ignore[arg-type]
    ],
    ids=["api token", "oauth"],
)
def test_download_never_sends_authorization_or_cookies_to_the_media_host(auth, tmp_path: Path):
    media_headers: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.example":
            assert request.headers["Authorization"]
            # Atlassian sets session cookies on API answers; they must stay with the API.
            return httpx.Response(
                302,
                headers={"Location": MEDIA + "?token=t", "Set-Cookie": "cloud.session=s; Path=/"},
            )
        media_headers.append(request.headers)
        return httpx.Response(200, content=b"data")

    async def go():
        client = ConfluenceClient(GATEWAY, auth, transport=httpx.MockTransport(handler))
        async with client:
            await client.download(DOWNLOAD, tmp_path / "a.bin", 4)

    run(go())
    assert len(media_headers) == 1
    sent = {k.lower() for k in media_headers[0]}
    assert "authorization" not in sent and "cookie" not in sent
    assert not any(
        "api-token-secret" in v or "access-secret" in v for v in media_headers[0].values()
    )


def test_download_asks_confluence_again_when_the_media_link_expired(tmp_path: Path):
    tokens = iter(["old", "new"])
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.example":
            token = next(tokens)
            asked.append(token)
            return httpx.Response(302, headers={"Location": f"{MEDIA}?token={token}"})
        if request.url.params["token"] == "old":
            return httpx.Response(401, json={"error": {"code": "JwtUnauthorized"}})
        return httpx.Response(200, content=b"data")

    async def go():
        async with make_client(handler) as client:
            await client.download(DOWNLOAD, tmp_path / "a.bin", 4)
            return client.stats

    stats = run(go())
    assert asked == ["old", "new"] and stats.media_refused == 1 and stats.redirects == 2
    assert (tmp_path / "a.bin").read_bytes() == b"data"


def test_download_answered_with_bytes_directly_needs_no_media_request(tmp_path: Path):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "api.example"
        return httpx.Response(200, content=b"direct")

    async def go():
        async with make_client(handler) as client:
            size = await client.download(DOWNLOAD, tmp_path / "a.bin")
            return size, client.stats

    size, stats = run(go())
    assert size == 6 and (tmp_path / "a.bin").read_bytes() == b"direct"
    assert stats.requests == 1 and stats.media_requests == 0 and stats.downloads == 1


@pytest.mark.parametrize(
    "location", ["http://api.media.example/file/x/binary", "https://user:pw@evil.example/x"]
)
def test_download_refuses_a_redirect_that_downgrades_or_carries_credentials(
    location: str, tmp_path: Path
):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "api.example", "the unsafe target must not be fetched"
        return httpx.Response(302, headers={"Location": location})

    async def go():
        async with make_client(handler) as client:
            await client.download(DOWNLOAD, tmp_path / "a.bin")

    with pytest.raises(ApiError, match="redirected a download"):
        run(go())


def test_points_estimate_counts_returned_objects_and_users_double():
    def handler(request: httpx.Request) -> httpx.Response:
        if "user" in request.url.path:
            return httpx.Response(200, json={"results": [{}, {}]})
        return httpx.Response(200, json={"results": [{}, {}, {}]})

    async def go():
        async with make_client(handler) as client:
            await client.get_json("/api/v2/pages")
            await client.get_json("/rest/api/user/bulk")
            return client.stats.points

    assert run(go()) == (1 + 3) + (1 + 2 * 2)


def test_site_style_base_maps_wiki_links():
    client = ConfluenceClient("http://127.0.0.1:9/wiki", None)
    gw = ConfluenceClient(GATEWAY, None)
    run(client.aclose())
    run(gw.aclose())
    assert (
        client.url("/wiki/api/v2/pages?cursor=x") == "http://127.0.0.1:9/wiki/api/v2/pages?cursor=x"
    )
    assert client.url("/rest/api/space?start=1") == "http://127.0.0.1:9/wiki/rest/api/space?start=1"
    assert client.url("http://127.0.0.1:9/wiki/api/v2/x") == "http://127.0.0.1:9/wiki/api/v2/x"
    assert gw.url("https://site.example/wiki/api/v2/x") == GATEWAY + "/api/v2/x"


def test_429_on_every_attempt_raises_rate_limited_not_api_error():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "0"})

    async def go():
        async with make_client(handler, max_attempts=3) as client:
            await client.get_json("/api/v2/spaces")

    with pytest.raises(RateLimited, match="again later"):
        run(go())


def test_gate_lets_every_waiter_through_without_exceeding_the_limit():
    from exporter.confluence.ratelimit import Gate

    async def go() -> tuple[int, int]:
        gate = Gate(4)
        running = peak = 0

        async def one() -> None:
            nonlocal running, peak
            await gate.acquire()
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0)
            running -= 1
            await gate.release()

        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(200))), timeout=10)
        return peak, gate.active

    peak, active = run(go())
    assert peak == 4
    assert active == 0
