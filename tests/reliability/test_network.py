"""Transport faults at the start of a run, a network that stays down, paced 429 bursts, clear text.

Everything runs against the sandbox over loopback HTTP (faults injected with ``sb.inject``;
``target="setup"`` aims them at the token endpoint, accessible-resources and tenant_info), or
against a loopback port nothing listens on.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.auth.tokens import TokenStore
from exporter.config.settings import load_config
from exporter.errors import NetworkUnavailable
from exporter.sandbox import SandboxHandle

from .helpers import (
    oauth_login,
    run_cli,
    run_inprocess,
    tree_diff,
    tree_hashes,
    when_requests,
    write_config,
)


def sandbox_config(sb: SandboxHandle, folder: Path, **auth: Any) -> Path:
    """What ``sandbox --write-config`` writes (https site, loopback endpoints, no cloud_id),
    with the docs only and the output under ``folder``."""
    folder.mkdir(parents=True)
    path = sb.write_config(folder / "config.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["site"].startswith("https://") and "cloud_id" not in data
    data["output"] = {"dir": str(folder / "out"), "format": "docs"}
    data["auth"].update(auth)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def clean_tree(sb: SandboxHandle, tmp_path: Path) -> dict[str, str]:
    """The same sandbox exported with no fault queued, from the same kind of config."""
    sb.sandbox.limits.queue.clear()
    sb.sandbox.limits.setup_queue.clear()
    run_inprocess(sandbox_config(sb, tmp_path / "clean"))
    return tree_hashes(tmp_path / "clean" / "out")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("kind", ["reset", "truncate"])
def test_fault_on_the_very_first_request_is_retried_and_the_export_equals_a_clean_one(
    sandbox: SandboxHandle, tmp_path: Path, kind: str
) -> None:
    config = sandbox_config(sandbox, tmp_path / "run")
    sandbox.inject(kind, count=1)  # the classic-token probe of /wiki/api/v2/spaces comes first
    result = run_cli(config, "export")
    assert result.code == 0, result.stderr
    assert sandbox.stats()["faults"] == {kind: 1}
    got, want = tree_hashes(tmp_path / "run" / "out"), clean_tree(sandbox, tmp_path)
    assert got == want, tree_diff(got, want)


def test_reset_and_truncated_tenant_info_are_retried_for_a_scoped_token(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    config = sandbox_config(sandbox, tmp_path / "run", api_token=sandbox.ready["scoped_api_token"])
    sandbox.inject("reset", target="setup")
    sandbox.inject("truncate", target="setup")
    summary = run_inprocess(config)
    assert summary.pages_failed == 0 and summary.pages_exported > 0
    stats = sandbox.stats()
    assert stats["faults"] == {"reset": 1, "truncate": 1}
    assert stats["by_route"]["GET /_edge/tenant_info"] == 3


def test_reset_accessible_resources_on_the_first_oauth_request_is_retried(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    config = write_config(sandbox, tmp_path / "run", method="oauth")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    del data["cloud_id"]  # found through accessible-resources, the run's first request
    data["site"] = sandbox.site_url  # the URL accessible-resources reports
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    oauth_login(sandbox, config)
    store = TokenStore(load_config(config).auth.token_file)
    store.update(cloud_id=None, site_url=None)
    sandbox.inject("reset", count=2, target="setup")
    summary = run_inprocess(config)
    assert summary.pages_failed == 0 and summary.pages_exported > 0
    assert sandbox.stats()["faults"] == {"reset": 2}


def unreachable_config(tmp_path: Path, port: int, **api: Any) -> Path:
    """A Basic-auth config whose site and endpoints all point at ``127.0.0.1:port``."""
    base = f"http://127.0.0.1:{port}"
    data = {
        "site": base,
        "spaces": "all",
        "auth": {"method": "basic", "email": "me@example.com", "api_token": "tok"},
        "api": {"endpoints": {"auth": base, "api": base, "site": base}, **api},
        "output": {"dir": str(tmp_path / "out"), "format": "docs"},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_network_that_stays_down_exits_75_with_one_line_naming_the_host(tmp_path: Path) -> None:
    port = closed_port()
    config = unreachable_config(tmp_path, port, max_retry_wait_s=3)
    started = time.monotonic()
    result = run_cli(config, "export")
    assert result.code == 75, result.stderr
    assert result.stderr == (
        f"Error: Cannot reach 127.0.0.1:{port} (connection refused): the network or the service "
        "is down. Run again later; the next run resumes where this one stopped.\n"
    )
    assert time.monotonic() - started < 30  # retried within max_retry_wait_s, not for minutes


def test_a_network_that_goes_down_mid_run_exits_75_and_the_next_run_completes(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    config = write_config(sb, tmp_path / "run", api={"max_retry_wait_s": 2})
    # Every request after the first few resets its connection: as if the cable were pulled.
    cut = when_requests(sb, 4, lambda: sb.inject("reset", count=10_000))
    result = run_cli(config, "export")
    cut.join()
    assert result.code == 75, result.stderr
    assert "Cannot reach 127.0.0.1:" in result.stderr and "next run resumes" in result.stderr
    assert "Traceback" not in result.stderr
    sb.sandbox.limits.queue.clear()
    second = run_cli(config, "export")
    assert second.code == 0, second.stderr


def test_refresh_is_retried_while_the_token_endpoint_refuses_connections(tmp_path: Path) -> None:
    from exporter.auth.oauth import TokenEndpoint
    from exporter.auth.tokens import TokenSet

    endpoint = TokenEndpoint(f"http://127.0.0.1:{closed_port()}", "cid", "secret")
    tokens = TokenSet(refresh_token="r", access_token="a", expires_at=0.0)
    started = time.monotonic()
    with pytest.raises(NetworkUnavailable, match="connection refused") as info:
        endpoint.refresh(tokens)
    assert info.value.exit_code == 75
    assert time.monotonic() - started >= 1.4  # two waits (0.5 s, 1 s): three connect attempts


def test_refresh_is_never_resent_after_the_connection_broke_mid_request(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    config = write_config(sandbox, tmp_path / "run", method="oauth")
    oauth_login(sandbox, config)
    store = TokenStore(load_config(config).auth.token_file)
    store.update(expires_at=0.0)  # the first request refreshes
    sandbox.inject("reset", target="setup")
    result = run_cli(config, "export")
    assert result.code == 75, result.stderr
    assert "it is not sent twice" in result.stderr
    assert sandbox.stats()["by_route"]["POST /oauth/token"] == 1


def test_a_429_burst_with_retry_after_beyond_six_attempts_slows_the_run_and_completes(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    config = write_config(sandbox, tmp_path / "run")
    sandbox.inject("429", count=8, retry_after=1)  # one request answered 429 eight times
    summary = run_inprocess(config)
    assert summary.pages_failed == 0 and summary.attachments_failed == 0, summary.failures
    assert sandbox.stats()["faults"] == {"429": 8}
    assert summary.retries >= 8
    sandbox.sandbox.limits.queue.clear()
    clean = write_config(sandbox, tmp_path / "clean")
    run_inprocess(clean)
    got, want = tree_hashes(tmp_path / "run" / "out"), tree_hashes(tmp_path / "clean" / "out")
    assert got == want, tree_diff(got, want)


def test_clear_text_site_is_refused_with_exit_2_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "site: http://acme.atlassian.net\nauth:\n  method: basic\n  email: a@b.c\n"
        "  api_token: tok\n",
        encoding="utf-8",
    )
    result = run_cli(path, "export")
    assert result.code == 2
    assert result.stderr == (
        f"Error: {path}: site: http:// would send credentials in clear text; use "
        "https://acme.atlassian.net (http is accepted only on loopback: 127.0.0.1, ::1, "
        "localhost), got 'http://acme.atlassian.net'. Fix it and run again.\n"
    )


def test_clear_text_endpoint_override_is_refused_but_loopback_http_is_accepted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("api:\n  endpoints:\n    api: http://proxy.example.com:8080\n", "utf-8")
    result = run_cli(path, "check")
    assert result.code == 2
    assert "api.endpoints.api: http:// would send credentials in clear text" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    path.write_text("site: http://127.0.0.1:8080\napi:\n  endpoints:\n    api: http://[::1]:9\n")
    config = load_config(path)
    assert config.site == "http://127.0.0.1:8080" and config.api.endpoints.api == "http://[::1]:9"


def test_loopback_http_site_exports_from_the_sandbox(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    config = write_config(sandbox, tmp_path / "run")  # site: http://127.0.0.1:<port>
    assert yaml.safe_load(config.read_text())["site"].startswith("http://127.0.0.1:")
    result = run_cli(config, "export")
    assert result.code == 0, result.stderr


def test_a_429_answer_to_a_refresh_is_not_resent_and_exits_75(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    config = write_config(sandbox, tmp_path / "run", method="oauth")
    oauth_login(sandbox, config)
    TokenStore(load_config(config).auth.token_file).update(expires_at=0.0)
    sandbox.inject("429", retry_after=30, target="setup")
    result = run_cli(config, "export")
    assert result.code == 75, result.stderr
    assert "answered 429 (rate limited) to a refresh" in result.stderr
    assert sandbox.stats()["by_route"]["POST /oauth/token"] == 1


def test_a_site_the_config_knows_is_wrong_exits_2_but_one_that_does_not_resolve_exits_75(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.yaml"
    auth = "auth:\n  method: basic\n  email: a@b.c\n  api_token: tok\n"
    path.write_text("site: https://acme.atlassian.net/wiki/spaces/ENG\n" + auth, "utf-8")
    wrong = run_cli(path, "export")
    assert wrong.code == 2
    assert "site: expected the site's root URL, https://acme.atlassian.net" in wrong.stderr
    # .invalid never resolves (RFC 6761): the config cannot know, so it is a network failure.
    path.write_text(
        "site: https://acme.invalid\nspaces: all\n" + auth + "api:\n  max_retry_wait_s: 3\n",
        "utf-8",
    )
    down = run_cli(path, "export")
    assert down.code == 75, down.stderr
    assert down.stderr.startswith("Error: Cannot reach acme.invalid (its name does not resolve)")
    assert "host name in config.yaml is misspelt" in down.stderr
