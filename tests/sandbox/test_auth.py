"""Who may call what: site Basic, gateway Bearer and scoped Basic, scope enforcement."""

from __future__ import annotations

from exporter.sandbox import SandboxHandle

from .helpers import HTTP, gateway_client, site_client

SPACE_ONLY = {"read:space:confluence"}


def test_site_paths_accept_the_classic_api_token(tiny: SandboxHandle) -> None:
    with site_client(tiny) as client:
        assert client.get("/api/v2/spaces").status_code == 200
        assert client.get("/rest/api/space").status_code == 200


def test_site_paths_are_also_served_without_the_wiki_context(tiny: SandboxHandle) -> None:
    with site_client(tiny, prefix="") as client:
        body = client.get("/rest/api/space?limit=1").json()
    assert body["_links"]["base"] == tiny.site_url
    assert body["_links"]["context"] == ""
    assert body["_links"]["next"].startswith("/rest/api/space?")


def test_wrong_api_token_is_401(tiny: SandboxHandle) -> None:
    response = HTTP.get(f"{tiny.base_url}/wiki/api/v2/spaces", auth=(tiny.ready["email"], "nope"))
    assert response.status_code == 401
    assert HTTP.get(f"{tiny.base_url}/wiki/api/v2/spaces").status_code == 401


def test_bearer_token_is_rejected_on_site_paths(tiny: SandboxHandle) -> None:
    token = tiny.mint_token({"read:space:confluence"})["access_token"]
    response = HTTP.get(
        f"{tiny.base_url}/wiki/api/v2/spaces", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_gateway_accepts_bearer_with_the_right_scope(tiny: SandboxHandle) -> None:
    token = tiny.mint_token(SPACE_ONLY)["access_token"]
    with gateway_client(tiny, token) as client:
        body = client.get("/api/v2/spaces").json()
    assert [s["key"] for s in body["results"]] == ["DOC", "OPS"]


def test_missing_scope_answers_scope_does_not_match(tiny: SandboxHandle) -> None:
    token = tiny.mint_token(SPACE_ONLY)["access_token"]
    page = tiny.store.spaces["DOC"].homepage_id
    with gateway_client(tiny, token) as client:
        response = client.get(f"/api/v2/pages/{page}")
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Unauthorized; scope does not match"}


def test_classic_scope_does_not_satisfy_v2_routes_nor_granular_v1(tiny: SandboxHandle) -> None:
    classic = tiny.mint_token({"read:confluence-content.summary"})["access_token"]
    granular = tiny.mint_token({"read:page:confluence", "search:confluence"})["access_token"]
    page = tiny.store.spaces["DOC"].homepage_id
    with gateway_client(tiny, classic) as client:
        assert client.get(f"/api/v2/pages/{page}").status_code == 401
        assert client.get(f"/rest/api/content/{page}/label").status_code == 200
        assert client.get("/rest/api/search?cql=type=page").status_code == 401
    with gateway_client(tiny, granular) as client:
        assert client.get(f"/api/v2/pages/{page}").status_code == 200
        refused = client.get(f"/rest/api/content/{page}/label")
        assert refused.status_code == 401
        assert refused.headers["X-Failure-Category"] == "FAILURE_CLIENT_SCOPE_CHECK"
        assert client.get("/rest/api/search?cql=type=page").status_code == 200


def test_scoped_api_token_works_on_gateway_but_not_site(tiny: SandboxHandle) -> None:
    auth = (tiny.ready["email"], tiny.ready["scoped_api_token"])
    gateway = f"{tiny.base_url}/ex/confluence/{tiny.ready['cloud_id']}"
    assert HTTP.get(f"{gateway}/wiki/api/v2/spaces", auth=auth).status_code == 200
    assert HTTP.get(f"{gateway}/api/v2/spaces", auth=auth).status_code == 200  # without /wiki
    assert HTTP.get(f"{tiny.base_url}/wiki/api/v2/spaces", auth=auth).status_code == 401


def test_gateway_with_unknown_cloud_id_is_404(tiny: SandboxHandle) -> None:
    token = tiny.mint_token(SPACE_ONLY)["access_token"]
    response = HTTP.get(
        f"{tiny.base_url}/ex/confluence/not-a-site/wiki/api/v2/spaces",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404


def test_gateway_links_stay_site_relative(tiny: SandboxHandle) -> None:
    token = tiny.mint_token(SPACE_ONLY)["access_token"]
    with gateway_client(tiny, token) as client:
        body = client.get("/api/v2/spaces?limit=1").json()
    assert body["_links"]["next"].startswith("/wiki/api/v2/spaces?")
