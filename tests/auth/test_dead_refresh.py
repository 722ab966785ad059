"""A dead refresh token in either of Atlassian's two answers ends an export with exit 4."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exporter.auth.connect import token_store
from tests.auth.conftest import RunningSandbox, cli, sandbox_login, write_config

SHAPES = [
    ("invalid_grant", "Unknown or invalid refresh token."),
    ("unauthorized_client", "refresh_token is invalid"),
]


@pytest.mark.parametrize(("shape", "description"), SHAPES)
def test_refresh_token_unused_for_90_days_stops_the_export_with_exit_4_naming_login(
    oauth_sandbox_factory: Callable[..., RunningSandbox],
    tmp_path: Path,
    shape: str,
    description: str,
) -> None:
    sandbox = oauth_sandbox_factory(dead_refresh_error=shape)
    config_path = write_config(sandbox, tmp_path)
    tokens = token_store(sandbox_login(config_path)).require()
    sandbox.advance(91 * 86400)  # idle past 90 days: the access token and the refresh token die
    result = cli(config_path, "export", "--out", str(tmp_path / "out"))
    assert result.returncode == 4, result.stderr
    errors = [line for line in result.stderr.splitlines() if "Error:" in line]
    assert len(errors) == 1, result.stderr
    assert f"({description})" in errors[0]
    assert errors[0].endswith("Run `confluence-export login`.")
    assert tokens.refresh_token not in result.stdout + result.stderr
    assert not (tmp_path / "out" / "docs").exists()  # nothing exported with a dead login
    assert sandbox.stats()["by_route"]["POST /oauth/token"] == 2  # the login and one refresh


def test_sandbox_refuses_an_unknown_dead_refresh_error_shape(
    oauth_sandbox_factory: Callable[..., RunningSandbox],
) -> None:
    from exporter.errors import ConfigError

    with pytest.raises(ConfigError, match="invalid_grant, unauthorized_client"):
        oauth_sandbox_factory(dead_refresh_error="invalid_token")
