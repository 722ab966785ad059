"""Rotating refresh tokens against the sandbox: short TTLs, concurrent processes, SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml

from exporter.auth.connect import connect, oauth_endpoint, token_store
from exporter.config.settings import load_config
from exporter.confluence.client import ConfluenceClient
from exporter.errors import LoginRequired, ScopeMissing
from tests.auth.conftest import ROOT, RunningSandbox, sandbox_login, write_config

ZYGOTE = """
import os, sys
from pathlib import Path
from exporter.auth.connect import oauth_endpoint, token_store
from exporter.config.settings import load_config

config = load_config(Path(sys.argv[1]))
store, endpoint = token_store(config), oauth_endpoint(config)
store.rotate(store.require().access_token, endpoint.refresh)  # loads what a refresh needs,
# so each forked child reaches its own refresh within milliseconds
for _ in sys.stdin:
    pid = os.fork()
    if pid == 0:
        while True:  # rotate as fast as possible until killed
            store.rotate(store.require().access_token, endpoint.refresh)
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""


def test_short_lived_access_tokens_refresh_without_reuse_under_concurrency(
    oauth_sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = oauth_sandbox_factory(access_token_ttl=2)
    config = sandbox_login(write_config(sandbox, tmp_path))
    connection = connect(config)

    async def run() -> int:
        done = 0
        deadline = time.monotonic() + 5  # two and a half access-token lifetimes
        async with ConfluenceClient(connection.wiki_base, connection.auth, concurrency=8) as client:
            while time.monotonic() < deadline:
                pages = await asyncio.gather(
                    *(client.get_json("/api/v2/spaces") for _ in range(16))
                )
                done += len(pages)
        return done

    assert asyncio.run(run()) > 100
    stats = sandbox.stats()
    assert connection.auth.generation >= 2  # type: ignore[attr-defined]
    assert stats["refresh_reuse"] == 0
    assert stats["revoked_families"] == 0


def test_four_exports_started_at_once_share_one_token_file_without_reuse(
    oauth_sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = oauth_sandbox_factory(access_token_ttl=2)
    config_path = write_config(sandbox, tmp_path)
    config = sandbox_login(config_path)
    exports = [
        subprocess.Popen(
            [sys.executable, "-m", "exporter", "--config", str(config_path), "export"]
            + ["--out", str(tmp_path / f"out{i}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(4)
    ]
    for export in exports:
        _, err = export.communicate(timeout=120)
        assert export.returncode == 0, err
    stats = sandbox.stats()
    assert stats["by_route"]["POST /oauth/token"] >= 2  # the login and at least one refresh
    assert stats["refresh_reuse"] == 0
    assert stats["revoked_families"] == 0
    tokens = token_store(config).require()
    assert oauth_endpoint(config).refresh(tokens).access_token  # the sandbox accepts it


def test_sigkill_during_refresh_never_leaves_a_torn_or_revoked_token_file(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config_path = write_config(oauth_sandbox, tmp_path)
    config = sandbox_login(config_path)
    store, endpoint = token_store(config), oauth_endpoint(config)
    log = tmp_path / "zygote.log"
    with log.open("w") as errors:
        zygote = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, str(config_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=ROOT,
        )
    assert zygote.stdin is not None and zygote.stdout is not None
    rng = random.Random(4)
    try:
        for _ in range(50):
            zygote.stdin.write("go\n")
            zygote.stdin.flush()
            line = zygote.stdout.readline()
            assert line, log.read_text()
            time.sleep(rng.uniform(0.0, 0.05))
            with contextlib.suppress(ProcessLookupError):  # reported below if it died alone
                os.kill(int(line), signal.SIGKILL)
            assert zygote.stdout.readline().strip() == "reaped", log.read_text()
            assert "Traceback" not in log.read_text(), log.read_text()
            tokens = store.require()  # parses: never torn
            assert json.loads(store.path.read_text())["refresh_token"] == tokens.refresh_token
            store.rotate(tokens.access_token, endpoint.refresh)  # the sandbox still accepts it
    finally:
        zygote.kill()
        zygote.wait()
    assert "Traceback" not in log.read_text(), log.read_text()
    stats = oauth_sandbox.stats()
    # login + the zygote's warm-up + 50 checks here: anything more came from killed children
    assert stats["by_route"]["POST /oauth/token"] > 52
    assert stats["revoked_families"] == 0
    assert not list(store.path.parent.glob("*.tmp"))


def test_refresh_token_revoked_after_its_grace_window_asks_for_login(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = sandbox_login(write_config(oauth_sandbox, tmp_path))
    store, endpoint = token_store(config), oauth_endpoint(config)
    stale = store.require()
    endpoint.refresh(stale)  # rotated elsewhere, e.g. on another machine; never saved here
    oauth_sandbox.advance(3700)  # past the grace window and the access token's hour
    connection = connect(config)
    with httpx.Client(auth=connection.auth) as client, pytest.raises(LoginRequired) as info:
        client.get(connection.wiki_base + "/api/v2/spaces")
    assert info.value.exit_code == 4
    message = str(info.value)
    assert "\n" not in message
    assert message.endswith("Run `confluence-export login`.")
    assert stale.refresh_token not in message


def test_missing_scope_ends_with_scope_missing_naming_the_scope(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    path = write_config(oauth_sandbox, tmp_path, scopes=["read:page:confluence", "offline_access"])
    connection = connect(sandbox_login(path))
    with httpx.Client(auth=connection.auth) as client, pytest.raises(ScopeMissing) as info:
        client.get(connection.wiki_base + "/api/v2/spaces")
    assert info.value.exit_code == 4
    message = str(info.value)
    assert "read:space:confluence" in message
    assert "\n" not in message
    assert "confluence-export login" in message
    assert oauth_sandbox.stats()["by_route"].get("POST /oauth/token") == 1  # login only


def test_no_token_appears_in_debug_logs_of_login_and_refresh(
    oauth_sandbox: RunningSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = sandbox_login(write_config(oauth_sandbox, tmp_path))
    first = token_store(config).require()
    connection = connect(config)
    oauth_sandbox.advance(3600)
    with httpx.Client(auth=connection.auth) as client:
        assert client.get(connection.wiki_base + "/api/v2/spaces").status_code == 200
    second = token_store(config).require()
    assert second.refresh_token != first.refresh_token
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert "refreshed the OAuth access token" in logged
    for secret in (first, second):
        assert secret.refresh_token not in logged
        assert secret.access_token not in logged
    assert oauth_sandbox.client_secret not in logged


def _basic_config(sandbox: RunningSandbox, tmp_path: Path, token: str) -> Path:
    path = write_config(sandbox, tmp_path)
    data = yaml.safe_load(path.read_text())
    data["auth"] = {"method": "basic", "email": "sandbox.user@example.com", "api_token": token}
    data["site"] = sandbox.base_url
    path.write_text(yaml.safe_dump(data))
    return path


def test_classic_api_token_reads_the_site_directly(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    token = oauth_sandbox.app.credentials.api_token
    connection = connect(load_config(_basic_config(oauth_sandbox, tmp_path, token)))
    assert (connection.method, connection.wiki_base) == ("basic", oauth_sandbox.base_url + "/wiki")
    with httpx.Client(auth=connection.auth) as client:
        assert client.get(connection.wiki_base + "/api/v2/spaces").status_code == 200


def test_scoped_api_token_is_detected_and_sent_through_the_gateway(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    token = oauth_sandbox.app.credentials.scoped_api_token
    connection = connect(load_config(_basic_config(oauth_sandbox, tmp_path, token)))
    assert connection.method == "scoped"
    assert connection.cloud_id == oauth_sandbox.app.store.cloud_id
    with httpx.Client(auth=connection.auth) as client:
        assert client.get(connection.wiki_base + "/api/v2/spaces").status_code == 200
