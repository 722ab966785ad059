"""The sandbox reports a fixed public site URL while requests go to its loopback origin."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from exporter.auth.connect import connect
from exporter.auth.tokens import TokenSet, TokenStore
from exporter.config.settings import DEFAULT_SCOPES, load_config
from exporter.sandbox import SandboxHandle

from .helpers import HTTP, site_client, walk_v1, walk_v2

ACME = "https://acme.atlassian.net"


def _sample(sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    return sandbox_factory(seed="sample")


def test_sample_site_url_comes_from_site_yaml_and_ready_keeps_the_loopback_base(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = _sample(sandbox_factory)
    assert sb.site_url == sb.ready["site_url"] == ACME
    assert sb.ready["base_url"] == sb.base_url
    assert sb.base_url.startswith("http://127.0.0.1:")


def test_seed_without_url_reports_the_default_site(tiny: SandboxHandle) -> None:
    assert tiny.site_url == "https://sandbox.atlassian.net"


def test_site_url_option_overrides_the_seed(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(site_url="https://other.atlassian.net/")
    with site_client(sb) as client:
        body = client.get("/api/v2/spaces", params={"limit": 1}).json()
    assert body["_links"]["base"] == "https://other.atlassian.net/wiki"


def test_v2_and_v1_links_name_the_site_url_not_the_loopback_origin(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = _sample(sandbox_factory)
    with site_client(sb) as client:
        v2 = client.get("/api/v2/pages", params={"limit": 2}).text
        space = client.get("/rest/api/space/ACME").json()
        content = client.get("/rest/api/content", params={"spaceKey": "ACME", "limit": 2})
        search = client.get("/rest/api/search", params={"cql": "space=ACME", "limit": 2}).text
    for text in (v2, str(space), content.text, search):
        assert "127.0.0.1" not in text
    assert space["_links"]["base"] == ACME + "/wiki"
    assert space["_links"]["self"] == ACME + "/wiki/rest/api/space/ACME"
    assert content.json()["_links"]["self"].startswith(ACME + "/wiki/rest/api/content?")


def test_gateway_responses_also_name_the_site_url(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = _sample(sandbox_factory)
    token = sb.mint_token({"read:page:confluence"})["access_token"]
    response = HTTP.get(
        f"{sb.base_url}/ex/confluence/{sb.ready['cloud_id']}/wiki/api/v2/pages",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["_links"]["base"] == ACME + "/wiki"


def test_pagination_links_stay_site_relative_and_followable(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = _sample(sandbox_factory)
    with site_client(sb) as client:
        pages, v2_calls = walk_v2(client, sb, "/api/v2/pages?limit=10")
        content, v1_calls = walk_v1(client, "/rest/api/content?spaceKey=ENG&limit=7")
    assert v2_calls > 1 and v1_calls > 1
    assert len({p["id"] for p in pages}) == len(pages) > 40
    assert len(content) == len({c["id"] for c in content}) > 7


def test_accessible_resources_url_is_the_site_url(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = _sample(sandbox_factory)
    token = sb.mint_token({"read:page:confluence"})["access_token"]
    sites = HTTP.get(
        f"{sb.base_url}/oauth/token/accessible-resources",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert [s["url"] for s in sites] == [ACME]


def test_written_config_uses_the_site_url_for_site_and_loopback_for_endpoints(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = _sample(sandbox_factory)
    path = sb.write_config(tmp_path / "config.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["site"] == ACME
    assert data["api"]["endpoints"] == {
        "auth": sb.base_url,
        "api": sb.base_url,
        "site": sb.base_url,
    }
    config = load_config(path)
    assert config.site_endpoint == sb.base_url
    # The exporter's site probe goes to the loopback origin and succeeds with the classic token.
    response = httpx.get(
        f"{config.site_endpoint}/wiki/api/v2/spaces",
        auth=(config.auth.email or "", config.auth.api_token or ""),
    )
    assert response.status_code == 200


def test_exporter_connects_with_the_written_config_and_reports_the_site_url(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = _sample(sandbox_factory)
    connection = connect(load_config(sb.write_config(tmp_path / "config.yaml")))
    assert connection.method == "basic"
    assert connection.wiki_base == sb.base_url + "/wiki"
    assert connection.site_url == ACME


def test_oauth_finds_the_site_by_matching_site_against_accessible_resources(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = _sample(sandbox_factory)
    path = sb.write_config(tmp_path / "config.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    token_file = tmp_path / "state" / "tokens.json"
    data["auth"] = {
        "method": "oauth",
        "client_id": sb.ready["client_id"],
        "client_secret": sb.ready["client_secret"],
        "token_file": str(token_file),
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load_config(path)
    minted = sb.mint_token({*DEFAULT_SCOPES, "offline_access"})
    now = time.time()
    TokenStore(token_file).save(
        TokenSet(
            refresh_token=minted["refresh_token"],
            access_token=minted["access_token"],
            expires_at=now + float(minted["expires_in"]),
            scope=minted["scope"],
            obtained_at=now,
            last_refresh_at=now,
            client_id=sb.ready["client_id"],
        )
    )
    connection = connect(config)
    assert connection.cloud_id == sb.ready["cloud_id"]
    assert connection.site_url == ACME
    assert connection.wiki_base == f"{sb.base_url}/ex/confluence/{sb.ready['cloud_id']}/wiki"
    assert TokenStore(token_file).require().site_url == ACME
