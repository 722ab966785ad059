"""connect(): cloudId discovery and caching, API-token modes, auth_report rows."""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from exporter.auth.connect import auth_report, connect
from exporter.auth.tokens import TokenStore
from exporter.config.settings import ApiConfig, AuthConfig, Config, Endpoints
from exporter.errors import AuthError, ConfigError, LoginRequired
from tests.auth.fakes import FakeAtlassian

SITES = [
    {"id": "cloud-1", "url": "https://one.atlassian.net", "name": "One", "scopes": []},
    {"id": "cloud-2", "url": "https://Two.atlassian.net/", "name": "Two", "scopes": []},
]


def _config(tmp_path: Path, **changes: object) -> Config:
    config = Config(
        auth=AuthConfig(
            client_id="cid",
            client_secret="secret",
            token_file=tmp_path / "state" / "tokens.json",
        ),
        api=ApiConfig(endpoints=Endpoints(auth="https://auth.test", api="https://api.test")),
    )
    return replace(config, **changes)  # type: ignore[arg-type]


def _logged_in(tmp_path: Path, fake: FakeAtlassian, config: Config) -> httpx.MockTransport:
    assert config.auth.token_file is not None
    fake.token_set(TokenStore(config.auth.token_file))
    return httpx.MockTransport(fake.handler)


def test_the_only_accessible_site_is_used_and_cached_in_the_token_file(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    config = _config(tmp_path)
    transport = _logged_in(tmp_path, fake, config)
    connection = connect(config, transport=transport)
    assert connection.wiki_base == "https://api.test/ex/confluence/cloud-1/wiki"
    assert connection.site_url == "https://one.atlassian.net"
    assert connection.method == "oauth"
    assert "read:page:confluence" in connection.scopes
    fake.sites = []  # a second connect must not need discovery
    assert connect(config, transport=transport).cloud_id == "cloud-1"


def test_several_sites_without_a_configured_site_is_an_error_listing_them(
    tmp_path: Path,
) -> None:
    fake = FakeAtlassian(sites=SITES)
    config = _config(tmp_path)
    with pytest.raises(ConfigError) as info:
        connect(config, transport=_logged_in(tmp_path, fake, config))
    message = str(info.value)
    assert "cloud-1 https://one.atlassian.net (One)" in message
    assert "cloud-2" in message
    assert "Set `site:`" in message


def test_configured_site_is_matched_by_normalized_host(tmp_path: Path) -> None:
    fake = FakeAtlassian(sites=SITES)
    config = _config(tmp_path, site="https://two.atlassian.net")
    connection = connect(config, transport=_logged_in(tmp_path, fake, config))
    assert connection.cloud_id == "cloud-2"


def test_configured_site_that_the_login_cannot_reach_is_a_config_error(tmp_path: Path) -> None:
    fake = FakeAtlassian(sites=SITES)
    config = _config(tmp_path, site="https://three.atlassian.net")
    with pytest.raises(ConfigError, match="not among the sites"):
        connect(config, transport=_logged_in(tmp_path, fake, config))


def test_configured_cloud_id_needs_no_discovery(tmp_path: Path) -> None:
    fake = FakeAtlassian(sites=[])
    config = _config(tmp_path, cloud_id="cloud-9")
    connection = connect(config, transport=_logged_in(tmp_path, fake, config))
    assert connection.wiki_base.endswith("/ex/confluence/cloud-9/wiki")


def test_no_token_file_means_login_required(tmp_path: Path) -> None:
    with pytest.raises(LoginRequired, match="Run `confluence-export login`"):
        connect(_config(tmp_path))


def test_missing_client_secret_is_a_config_error(tmp_path: Path) -> None:
    config = _config(tmp_path)
    config = replace(config, auth=replace(config.auth, client_secret=None))
    with pytest.raises(ConfigError, match="client_secret"):
        connect(config)


def test_token_file_of_another_oauth_app_requires_login(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    config = _config(tmp_path)
    transport = _logged_in(tmp_path, fake, config)
    other = replace(config, auth=replace(config.auth, client_id="other"))
    with pytest.raises(LoginRequired, match="another OAuth app"):
        connect(other, transport=transport)


def _basic_config(tmp_path: Path, **changes: object) -> Config:
    config = _config(tmp_path, site="https://one.atlassian.net")
    auth = replace(config.auth, method="basic", email="me@example.com", api_token="tok-123456")
    return replace(config, auth=auth, **changes)  # type: ignore[arg-type]


def _basic_server(scoped: bool) -> httpx.MockTransport:
    good = "Basic " + base64.b64encode(b"me@example.com:tok-123456").decode()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_edge/tenant_info":
            return httpx.Response(200, json={"cloudId": "cloud-1"})
        if request.headers.get("authorization") != good:
            return httpx.Response(401, json={"code": 401, "message": "Unauthorized"})
        on_gateway = request.url.path.startswith("/ex/confluence/")
        if scoped != on_gateway:
            return httpx.Response(401, json={"code": 401, "message": "Unauthorized"})
        return httpx.Response(200, json={"results": []})

    return httpx.MockTransport(handler)


def test_classic_api_token_talks_to_the_site(tmp_path: Path) -> None:
    connection = connect(_basic_config(tmp_path), transport=_basic_server(scoped=False))
    assert connection.wiki_base == "https://one.atlassian.net/wiki"
    assert connection.method == "basic"


def test_scoped_api_token_goes_through_the_gateway_with_the_tenant_cloud_id(
    tmp_path: Path,
) -> None:
    connection = connect(_basic_config(tmp_path), transport=_basic_server(scoped=True))
    assert connection.wiki_base == "https://api.test/ex/confluence/cloud-1/wiki"
    assert connection.method == "scoped"


def test_scoped_api_token_with_configured_cloud_id_needs_no_probe(tmp_path: Path) -> None:
    config = _basic_config(tmp_path, cloud_id="cloud-7")
    connection = connect(config, transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    assert connection.wiki_base == "https://api.test/ex/confluence/cloud-7/wiki"


def test_rejected_api_token_is_an_auth_error_naming_the_fix(tmp_path: Path) -> None:
    config = _basic_config(tmp_path)
    config = replace(config, auth=replace(config.auth, api_token="wrong-token"))
    with pytest.raises(AuthError, match="auth.api_token") as info:
        connect(config, transport=_basic_server(scoped=True))
    assert info.value.exit_code == 4


def test_auth_report_shows_site_scopes_and_token_age(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    config = _config(tmp_path)
    transport = _logged_in(tmp_path, fake, config)
    rows = {row.name: row for row in auth_report(config, transport=transport)}
    assert rows["cloudId"].detail == "cloud-1"
    assert rows["scopes"].status == "warn"  # the fake grants only two of the default scopes
    assert "read:attachment:confluence" in rows["scopes"].detail
    assert rows["refresh token"].status == "ok"


def test_auth_report_warns_from_sixty_days_without_refresh(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    config = _config(tmp_path)
    transport = _logged_in(tmp_path, fake, config)
    assert config.auth.token_file is not None
    TokenStore(config.auth.token_file).update(last_refresh_at=time.time() - 61 * 86400)
    rows = {row.name: row for row in auth_report(config, transport=transport)}
    assert rows["refresh token"].status == "warn"
    assert "61 days" in rows["refresh token"].detail


def test_auth_report_fails_a_grant_older_than_a_year(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    config = _config(tmp_path)
    transport = _logged_in(tmp_path, fake, config)
    assert config.auth.token_file is not None
    TokenStore(config.auth.token_file).update(obtained_at=time.time() - 366 * 86400)
    rows = {row.name: row for row in auth_report(config, transport=transport)}
    assert rows["refresh token"].status == "fail"


def test_auth_report_without_login_has_a_failing_login_row(tmp_path: Path) -> None:
    rows = auth_report(_config(tmp_path))
    assert rows[-1].name == "login"
    assert rows[-1].status == "fail"
    assert "confluence-export login" in rows[-1].detail


def test_rotation_hooks_given_to_connect_see_each_saved_refresh_token(tmp_path: Path) -> None:
    fake = FakeAtlassian()
    config = _config(tmp_path)
    transport = _logged_in(tmp_path, fake, config)
    seen: list[str] = []
    connection = connect(config, transport=transport, rotation_hooks=[seen.append])
    fake.expire_all_access()
    with httpx.Client(transport=transport, auth=connection.auth) as client:
        client.get(connection.wiki_base + "/api/v2/spaces")
    assert config.auth.token_file is not None
    assert seen == [TokenStore(config.auth.token_file).require().refresh_token]


def test_connection_scopes_follow_the_live_tokens_when_the_token_file_listed_none(
    tmp_path: Path,
) -> None:
    """A login bootstrapped from a refresh token alone lists no scopes; the first refresh
    does, and the scope preflight (``exporter.confluence.access``) reads them from the
    connection after that refresh."""
    fake = FakeAtlassian(scopes="")
    config = _config(tmp_path)
    transport = _logged_in(tmp_path, fake, config)
    connection = connect(config, transport=transport)
    assert connection.granted_scopes == ()
    fake.scopes = "read:page:confluence offline_access"
    fake.expire_all_access()
    with httpx.Client(transport=transport, auth=connection.auth) as client:
        assert client.get(connection.wiki_base + "/api/v2/spaces").status_code == 200
    assert connection.scopes == ()  # what connect saw
    assert connection.granted_scopes == ("read:page:confluence", "offline_access")


def test_api_token_connections_hold_no_listed_scopes(tmp_path: Path) -> None:
    connection = connect(_basic_config(tmp_path), transport=_basic_server(scoped=True))
    assert connection.granted_scopes == ()
