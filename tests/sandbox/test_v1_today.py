"""v1 as Atlassian serves it in late 2026: routes gone behind the gateway, classic scopes only,
users in bulk (v1 and v2), and the KB-50 cap on body-expanded ``content/search``."""

from __future__ import annotations

import httpx
import pytest

from exporter.sandbox import SandboxHandle

from .helpers import HTTP, gateway_client, site_client, walk_v1

CLASSIC = {
    "read:confluence-space.summary",
    "read:confluence-content.summary",
    "read:confluence-content.all",
    "read:confluence-user",
    "search:confluence",
}
GONE = (
    "com.atlassian.confluence.api.service.exceptions.pagesmodes.GoneException: "
    "This deprecated endpoint has been removed."
)


def _removed_paths(sb: SandboxHandle) -> list[str]:
    page = sb.store.spaces["DOC"].homepage_id
    return [
        "/rest/api/space",
        "/rest/api/space/DOC",
        "/rest/api/content?spaceKey=DOC",
        f"/rest/api/content/{page}",
        f"/rest/api/content/{page}/child/page",
    ]


def test_removed_v1_routes_answer_410_gone_through_the_gateway(tiny: SandboxHandle) -> None:
    token = tiny.mint_token(CLASSIC)["access_token"]
    with gateway_client(tiny, token) as client:
        for path in _removed_paths(tiny):
            response = client.get(path)
            assert response.status_code == 410, path
            body = response.json()
            assert body["statusCode"] == 410 and body["message"] == GONE
            assert body["data"]["successful"] is False


def test_removed_v1_routes_still_answer_200_on_the_site_with_an_api_token(
    tiny: SandboxHandle,
) -> None:
    with site_client(tiny) as client:
        for path in _removed_paths(tiny):
            assert client.get(path).status_code == 200, path


def test_cql_search_and_user_routes_still_work_through_the_gateway(tiny: SandboxHandle) -> None:
    token = tiny.mint_token(CLASSIC)["access_token"]
    with gateway_client(tiny, token) as client:
        hits = client.get("/rest/api/search", params={"cql": "space=DOC and type=page"})
        found = client.get("/rest/api/content/search", params={"cql": "type=page", "limit": 5})
        users = client.get("/rest/api/user/bulk", params={"accountId": tiny.store.default_author})
    assert hits.status_code == 200 and hits.json()["totalSize"] > 0
    assert found.status_code == 200 and found.json()["results"]
    assert users.status_code == 200 and users.json()["results"]


def test_scoped_api_token_with_granular_scopes_only_is_refused_on_v1(
    tiny: SandboxHandle,
) -> None:
    token = "ATATT3xFfGF0granular-only=00000001"
    tiny.sandbox.credentials.scoped[token] = frozenset(
        {"read:space:confluence", "read:page:confluence", "read:user:confluence"}
    )
    gateway = f"{tiny.base_url}/ex/confluence/{tiny.ready['cloud_id']}/wiki"
    auth = (tiny.ready["email"], token)
    assert HTTP.get(f"{gateway}/api/v2/spaces", auth=auth).status_code == 200
    for path in ("/rest/api/search?cql=type=page", "/rest/api/user/bulk?accountId=x"):
        response = HTTP.get(gateway + path, auth=auth)
        assert response.status_code == 401
        assert response.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
        assert response.headers["X-Failure-Category"] == "FAILURE_CLIENT_SCOPE_CHECK"


def test_v1_body_expansion_needs_the_content_all_scope(tiny: SandboxHandle) -> None:
    token = tiny.mint_token({"search:confluence"})["access_token"]
    params = {"cql": "type=page", "limit": 1}
    with gateway_client(tiny, token) as client:
        assert client.get("/rest/api/search", params=params).status_code == 200
        expanded = client.get(
            "/rest/api/search", params={**params, "expand": "content.body.storage"}
        )
    assert expanded.status_code == 401


def test_users_bulk_v2_returns_v2_users_and_costs_two_points_each(tiny: SandboxHandle) -> None:
    author = tiny.store.default_author
    token = tiny.mint_token({"read:user:confluence"})["access_token"]
    tiny.reset_stats()
    with gateway_client(tiny, token) as client:
        response = client.post("/api/v2/users-bulk", json={"accountIds": [author, "nobody"]})
    assert response.status_code == 200
    body = response.json()
    (user,) = body["results"]
    assert user["accountId"] == author and user["displayName"]
    assert {"accountType", "publicName", "email", "timeZone", "profilePicture"} <= set(user)
    assert body["_links"]["base"] == tiny.site_url + "/wiki"
    stats = tiny.stats()
    assert stats["by_route"] == {"POST /wiki/api/v2/users-bulk": 1}
    assert stats["points"] == 1 + 2


def test_users_bulk_v2_needs_the_granular_user_scope(tiny: SandboxHandle) -> None:
    classic = tiny.mint_token({"read:confluence-user"})["access_token"]
    with gateway_client(tiny, classic) as client:
        refused = client.post("/api/v2/users-bulk", json={"accountIds": ["a"]})
        allowed = client.get("/rest/api/user/bulk", params={"accountId": "a"})
    assert refused.status_code == 401 and allowed.status_code == 200


@pytest.mark.parametrize("body", [{}, {"accountIds": []}, {"accountIds": ["a"] * 101}])
def test_users_bulk_v2_rejects_a_bad_or_oversized_id_list(tiny: SandboxHandle, body) -> None:
    with site_client(tiny) as client:
        assert client.post("/api/v2/users-bulk", json=body).status_code == 400


def test_content_search_with_bodies_answers_at_most_50_and_pages_on(
    sandbox_factory,
) -> None:
    sb = sandbox_factory(seed=None, synthetic_pages=120, attachments_per_page=0)
    cql = "type=page"
    with site_client(sb) as client:
        first = client.get(
            "/rest/api/content/search", params={"cql": cql, "expand": "body.storage", "limit": 250}
        ).json()
        assert len(first["results"]) == 50 and first["limit"] == 50
        url = "/rest/api/content/search?" + str(
            httpx.QueryParams({"cql": cql, "expand": "body.storage", "limit": 250})
        )
        items, calls = walk_v1(client, url)
        plain = client.get("/rest/api/search", params={"cql": cql, "limit": 250}).json()
    total = sum(1 for r in sb.store.content.values() if r.type == "page")
    assert len(items) == total and calls == -(-total // 50)
    assert len({i["id"] for i in items}) == total
    assert len(plain["results"]) == min(250, total)  # /rest/api/search keeps its own cap
