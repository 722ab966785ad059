"""Auth faults mid-export: access tokens expiring every second, the refresh token revoked."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from exporter.sandbox import SandboxHandle

from .helpers import (
    EXTRA_SPACE_LISTINGS,
    oauth_login,
    revoke_all_families,
    run_cli,
    run_inprocess,
    token_file_is_valid,
    when_requests,
    write_config,
)


def test_access_token_expiring_every_second_is_refreshed_without_reuse_or_revocation(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory(access_token_ttl=1, latency_ms=60)
    config = write_config(sb, tmp_path, method="oauth")
    oauth_login(sb, config)
    time.sleep(1.1)  # the saved access token has expired: the run must refresh, maybe again
    summary = run_inprocess(config)
    stats = sb.stats()
    assert summary.pages_failed == 0 and summary.attachments_failed == 0, summary.failures
    assert summary.pages_exported > 0
    assert stats["by_route"].get("POST /oauth/token", 0) >= 1, stats
    assert stats["refresh_reuse"] == 0 and stats["revoked_families"] == 0, stats
    assert token_file_is_valid(config)


def test_refresh_token_revoked_mid_export_exits_4_naming_login_and_keeps_token_file_valid(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory(access_token_ttl=1, latency_ms=60)
    config = write_config(sb, tmp_path, method="oauth")
    oauth_login(sb, config)
    revoker = when_requests(sb, 4 + EXTRA_SPACE_LISTINGS, lambda: revoke_all_families(sb))
    result = run_cli(config, "export")
    revoker.join()
    assert result.code == 4, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "confluence-export login" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert token_file_is_valid(config)
