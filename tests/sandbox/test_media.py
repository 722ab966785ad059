"""Attachment bytes as Confluence Cloud serves them in late 2026 (reference section 9).

The ``/download/attachments/`` servlet refuses every API caller (401); the REST download
route answers a 302 to a second origin, the media host, which accepts only its own signed,
short-lived token and refuses Confluence credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from exporter.sandbox import SandboxHandle

from .conftest import TINY
from .helpers import HTTP, download, gateway_client, site_client

MENU = b"Coffee 2.50\nTea 2.00\n"
CLASSIC = "readonly:content.attachment:confluence"


def _zebra(sb: SandboxHandle) -> tuple[str, str, str]:
    """The tiny seed's page with one attachment: page id, attachment id, servlet path."""
    page = next(r for r in sb.store.content.values() if r.title == "Zebra guide")
    att = sb.store.attachments[page.attachments[0]]
    return page.id, att.id, att.download_path().split("?")[0]


def _scoped_client(sb: SandboxHandle) -> httpx.Client:
    base = f"{sb.base_url}/ex/confluence/{sb.ready['cloud_id']}/wiki"
    auth = (sb.ready["email"], sb.ready["scoped_api_token"])
    return httpx.Client(base_url=base, auth=auth, timeout=10)


def _redirect(client: httpx.Client, page: str, att: str) -> httpx.Response:
    path = f"/rest/api/content/{page}/child/attachment/{att}/download"
    return client.get(path, follow_redirects=False)


def test_download_servlet_answers_401_with_the_oauth_challenge_to_an_api_token_on_the_site(
    tiny: SandboxHandle,
) -> None:
    _, _, servlet = _zebra(tiny)
    with site_client(tiny) as client:
        for path in (servlet, servlet.replace("/attachments/", "/thumbnails/")):
            response = client.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == (
                'OAuth realm="https://sandbox.atlassian.net/wiki"'
            )
            assert response.content == b""


@pytest.mark.parametrize("caller", ["scoped API token", "OAuth Bearer"])
def test_download_servlet_answers_scope_does_not_match_on_the_gateway(
    tiny: SandboxHandle, caller: str
) -> None:
    _, _, servlet = _zebra(tiny)
    if caller == "OAuth Bearer":  # every scope the exporter asks for: still refused
        token = tiny.mint_token({CLASSIC, "read:attachment:confluence"})["access_token"]
        client = gateway_client(tiny, token)
    else:
        client = _scoped_client(tiny)
    with client:
        response = client.get(servlet)
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
    stats = tiny.stats()
    assert stats["by_route"]["GET /wiki/download/attachments/{page}/{filename}"] == 1
    assert stats["points"] == 0  # refused requests cost nothing


def test_download_route_redirects_to_a_second_origin_with_a_token_for_that_file(
    tiny: SandboxHandle,
) -> None:
    page, att, _ = _zebra(tiny)
    tiny.reset_stats()
    with site_client(tiny) as client:
        redirect = _redirect(client, page, att)
    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == tiny.media_url != tiny.base_url
    file_id = tiny.store.attachments[att].file_id
    assert location.path == f"/file/{file_id}/binary"
    query = parse_qs(location.query)
    assert set(query) == {"token", "client", "name"} and query["name"] == ["Café menu 2026.txt"]
    media = HTTP.get(redirect.headers["location"])
    assert media.status_code == 200 and media.content == MENU
    assert media.headers["content-type"].startswith("text/plain")
    assert media.headers["content-length"] == str(len(MENU))
    stats = tiny.stats()
    assert stats["requests"] == 1 and stats["points"] == 1  # the media host is not the API
    assert stats["media"]["requests"] == 1 and stats["media"]["with_authorization"] == 0
    assert stats["media"]["bytes_out"] == len(MENU)


def test_download_route_works_for_scoped_tokens_and_oauth_on_the_gateway(
    tiny: SandboxHandle,
) -> None:
    page, att, _ = _zebra(tiny)
    token = tiny.mint_token({CLASSIC})["access_token"]
    for client in (_scoped_client(tiny), gateway_client(tiny, token)):
        with client:
            assert download(client, page, att).content == MENU


def test_download_route_needs_the_classic_attachment_scope(tiny: SandboxHandle) -> None:
    page, att, _ = _zebra(tiny)
    granular = tiny.mint_token({"read:attachment:confluence"})["access_token"]
    with gateway_client(tiny, granular) as client:
        response = _redirect(client, page, att)
    assert response.status_code == 401
    assert response.json()["message"] == "Unauthorized; scope does not match"


def test_media_host_refuses_confluence_credentials_and_counts_them(tiny: SandboxHandle) -> None:
    page, att, _ = _zebra(tiny)
    with site_client(tiny) as client:
        url = _redirect(client, page, att).headers["location"]
    tiny.reset_stats()
    leaked = HTTP.get(url, auth=(tiny.ready["email"], tiny.ready["api_token"]))
    cookie = HTTP.get(url, headers={"Cookie": "cloud.session.token=abc"})
    assert leaked.status_code == 401 and cookie.status_code == 401
    media = tiny.stats()["media"]
    assert media["with_authorization"] == 1 and media["with_cookie"] == 1
    assert media["requests"] == 2 and media["status"] == {"401": 2}


def test_media_token_expires_on_the_sandbox_clock(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(seed=TINY, media_token_ttl=60)
    page, att, _ = _zebra(sb)
    with site_client(sb) as client:
        url = _redirect(client, page, att).headers["location"]
        sb.advance_clock(59)
        assert HTTP.get(url).status_code == 200
        sb.advance_clock(2)
        expired = HTTP.get(url)
        assert expired.status_code == 401 and "expired" in expired.text
        assert sb.stats()["media"]["expired"] == 1
        assert download(client, page, att).content == MENU  # a fresh redirect works


def test_media_host_refuses_tampered_tokens_and_tokens_for_another_file(
    tiny: SandboxHandle,
) -> None:
    page, att, _ = _zebra(tiny)
    with site_client(tiny) as client:
        url = _redirect(client, page, att).headers["location"]
    token = parse_qs(urlsplit(url).query)["token"][0]
    other = url.replace(tiny.store.attachments[att].file_id, "00000000-0000-0000-0000-000000000000")
    tampered = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert HTTP.get(other).status_code == 401
    assert HTTP.get(tampered).status_code == 401
    assert HTTP.get(url.split("?")[0]).status_code == 401
    assert tiny.stats()["media"]["bad_token"] == 3


def test_media_host_fails_at_the_sandbox_fail_rate_like_the_api(tiny: SandboxHandle) -> None:
    page, att, _ = _zebra(tiny)
    with site_client(tiny) as client:
        url = _redirect(client, page, att).headers["location"]
    tiny.sandbox.limits.fail_rate = 1.0
    outcomes = []
    for _ in range(6):
        try:
            outcomes.append(HTTP.get(url).status_code)
        except httpx.TransportError as exc:  # a reset, or a body cut off halfway
            outcomes.append(type(exc).__name__)
    assert 200 not in outcomes, outcomes
    assert tiny.stats()["media"]["faults"] == 6
