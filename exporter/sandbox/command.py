"""The ``confluence-export sandbox`` click command (options exactly as CONTRACT.md lists them)."""

from __future__ import annotations

from pathlib import Path

import click

from exporter.sandbox.server import SandboxOptions, serve_forever

__all__ = ["sandbox_command"]


EXAMPLES = """\b
Examples:
  $ confluence-export sandbox --write-config config.yaml
  $ confluence-export sandbox --port 8765 --seed ./my-seed   (site.yaml + spaces/KEY/space.yaml)
  $ confluence-export sandbox --synthetic-pages 5000 --fail-rate 0.02 --latency-ms 20
"""


@click.command("sandbox", epilog=EXAMPLES)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=0, show_default=True, type=int, help="Port; 0 picks a free one.")
@click.option(
    "--seed",
    default="sample",
    show_default=True,
    help='"sample" (the bundled spaces) or a seed directory (site.yaml + spaces/<KEY>/space.yaml).',
)
@click.option(
    "--synthetic-pages",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Add a generated space of N pages.",
)
@click.option(
    "--attachments-per-page",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Attachments per synthetic page.",
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Delay every API and media-host request by N ms.",
)
@click.option(
    "--fail-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Fraction of API requests that fail (5xx, connection reset or truncated body).",
)
@click.option(
    "--rate-limit-burst",
    type=click.IntRange(min=1),
    help="Token bucket: N requests per second.  [default: no per-second limit]",
)
@click.option(
    "--points-per-hour",
    type=click.IntRange(min=1),
    help="Hourly points budget (429 once spent).  [default: announced, not enforced]",
)
@click.option(
    "--access-token-ttl",
    default=3600,
    show_default=True,
    type=click.IntRange(min=1),
    help="Lifetime of the access tokens /oauth/token issues, in seconds.",
)
@click.option(
    "--write-config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a config.yaml for this sandbox here.  [default: not written]",
)
@click.option(
    "--ready-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the connection details (JSON) here once listening.  [default: not written]",
)
@click.option(
    "--no-auto-consent",
    is_flag=True,
    help="Show a consent page at /authorize instead of approving.",
)
@click.option("--redirect-uri", help="Pin the OAuth redirect URI (default: any loopback URI).")
@click.option(
    "--dead-refresh-error",
    type=click.Choice(["invalid_grant", "unauthorized_client"]),
    default="invalid_grant",
    show_default=True,
    help="How /oauth/token answers a dead or rotated-out refresh token: Atlassian's documented "
    "403 invalid_grant, or the unauthorized_client form seen live.",
)
def sandbox_command(
    host: str,
    port: int,
    seed: str,
    synthetic_pages: int,
    attachments_per_page: float,
    latency_ms: int,
    fail_rate: float,
    rate_limit_burst: int | None,
    points_per_hour: int | None,
    access_token_ttl: int,
    write_config: Path | None,
    ready_file: Path | None,
    no_auto_consent: bool,
    redirect_uri: str | None,
    dead_refresh_error: str,
) -> None:
    """Run the fake Atlassian OAuth server and Confluence Cloud API on one local origin."""
    options = SandboxOptions(
        seed=None if seed == "none" else seed,
        synthetic_pages=synthetic_pages,
        attachments_per_page=attachments_per_page,
        latency_ms=latency_ms,
        fail_rate=fail_rate,
        rate_limit_burst=rate_limit_burst,
        points_per_hour=points_per_hour,
        access_token_ttl=access_token_ttl,
        auto_consent=not no_auto_consent,
        redirect_uri=redirect_uri,
        dead_refresh_error=dead_refresh_error,
    )
    serve_forever(
        options,
        host,
        port,
        ready_file,
        write_config,
        announce=lambda msg: click.echo(msg, err=True),
    )
