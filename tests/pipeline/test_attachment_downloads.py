"""Attachment downloads against Confluence Cloud as it is since 2026, over real HTTP.

The sandbox refuses ``/download/attachments/`` (401) as Atlassian does, and serves bytes only
through the REST route's 302 to a second origin, the media host, which records whether a
request carried ``Authorization`` or cookies. Every export here goes through that path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from walk.serve import new_store, serve

from exporter.auth.httpauth import ApiTokenAuth, OAuthAuth
from exporter.auth.tokens import TokenSet, TokenStore
from exporter.config.settings import load_config
from exporter.errors import ScopeMissing
from exporter.run.pipeline import export
from exporter.sandbox import SandboxHandle

SERVLETS = (
    "GET /wiki/download/attachments/{page}/{filename}",
    "GET /wiki/download/thumbnails/{page}/{filename}",
)
REDIRECT = "GET /wiki/rest/api/content/{id}/child/attachment/{att}/download"
LISTING = "GET /wiki/rest/api/content/{id}/child/attachment"
FAST = {"backoff_base": 0.05, "backoff_cap": 0.5}


@dataclass(frozen=True)
class Connection:
    """What ``exporter.auth.connect.connect`` returns: where the API is and how to authenticate."""

    wiki_base: str
    site_url: str
    auth: httpx.Auth
    method: str = "basic"  # no scope preflight: this test is about the downloads
    granted_scopes: tuple[str, ...] = ()


def _connection(sb: SandboxHandle, caller: str, tmp_path: Path) -> Connection:
    gateway = f"{sb.base_url}/ex/confluence/{sb.ready['cloud_id']}/wiki"
    email = sb.ready["email"]
    if caller == "api token on the site":
        return Connection(
            sb.base_url + "/wiki", sb.site_url, ApiTokenAuth(email, sb.ready["api_token"])
        )
    if caller == "scoped token on the gateway":
        return Connection(gateway, sb.site_url, ApiTokenAuth(email, sb.ready["scoped_api_token"]))
    from exporter.config.settings import DEFAULT_SCOPES

    minted = sb.mint_token(set(DEFAULT_SCOPES))
    now = time.time()
    tokens = TokenSet(
        refresh_token=minted["refresh_token"],
        access_token=minted["access_token"],
        expires_at=now + minted["expires_in"],
        scope=minted.get("scope", ""),
        last_refresh_at=now,
        obtained_at=now,
    )
    store = TokenStore(tmp_path / "tokens.json")
    return Connection(gateway, sb.site_url, OAuthAuth(store, None, tokens))  # type: ignore[arg-type]


def _export(sb: SandboxHandle, out: Path, connection: Connection, **kw: Any):
    config = load_config(sb.write_config(out.parent / f"{out.name}.yaml"), {})
    return export(config, out=out, format="docs", connection=connection, client_options=FAST, **kw)


def _downloaded(out: Path) -> list[dict[str, Any]]:
    manifest = json.loads((out / ".confluence-export" / "manifest.json").read_text())
    return [a for p in manifest["pages"].values() for a in p["attachments"] if a["path"]]


@pytest.mark.parametrize(
    "caller", ["api token on the site", "scoped token on the gateway", "oauth on the gateway"]
)
def test_attachment_download_never_sends_authorization_to_media_host(
    sandbox: SandboxHandle, tmp_path: Path, caller: str
) -> None:
    out = tmp_path / "out"
    summary = _export(sandbox, out, _connection(sandbox, caller, tmp_path))
    stats = sandbox.stats()
    files = _downloaded(out)
    assert summary.attachments_downloaded == len(files) > 5 and summary.attachments_failed == 0
    for att in files:  # the bytes on disk are the version the manifest names
        record = sandbox.store.attachments[att["id"]]
        data = next(v.data for v in record.versions if v.number == att["version"])
        assert (out / att["path"]).read_bytes() == data, att["path"]
    media = stats["media"]
    assert media["with_authorization"] == 0 and media["with_cookie"] == 0
    assert media["expired"] == 0 and media["bad_token"] == 0
    # One API request answering a redirect plus one media-host request per file.
    assert stats["by_route"][REDIRECT] == media["requests"] == len(files)
    assert stats["status"].get("302") == len(files)
    assert summary.media_requests == len(files)


def test_full_sample_export_sends_nothing_to_the_download_servlet(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    conn = _connection(sandbox, "api token on the site", tmp_path)
    _export(sandbox, tmp_path / "out", conn, full=True)
    by_route = sandbox.stats()["by_route"]
    assert all(by_route.get(route, 0) == 0 for route in SERVLETS), by_route
    assert not any("/download/" in route for route in by_route if route != REDIRECT), by_route


def test_expired_media_token_is_refused_and_the_export_asks_confluence_again(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    sb.expire_next_media_tokens(2)
    summary = _export(sb, tmp_path / "out", _connection(sb, "api token on the site", tmp_path))
    stats = sb.stats()
    files = _downloaded(tmp_path / "out")
    assert summary.attachments_failed == 0 and summary.attachments_downloaded == len(files)
    assert stats["media"]["expired"] == 2  # refused by the media host...
    assert stats["by_route"][REDIRECT] == len(files) + 2  # ...and asked for again
    assert stats["media"]["requests"] == len(files) + 2
    assert stats["media"]["with_authorization"] == 0


def test_name_only_reference_to_another_pages_attachment_downloads_by_id(tmp_path: Path) -> None:
    store = new_store()
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "<p>Welcome</p>")
    owner = store.add_content("ENG", "Diagrams", "<p>No images here</p>", parent_id=home.id)
    att = store.add_attachment(owner.id, "flow.png", b"\x89PNG-flow", "image/png")
    reader = store.add_content("ENG", "Reader", "<p>Plain</p>", parent_id=home.id)
    with serve(store) as served:
        export(served.config(), out=tmp_path, connection=served.connection(), client_options=FAST)
        assert not (tmp_path / "docs/eng/diagrams.assets/flow.png").exists()  # not linked yet
        # Reader now links Diagrams' file by page title and file name: an incremental run,
        # whose listing holds only what changed, resolves the name through Diagrams' listing.
        store.clock.advance(120)
        body = (
            '<ac:image><ri:attachment ri:filename="flow.png">'
            '<ri:page ri:content-title="Diagrams"/></ri:attachment></ac:image>'
        )
        store.update_content(reader.id, body=body)
        served.sandbox.stats.reset()
        summary = export(
            served.config(), out=tmp_path, connection=served.connection(), client_options=FAST
        )
        stats = served.sandbox.stats.snapshot()
    assert summary.attachments_downloaded == 1 and summary.attachments_failed == 0
    assert (tmp_path / "docs/eng/diagrams.assets/flow.png").read_bytes() == b"\x89PNG-flow"
    assert stats["by_route"][LISTING] == 1  # the owner's listing, fetched once
    assert stats["by_route"][REDIRECT] == 1 and stats["media"]["requests"] == 1
    assert all(stats["by_route"].get(route, 0) == 0 for route in SERVLETS)
    manifest = json.loads((tmp_path / ".confluence-export" / "manifest.json").read_text())
    recorded = manifest["pages"][owner.id]["attachments"]
    assert [(a["id"], a["path"]) for a in recorded] == [
        (att.id, "docs/eng/diagrams.assets/flow.png")
    ]


def test_scoped_token_without_the_classic_download_scope_stops_naming_it(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    token = sandbox.ready["scoped_api_token"]
    creds = sandbox.sandbox.credentials
    creds.scoped[token] = creds.scoped[token] - {"readonly:content.attachment:confluence"}
    conn = _connection(sandbox, "scoped token on the gateway", tmp_path)
    with pytest.raises(ScopeMissing, match=r"readonly:content\.attachment:confluence"):
        _export(sandbox, tmp_path / "out", conn)
