"""Rate limits, points and faults over real HTTP: 429, 503, resets, truncation, latency."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest

from exporter.sandbox import SandboxHandle

from .conftest import TINY
from .helpers import HTTP, download, site_client


def test_burst_bucket_answers_429_with_rate_limit_headers(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(seed=TINY, rate_limit_burst=3)
    with site_client(sb) as client:
        responses = [client.get("/api/v2/spaces") for _ in range(10)]
        assert [r.status_code for r in responses[:3]] == [200, 200, 200]
        limited = next(r for r in responses if r.status_code == 429)
        assert limited.headers["retry-after"] == "1"
        assert limited.headers["x-ratelimit-limit"] == "3"
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert limited.headers["ratelimit-reason"]
        time.sleep(1.05)
        assert client.get("/api/v2/spaces").status_code == 200


def test_points_cost_base_plus_objects_plus_users(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    tiny.reset_stats()
    client.get("/api/v2/spaces")  # 1 + 2 spaces
    home = str(tiny.store.spaces["DOC"].homepage_id)
    client.get(f"/rest/api/content/{home}?expand=version,ancestors,metadata.labels")  # 1 + 1
    client.get(f"/rest/api/user?accountId={next(iter(tiny.store.users))}")  # 1 + 2
    att = tiny.store.content[home].attachments[0]
    assert download(client, home, att).status_code == 200  # 1 for the redirect, media free
    stats = tiny.stats()
    assert stats["points"] == 3 + 2 + 3 + 1
    assert stats["requests"] == 4
    assert stats["by_route"]["GET /wiki/api/v2/spaces"] == 1
    assert stats["by_route"]["GET /wiki/rest/api/content/{id}/child/attachment/{att}/download"] == 1
    assert stats["status"] == {"200": 3, "302": 1}
    assert stats["bytes_out"] > 0
    assert stats["media"]["requests"] == 1 and stats["media"]["bytes_out"] > 0


def test_points_budget_exhausted_answers_429_until_the_hour_turns(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(seed=TINY, points_per_hour=10)
    with site_client(sb) as client:
        first = client.get("/api/v2/spaces")
        assert first.headers["x-ratelimit-limit"] == "10"
        assert first.headers["x-ratelimit-remaining"] == "7"
        for _ in range(3):
            client.get("/api/v2/spaces")
        limited = client.get("/api/v2/spaces")
        assert limited.status_code == 429
        assert limited.headers["ratelimit-reason"] == "confluence-quota-global-based"
        assert 1 <= int(limited.headers["retry-after"]) <= 3600
        assert limited.headers["x-ratelimit-nearlimit"] == "true"
        assert limited.headers["x-ratelimit-reset"].endswith("Z")
        sb.advance_clock(3600)
        assert client.get("/api/v2/spaces").status_code == 200


def test_injected_503_carries_retry_after(tiny: SandboxHandle, client: httpx.Client) -> None:
    tiny.inject("503", count=2, retry_after=1)
    assert [client.get("/api/v2/spaces").status_code for _ in range(3)] == [503, 503, 200]
    tiny.inject("503", retry_after=2)
    assert client.get("/api/v2/spaces").headers["retry-after"] == "2"
    assert tiny.stats()["faults"]["503"] == 3


def test_faults_can_be_queued_over_http(tiny: SandboxHandle, client: httpx.Client) -> None:
    HTTP.post(
        f"{tiny.base_url}/__sandbox/faults", json={"kind": "429", "count": 1, "retry_after": 5}
    )
    response = client.get("/api/v2/spaces")
    assert response.status_code == 429 and response.headers["retry-after"] == "5"


@pytest.mark.parametrize("kind", ["reset", "truncate"])
def test_connection_faults_break_the_response(
    tiny: SandboxHandle, client: httpx.Client, kind: str
) -> None:
    tiny.inject(kind)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get("/api/v2/spaces")
    assert client.get("/api/v2/spaces").status_code == 200


def test_setup_faults_break_tenant_info_and_the_token_endpoint_but_not_the_api(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    queued = HTTP.post(
        f"{tiny.base_url}/__sandbox/faults", json={"kind": "reset", "target": "setup"}
    )
    assert queued.json() == {"queued": 1}
    tiny.inject("503", retry_after=3, target="setup")
    assert client.get("/api/v2/spaces").status_code == 200  # API paths are not the target
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        HTTP.get(f"{tiny.base_url}/_edge/tenant_info")
    token = HTTP.post(f"{tiny.base_url}/oauth/token", json={"grant_type": "refresh_token"})
    assert token.status_code == 503 and token.headers["retry-after"] == "3"
    assert HTTP.get(f"{tiny.base_url}/_edge/tenant_info").status_code == 200
    assert tiny.stats()["faults"] == {"reset": 1, "503": 1}
    bad = HTTP.post(f"{tiny.base_url}/__sandbox/faults", json={"kind": "reset", "target": "x"})
    assert bad.status_code == 400


def test_fail_rate_injects_a_mix_of_failures(sandbox_factory: Callable[..., SandboxHandle]) -> None:
    sb = sandbox_factory(seed=TINY, fail_rate=0.5)
    outcomes = []
    for _ in range(40):
        with site_client(sb) as client:
            try:
                outcomes.append(client.get("/api/v2/spaces").status_code)
            except httpx.TransportError:
                outcomes.append(0)
    assert 200 in outcomes
    assert sum(1 for o in outcomes if o != 200) >= 8


def test_latency_delays_api_requests(sandbox_factory: Callable[..., SandboxHandle]) -> None:
    sb = sandbox_factory(seed=TINY, latency_ms=150)
    with site_client(sb) as client:
        client.get("/api/v2/spaces")
        started = time.perf_counter()
        client.get("/api/v2/spaces")
        assert time.perf_counter() - started >= 0.15


def test_unenforced_quota_is_announced_with_beta_headers_only(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    first = client.get("/api/v2/spaces")
    assert first.headers["beta-ratelimit-policy"] == '"global-app-quota";q=65000;w=3600'
    for absent in ("ratelimit-policy", "ratelimit", "beta-ratelimit", "x-ratelimit-nearlimit"):
        assert absent not in first.headers
    tiny.sandbox.limits.points_used = 60000  # as if this hour's traffic had been heavy
    heavy = client.get("/api/v2/spaces")
    assert heavy.status_code == 200  # announced, not enforced
    usage = re.fullmatch(r'"global-app-quota";r=(\d+);t=(\d+)', heavy.headers["beta-ratelimit"])
    assert usage is not None
    remaining, reset = usage.groups()
    assert int(remaining) == 65000 - 60000 - 3 and 0 < int(reset) <= 3600
    assert "x-ratelimit-nearlimit" not in heavy.headers


def test_enforced_quota_sends_unprefixed_policy_and_usage_near_the_limit(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(seed=TINY, points_per_hour=10)
    with site_client(sb) as client:
        first = client.get("/api/v2/spaces")
        assert first.headers["ratelimit-policy"] == '"global-app-quota";q=10;w=3600'
        assert "ratelimit" not in first.headers and "beta-ratelimit-policy" not in first.headers
        client.get("/api/v2/spaces")
        near = client.get("/api/v2/spaces")  # 9 of 10 points spent
    assert near.headers["ratelimit"].startswith('"global-app-quota";r=1;t=')
    assert near.headers["x-ratelimit-nearlimit"] == "true"
