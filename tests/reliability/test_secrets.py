"""No secret in logs, state, outputs or error text, at any verbosity and in every log format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exporter.sandbox import SandboxHandle

from .helpers import (
    CliResult,
    oauth_login,
    revoke_all_families,
    run_cli,
    write_config,
)

# Where secrets live by design: the token file and the config that names them.
HOMES = ("tokens.json", "config.yaml")


def issued_secrets(sb: SandboxHandle) -> set[str]:
    """Every credential the sandbox knows: client secret, API tokens, every token it minted."""
    oauth = sb.sandbox.oauth
    ready = sb.ready
    values = {ready["client_secret"], ready["api_token"], ready["scoped_api_token"]}
    values |= set(oauth.access) | set(oauth.refresh)
    return {v for v in values if v}


def leaks(secrets: set[str], results: list[CliResult], folder: Path) -> list[str]:
    """Where any secret shows up: streams (minus GitHub's own ::add-mask:: lines) and files."""
    found = []
    for n, result in enumerate(results):
        for name, stream in (("stdout", result.stdout), ("stderr", result.stderr)):
            text = "\n".join(
                line for line in stream.splitlines() if not line.startswith("::add-mask::")
            )
            found += [f"run {n} {name}" for s in secrets if s in text]
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.name not in HOMES:
            data = path.read_bytes()
            found += [str(path.relative_to(folder)) for s in secrets if s.encode() in data]
    return sorted(set(found))


def test_no_secret_in_any_stream_or_file_at_any_verbosity_and_log_format(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory(access_token_ttl=2)
    oauth = write_config(sb, tmp_path / "oauth", method="oauth")
    oauth_login(sb, oauth)
    summary = str(tmp_path / "oauth" / "summary.json")
    results = [
        run_cli(oauth, "-vvv", "export", "--summary-json", summary),
        run_cli(oauth, "-vv", "--log-format", "json", "export", "--full"),
    ]
    revoke_all_families(sb)  # the error path: exception text and -v traceback
    sb.advance_clock(5)  # the saved access token has expired: the refresh is refused
    results.append(run_cli(oauth, "-v", "--log-format", "github", "export", "--full"))
    basic = write_config(sb, tmp_path / "basic")
    results.append(run_cli(basic, "-vvv", "--log-format", "json", "export"))

    assert [r.code for r in results] == [0, 0, 4, 0], [r.stderr[-500:] for r in results]
    assert any("::add-mask::" in r.stdout + r.stderr for r in results[2:3])
    secrets = issued_secrets(sb)
    assert len(secrets) >= 5  # client secret, API tokens, and the OAuth tokens minted
    assert leaks(secrets, results, tmp_path) == []
