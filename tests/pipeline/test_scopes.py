"""Exports against Atlassian's rules of late 2026, over real HTTP: v1 routes gone behind the
gateway, classic scopes on v1, granular on v2, a missing scope named before anything is exported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.auth.connect import connect
from exporter.auth.login import login
from exporter.config.settings import DEFAULT_SCOPES, load_config
from exporter.confluence.client import ConfluenceClient
from exporter.errors import ScopeMissing
from exporter.run.pipeline import export
from exporter.sandbox import SandboxHandle

ROOT = Path(__file__).resolve().parents[2]
GRANULAR_ONLY = frozenset(
    {
        "read:space:confluence",
        "read:page:confluence",
        "read:attachment:confluence",
        "read:user:confluence",
    }
)
FAST = {"backoff_base": 0.05, "backoff_cap": 0.5}


def gone_routes(sb: SandboxHandle) -> set[str]:
    """The stats keys of every route the sandbox answers 410 through the gateway."""
    router = sb.sandbox.wiki
    routes = [*router.routes, *router._static.values()]
    return {f"{r.method} /wiki{r.template}" for r in routes if r.gone_on_gateway}


def scoped_config(sb: SandboxHandle, tmp_path: Path, token: str, **extra: Any) -> Path:
    """A config.yaml for a scoped API token through the gateway (cloud_id given)."""
    data = {
        "site": sb.site_url,
        "cloud_id": sb.ready["cloud_id"],
        "auth": {"method": "basic", "email": sb.ready["email"], "api_token": token},
        "spaces": "all",
        "output": {"dir": str(tmp_path / "out"), "format": "docs"},
        "api": {"endpoints": {"auth": sb.base_url, "api": sb.base_url, "site": sb.base_url}},
        **extra,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def oauth_config(sb: SandboxHandle, tmp_path: Path, scopes: list[str] | None = None) -> Path:
    """A config.yaml for OAuth against the sandbox, logged in (auto-consent) with ``scopes``."""
    auth: dict[str, Any] = {
        "method": "oauth",
        "client_id": sb.ready["client_id"],
        "client_secret": sb.ready["client_secret"],
        "token_file": str(tmp_path / "tokens.json"),
    }
    if scopes is not None:
        auth["scopes"] = scopes
    data = {
        "auth": auth,
        "spaces": "all",
        "output": {"dir": str(tmp_path / "out"), "format": "docs"},
        "api": {"endpoints": {"auth": sb.base_url, "api": sb.base_url, "site": sb.base_url}},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    _login(path)
    return path


def _login(path: Path) -> None:
    import io

    import httpx

    class Consent:
        out = io.StringIO()

        def readline(self) -> str:
            url = next(w for w in self.out.getvalue().split() if "/authorize?" in w)
            return httpx.get(url).headers["location"] + "\n"

    user = Consent()
    login(load_config(path), open_browser=False, stdin=user, out=user.out)  # type: ignore[arg-type]


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exporter", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
    )


def export_twice(sb: SandboxHandle, config_path: Path) -> dict[str, Any]:
    """A full export, a page edit, an incremental export: the sandbox's stats over both."""
    config = load_config(config_path)
    out = Path(config.output.dir)
    sb.reset_stats()
    first = export(config, out=out, connection=connect(config), client_options=FAST)
    page = next(r for r in sb.store.content.values() if r.type == "page" and r.status == "current")
    sb.advance_clock(120)
    sb.store.update_content(page.id, body="<p>Edited for the scope test.</p>")
    second = export(config, out=out, connection=connect(config), client_options=FAST)
    assert first.pages_failed == 0 and first.attachments_failed == 0
    assert first.pages_exported > 20 and first.attachments_downloaded > 0
    assert second.pages_exported >= 1 and second.pages_failed == 0
    return sb.stats()


def test_scoped_token_export_never_hits_a_route_gone_on_the_gateway(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    stats = export_twice(sb, scoped_config(sb, tmp_path, sb.ready["scoped_api_token"]))
    assert not set(stats["by_route"]) & gone_routes(sb)
    assert "410" not in stats["status"] and "401" not in stats["status"]
    # the sandbox's scoped token holds read:user:confluence, not the classic user scope
    assert stats["by_route"]["POST /wiki/api/v2/users-bulk"] >= 1
    assert not [r for r in stats["by_route"] if "/rest/api/user" in r]


def test_oauth_export_never_hits_a_route_gone_on_the_gateway(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    stats = export_twice(sb, oauth_config(sb, tmp_path))
    assert gone_routes(sb) >= {"GET /wiki/rest/api/space", "GET /wiki/rest/api/content/{id}"}
    assert not set(stats["by_route"]) & gone_routes(sb)
    assert "410" not in stats["status"] and "401" not in stats["status"]
    assert stats["by_route"]["POST /wiki/api/v2/users-bulk"] >= 1
    assert "GET /wiki/rest/api/user/bulk" not in stats["by_route"]


def test_oauth_login_with_only_the_classic_user_scope_looks_users_up_through_v1(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    scopes = [s for s in DEFAULT_SCOPES if s != "read:user:confluence"] + ["read:confluence-user"]
    stats = export_twice(sb, oauth_config(sb, tmp_path, scopes))
    assert stats["by_route"]["GET /wiki/rest/api/user/bulk"] >= 1
    assert "POST /wiki/api/v2/users-bulk" not in stats["by_route"]
    assert "401" not in stats["status"]


def test_granular_only_scoped_token_stops_before_exporting_naming_search_confluence(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    token = "ATATT3xFfGF0granular-only=0000CAFE"
    sb.sandbox.credentials.scoped[token] = GRANULAR_ONLY
    path = scoped_config(sb, tmp_path, token)
    checked = cli(path, "check")
    sb.reset_stats()
    exported = cli(path, "export")
    stats = sb.stats()
    assert checked.returncode == 1, checked.stderr
    row = next(line for line in checked.stdout.splitlines() if "search:confluence" in line)
    assert row.startswith("FAIL")
    message = row.split("REST v1 only", 1)[1].strip()
    assert message.startswith("The API token lacks the scope search:confluence (CQL search")
    assert "Create a scoped API token that also has it" in message
    assert exported.returncode == 4, exported.stderr
    # the download route is v1 too: its classic scope is missing as well, named in one line
    assert (
        "lacks the scopes search:confluence, readonly:content.attachment:confluence (CQL search"
        in exported.stderr
    )
    assert not (tmp_path / "out" / "docs").exists()
    # it stopped at the probes: no page was listed, nothing was downloaded
    assert stats["by_route"].get("GET /wiki/rest/api/search", 0) <= 2
    probe = "GET /wiki/rest/api/content/{id}/child/attachment/{att}/download"
    assert [r for r in stats["by_route"] if "download" in r] in ([], [probe])
    assert stats["by_route"].get(probe, 0) <= 1  # the probe of a missing id, no file
    assert not [r for r in stats["by_route"] if "/rest/api/user" in r]  # no 401 from users


def test_scoped_token_missing_only_the_body_scope_is_told_exactly_that(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    token = "ATATT3xFfGF0no-bodies=0000BEEF"
    sb.sandbox.credentials.scoped[token] = GRANULAR_ONLY | {
        "search:confluence",
        "readonly:content.attachment:confluence",
    }
    config = load_config(scoped_config(sb, tmp_path, token))
    with pytest.raises(ScopeMissing) as caught:
        export(config, out=tmp_path / "out", connection=connect(config), client_options=FAST)
    assert "lacks the scope read:confluence-content.all (CQL search of pages" in str(caught.value)
    assert "search:confluence," not in str(caught.value)


def test_scoped_token_without_the_download_scope_is_told_before_exporting(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    token = "ATATT3xFfGF0no-downloads=0000F00D"
    held = (GRANULAR_ONLY - {"read:attachment:confluence"}) | {
        "search:confluence",
        "read:confluence-content.all",
    }
    sb.sandbox.credentials.scoped[token] = held
    config = load_config(scoped_config(sb, tmp_path, token))
    with pytest.raises(ScopeMissing) as caught:
        export(config, out=tmp_path / "out", connection=connect(config), client_options=FAST)
    assert "lacks the scope readonly:content.attachment:confluence (attachment downloads" in str(
        caught.value
    )
    assert not (tmp_path / "out" / "docs").exists()


def test_scoped_token_without_the_attachment_scope_stops_at_the_trash_listing_before_any_page(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    """The export spends no probe on it: its listing of trashed attachments is the probe."""
    sb = sandbox_factory()
    token = "ATATT3xFfGF0no-attachment-reads=0000F00D"
    held = (GRANULAR_ONLY - {"read:attachment:confluence"}) | {
        "search:confluence",
        "read:confluence-content.all",
        "readonly:content.attachment:confluence",
    }
    sb.sandbox.credentials.scoped[token] = held
    config = load_config(scoped_config(sb, tmp_path, token))
    with pytest.raises(ScopeMissing) as caught:
        export(config, out=tmp_path / "out", connection=connect(config), client_options=FAST)
    assert "/wiki/api/v2/attachments:" in str(caught.value)
    assert "(read:attachment:confluence)" in str(caught.value)
    assert not (tmp_path / "out" / "docs").exists()


def test_oauth_login_without_search_scope_fails_check_and_export_without_a_request(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    scopes = [s for s in DEFAULT_SCOPES if s != "search:confluence"]
    path = oauth_config(sb, tmp_path, scopes)
    checked = cli(path, "check")
    config = load_config(path)
    connection = connect(config)
    sb.reset_stats()
    with pytest.raises(ScopeMissing) as caught:
        export(config, out=tmp_path / "out", connection=connection, client_options=FAST)
    assert sb.stats()["requests"] == 0
    assert "FAIL" in checked.stdout and "search:confluence" in checked.stdout
    assert str(caught.value).startswith("The login lacks the scope search:confluence")
    assert "`confluence-export login`" in str(caught.value)
    assert str(caught.value).split(" (")[0] in checked.stdout


def test_default_scopes_pass_every_scope_check(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    checked = cli(oauth_config(sb, tmp_path), "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "OK    scope: CQL search of pages with bodies" in checked.stdout


async def _all_bodies(client: ConfluenceClient) -> list[Any]:
    params = {"cql": "type=page", "expand": "body.storage,version", "limit": 250}
    return [i async for i in client.paginate_v1("/rest/api/content/search", params)]


def test_body_expanded_content_search_is_followed_past_the_50_cap(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    import asyncio

    from exporter.auth.httpauth import ApiTokenAuth

    sb = sandbox_factory(seed=None, synthetic_pages=130, attachments_per_page=0)
    auth = ApiTokenAuth(sb.ready["email"], sb.ready["api_token"])

    async def go() -> tuple[list[Any], int]:
        async with ConfluenceClient(sb.base_url + "/wiki", auth) as client:
            items = await _all_bodies(client)
            return items, client.stats.requests

    items, requests = asyncio.run(go())
    pages = [r for r in sb.store.content.values() if r.type == "page"]
    assert len({i["id"] for i in items}) == len(pages) > 100
    assert all(i["body"]["storage"]["value"] is not None for i in items)
    assert requests == -(-len(pages) // 50)  # the server's cap, not the asked 250, sets the pace


def test_scoped_token_with_the_documented_scopes_passes_every_scope_check(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    checked = cli(scoped_config(sb, tmp_path, sb.ready["scoped_api_token"]), "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rows = [line for line in checked.stdout.splitlines() if " scope: " in line]
    assert len(rows) == 7 and all(row.startswith("OK") for row in rows)
    assert "sandbox.atlassian.net" not in checked.stderr
