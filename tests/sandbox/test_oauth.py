"""OAuth 3LO over real HTTP: authorize, code exchange, rotation, grace, family revocation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from exporter.sandbox import SandboxHandle

from .helpers import HTTP, gateway_client

REDIRECT = "http://127.0.0.1:8976/callback"
SCOPES = "read:space:confluence read:page:confluence offline_access"


def _authorize(sb: SandboxHandle, **extra: str) -> httpx.Response:
    params = {
        "audience": "api.atlassian.com",
        "client_id": sb.ready["client_id"],
        "scope": SCOPES,
        "redirect_uri": REDIRECT,
        "state": "xyz",
        "response_type": "code",
        "prompt": "consent",
        **extra,
    }
    return HTTP.get(f"{sb.base_url}/authorize", params=params)


def _code(sb: SandboxHandle) -> str:
    response = _authorize(sb)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def _token(sb: SandboxHandle, form: bool = False, **fields: str) -> httpx.Response:
    data = {
        "client_id": sb.ready["client_id"],
        "client_secret": sb.ready["client_secret"],
        **fields,
    }
    if form:
        return HTTP.post(f"{sb.base_url}/oauth/token", data=data)
    return HTTP.post(f"{sb.base_url}/oauth/token", json=data)


def _exchange(sb: SandboxHandle, form: bool = False) -> dict[str, Any]:
    response = _token(
        sb, form, grant_type="authorization_code", code=_code(sb), redirect_uri=REDIRECT
    )
    assert response.status_code == 200, response.text
    return response.json()


def _refresh(sb: SandboxHandle, token: str) -> httpx.Response:
    return _token(sb, grant_type="refresh_token", refresh_token=token)


def test_authorize_redirects_back_with_code_and_state(tiny: SandboxHandle) -> None:
    location = _authorize(tiny).headers["location"]
    assert location.startswith(REDIRECT + "?")
    assert "code=" in location and "state=xyz" in location


def test_authorize_rejects_unknown_client_and_foreign_redirect(tiny: SandboxHandle) -> None:
    assert _authorize(tiny, client_id="other").status_code == 400
    assert _authorize(tiny, redirect_uri="https://evil.example/cb").status_code == 400


def test_authorize_reports_unknown_scope_on_the_redirect(tiny: SandboxHandle) -> None:
    location = _authorize(tiny, scope="read:everything").headers["location"]
    assert "error=invalid_scope" in location


@pytest.mark.parametrize("form", [False, True])
def test_code_exchange_accepts_json_and_form_bodies(tiny: SandboxHandle, form: bool) -> None:
    body = _exchange(tiny, form)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["refresh_token"] and body["access_token"]
    assert set(body["scope"].split()) == set(SCOPES.split())


def test_authorization_code_is_single_use(tiny: SandboxHandle) -> None:
    code = _code(tiny)
    first = _token(tiny, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    again = _token(tiny, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert first.status_code == 200
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_request",
        "error_description": "authorization_code is invalid",
    }


def test_authorization_code_expires_after_ten_minutes(tiny: SandboxHandle) -> None:
    code = _code(tiny)
    tiny.advance_clock(601)
    response = _token(tiny, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_code == 400


def test_wrong_client_secret_is_access_denied(tiny: SandboxHandle) -> None:
    response = HTTP.post(
        f"{tiny.base_url}/oauth/token",
        json={
            "grant_type": "refresh_token",
            "client_id": tiny.ready["client_id"],
            "client_secret": "x",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "access_denied"


def test_refresh_rotates_and_old_token_works_within_grace(tiny: SandboxHandle) -> None:
    first = _exchange(tiny)
    second = _refresh(tiny, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    tiny.advance_clock(300)
    retry = _refresh(tiny, first["refresh_token"])
    assert retry.status_code == 200
    stats = tiny.stats()
    assert stats["refresh_reuse"] == 1 and stats["revoked_families"] == 0
    with gateway_client(tiny, first["access_token"]) as client:
        assert client.get("/api/v2/spaces").status_code == 200  # old access token still in grace


def test_rotated_token_after_grace_revokes_the_whole_family(tiny: SandboxHandle) -> None:
    first = _exchange(tiny)
    second = _refresh(tiny, first["refresh_token"]).json()
    tiny.advance_clock(601)
    late = _refresh(tiny, first["refresh_token"])
    assert late.status_code == 403
    assert late.json()["error"] in ("invalid_grant", "unauthorized_client")
    assert tiny.stats()["revoked_families"] == 1
    assert _refresh(tiny, second["refresh_token"]).status_code == 403
    with gateway_client(tiny, second["access_token"]) as client:
        assert client.get("/api/v2/spaces").status_code == 401


def test_access_token_expires_after_configured_ttl(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(access_token_ttl=60)
    body = _exchange(sb)
    assert body["expires_in"] == 60
    with gateway_client(sb, body["access_token"]) as client:
        assert client.get("/api/v2/spaces").status_code == 200
        sb.advance_clock(61)
        assert client.get("/api/v2/spaces").status_code == 401
    fresh = _refresh(sb, body["refresh_token"]).json()
    with gateway_client(sb, fresh["access_token"]) as client:
        assert client.get("/api/v2/spaces").status_code == 200


def test_accessible_resources_lists_the_site_with_scopes(tiny: SandboxHandle) -> None:
    token = _exchange(tiny)["access_token"]
    response = HTTP.get(
        f"{tiny.base_url}/oauth/token/accessible-resources",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    sites = response.json()
    assert sites[0]["id"] == tiny.ready["cloud_id"]
    assert sites[0]["url"] == tiny.site_url == "https://sandbox.atlassian.net"  # no url: in seed
    assert "read:page:confluence" in sites[0]["scopes"]
    assert "offline_access" not in sites[0]["scopes"]
    assert HTTP.get(f"{tiny.base_url}/oauth/token/accessible-resources").status_code == 401


def test_tenant_info_gives_the_cloud_id(tiny: SandboxHandle) -> None:
    body = HTTP.get(f"{tiny.base_url}/_edge/tenant_info").json()
    assert body == {"cloudId": tiny.ready["cloud_id"]}


def test_without_auto_consent_the_user_can_deny(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(auto_consent=False)
    page = _authorize(sb)
    assert page.status_code == 200 and 'id="deny"' in page.text
    denied = _authorize(sb, decision="deny")
    assert "error=access_denied" in denied.headers["location"]
    accepted = _authorize(sb, decision="accept")
    assert "code=" in accepted.headers["location"]


def test_pinned_redirect_uri_rejects_other_loopback_uris(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(redirect_uri="http://localhost:9999/cb")
    assert _authorize(sb).status_code == 400
    assert _authorize(sb, redirect_uri="http://localhost:9999/cb").status_code == 302


def test_refresh_token_expires_after_90_days_unused(tiny: SandboxHandle) -> None:
    body = _exchange(tiny)
    tiny.advance_clock(91 * 86400)
    assert _refresh(tiny, body["refresh_token"]).status_code == 403


def test_token_endpoint_accepts_client_secret_basic(tiny: SandboxHandle) -> None:
    code = _code(tiny)
    response = HTTP.post(
        f"{tiny.base_url}/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(tiny.ready["client_id"], tiny.ready["client_secret"]),
    )
    assert response.status_code == 200 and response.json()["access_token"]


def test_accessible_resources_can_list_several_sites(tiny: SandboxHandle) -> None:
    tiny.sandbox.extra_sites.append(
        ("11111111-2222-3333-4444-555555555555", "Other", "https://other.example")
    )
    token = tiny.mint_token({"read:page:confluence"})["access_token"]
    sites = HTTP.get(
        f"{tiny.base_url}/oauth/token/accessible-resources",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert [s["name"] for s in sites] == [tiny.ready["site_name"], "Other"]
