"""OAuthAuth against an in-memory Atlassian (httpx.MockTransport): refresh, rotation, errors."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest

from exporter.auth.httpauth import OAuthAuth, needed_scopes, scope_error
from exporter.auth.oauth import TokenEndpoint
from exporter.auth.tokens import TokenStore
from exporter.errors import LoginRequired, ScopeMissing
from tests.auth.fakes import FakeAtlassian

API = "https://api.test/ex/confluence/cloud-1/wiki/api/v2/pages"


def _setup(tmp_path: Path, fake: FakeAtlassian) -> tuple[OAuthAuth, httpx.MockTransport]:
    transport = httpx.MockTransport(fake.handler)
    store = TokenStore(tmp_path / "state" / "tokens.json")
    fake.token_set(store)
    endpoint = TokenEndpoint("https://auth.test", "cid", "secret", transport=transport)
    return OAuthAuth(store, endpoint), transport


def test_expired_access_token_refreshes_once_and_retries(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    auth, transport = _setup(tmp_path, fake)
    fake.expire_all_access()
    with httpx.Client(transport=transport, auth=auth) as client:
        assert client.get(API).status_code == 200
    assert fake.refreshes == 1
    assert auth.store.require().access_token == fake.seen_on_api[-1]


def test_concurrent_requests_meeting_the_same_401_cause_one_refresh(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    auth, transport = _setup(tmp_path, fake)
    fake.expire_all_access()

    async def run() -> list[int]:
        async with httpx.AsyncClient(transport=transport, auth=auth) as client:
            responses = await asyncio.gather(*(client.get(API) for _ in range(30)))
        return [r.status_code for r in responses]

    assert asyncio.run(run()) == [200] * 30
    assert fake.refreshes == 1
    assert fake.reused == 0


def test_access_token_is_refreshed_shortly_before_it_expires(tmp_path: Path) -> None:
    fake = FakeAtlassian(ttl=2)
    auth, transport = _setup(tmp_path, fake)
    with httpx.Client(transport=transport, auth=auth) as client:
        client.get(API)
        assert fake.refreshes == 0
        auth.store.update(expires_at=0)  # another view of time: the token is now expiring
        auth._tokens = auth.store.require()
        assert client.get(API).status_code == 200
    assert fake.refreshes == 1


def test_new_refresh_token_is_persisted_before_the_new_access_token_is_used(
    tmp_path: Path,
) -> None:
    fake = FakeAtlassian()
    auth, transport = _setup(tmp_path, fake)
    fake.expire_all_access()
    on_disk: list[str] = []
    fake.on_api = lambda request: on_disk.append(auth.store.require().access_token)
    with httpx.Client(transport=transport, auth=auth) as client:
        client.get(API)
    assert on_disk == fake.seen_on_api  # each access token was on disk when first used


def test_refresh_answer_without_refresh_token_keeps_the_old_one(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    auth, transport = _setup(tmp_path, fake)
    old_refresh = auth.tokens.refresh_token
    fake.omit_refresh_token = True
    fake.expire_all_access()
    with httpx.Client(transport=transport, auth=auth) as client:
        assert client.get(API).status_code == 200
    assert auth.store.require().refresh_token == old_refresh


@pytest.mark.parametrize(
    "error",
    [
        {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."},
        {"error": "unauthorized_client", "error_description": "refresh_token is invalid"},
    ],
)
def test_rejected_refresh_token_asks_for_login(tmp_path: Path, error: dict[str, str]) -> None:
    fake = FakeAtlassian(refresh_error=(403, error))
    auth, transport = _setup(tmp_path, fake)
    fake.expire_all_access()
    with (
        httpx.Client(transport=transport, auth=auth) as client,
        pytest.raises(LoginRequired) as info,
    ):
        client.get(API)
    message = str(info.value)
    assert message.endswith("Run `confluence-export login`.")
    assert error["error_description"] in message
    assert info.value.exit_code == 4


def test_wrong_client_secret_on_refresh_names_the_client_settings(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    auth, transport = _setup(tmp_path, fake)
    auth.endpoint = TokenEndpoint("https://auth.test", "cid", "wrong", transport=transport)
    fake.expire_all_access()
    with (
        httpx.Client(transport=transport, auth=auth) as client,
        pytest.raises(LoginRequired) as info,
    ):
        client.get(API)
    assert "auth.client_secret" in str(info.value)


def test_scope_mismatch_raises_scope_missing_without_refreshing(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    auth, transport = _setup(tmp_path, fake)
    url = "https://api.test/ex/confluence/cloud-1/wiki/api/v2/spaces/needs-admin"
    with (
        httpx.Client(transport=transport, auth=auth) as client,
        pytest.raises(ScopeMissing) as info,
    ):
        client.get(url)
    assert "read:space:confluence" in str(info.value)
    assert info.value.exit_code == 4
    assert fake.refreshes == 0


def test_scope_mismatch_on_a_v1_body_expansion_also_names_the_content_all_scope() -> None:
    request = httpx.Request(
        "GET", "https://api.test/ex/confluence/c/wiki/rest/api/search?expand=content.body.storage"
    )
    response = httpx.Response(
        401, json={"code": 401, "message": "Unauthorized; scope does not match"}
    )
    error = scope_error(request, response)
    assert error is not None
    assert "(search:confluence, read:confluence-content.all)" in str(error)


def test_needed_scopes_names_classic_and_granular_families() -> None:
    assert needed_scopes("/ex/confluence/c/wiki/api/v2/pages/12/attachments") == (
        "read:attachment:confluence",
    )
    assert needed_scopes("/wiki/rest/api/content/search") == ("search:confluence",)
    assert needed_scopes("/wiki/download/attachments/1/a.png") == (
        "readonly:content.attachment:confluence",
    )
    # The download route sits under child/attachment but needs the classic download scope.
    assert needed_scopes("/wiki/rest/api/content/1/child/attachment/att2/download") == (
        "readonly:content.attachment:confluence",
    )
    assert needed_scopes("/wiki/rest/api/content/1/child/attachment") == (
        "read:confluence-content.summary",
    )


def test_threads_sharing_one_auth_refresh_once(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    auth, transport = _setup(tmp_path, fake)
    fake.expire_all_access()
    statuses: list[int] = []

    def worker() -> None:
        with httpx.Client(transport=transport, auth=auth) as client:
            statuses.extend(client.get(API).status_code for _ in range(5))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 40
    assert fake.refreshes == 1
