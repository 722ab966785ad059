"""The ``login``, ``logout`` and ``sites`` commands: thin click wrappers over the auth library.

``exporter/cli/main.py`` registers these (``cli.add_command(login_command)`` ...). They read the
global ``--config`` path from the root context object when there is one.
"""

from __future__ import annotations

from pathlib import Path

import click

from exporter.auth.connect import oauth_endpoint, retry_policy, tenant_cloud_id, token_store
from exporter.auth.httpauth import OAuthAuth
from exporter.auth.login import login
from exporter.auth.oauth import accessible_resources
from exporter.cli.common import examples
from exporter.config.settings import Config, load_config, require_settings
from exporter.errors import ConfigError
from exporter.logs import setup_logging

__all__ = ["login_command", "logout_command", "sites_command"]

REVOKE_HINT = (
    "To revoke the app's access at Atlassian too: Atlassian account settings → Connected apps "
    "(https://id.atlassian.com/manage-profile/apps) → the app → Remove access."
)


def _config(ctx: click.Context) -> Config:
    """Set up logging from the global options, then load config.yaml (``--config`` or ./)."""
    state = ctx.find_root().obj
    setup_logging(
        getattr(state, "verbose", 0),
        getattr(state, "quiet", False),
        getattr(state, "log_format", "text"),
    )
    path: Path | None = getattr(state, "config_path", None)
    return load_config(path)


@click.command(
    "login",
    epilog=examples(
        "confluence-export login",
        "confluence-export login --no-browser   (on a machine without a browser)",
        "confluence-export login --port 8765 --timeout 600",
    ),
)
@click.option(
    "--no-browser",
    is_flag=True,
    help="Print the URL to open elsewhere and read back the URL it redirects to.  "
    "[default: open the browser]",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Callback port (default: the port of auth.redirect_uri).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    help="Seconds to wait for the browser's callback.",
)
@click.pass_context
def login_command(ctx: click.Context, no_browser: bool, port: int | None, timeout: float) -> None:
    """Log in with OAuth 2.0 (3LO) in the browser and save the refresh token."""
    config = _config(ctx)
    if config.auth.method != "oauth":
        raise ConfigError(
            "`login` is for auth.method: oauth; with an API token (auth.method: basic) there is "
            "nothing to log in to. Run `confluence-export check` instead."
        )
    require_settings(config, "login")
    tokens = login(config, open_browser=not no_browser, port=port, timeout=timeout)
    site = tokens.site_url or "(site not chosen yet)"
    click.echo(f"Logged in to {site} (cloudId {tokens.cloud_id}).")
    click.echo(f"Tokens saved in {token_store(config).path}.")


@click.command("logout", epilog=examples("confluence-export logout"))
@click.pass_context
def logout_command(ctx: click.Context) -> None:
    """Remove the saved tokens (the token file)."""
    store = token_store(_config(ctx))
    if store.delete():
        click.echo(f"Removed {store.path}.")
    else:
        click.echo(f"Not logged in (no {store.path}).")
    click.echo(REVOKE_HINT)


@click.command(
    "sites",
    epilog=examples("confluence-export sites", "confluence-export sites --config site.yaml"),
)
@click.pass_context
def sites_command(ctx: click.Context) -> None:
    """List the Atlassian sites this login can reach: cloudId, URL, name, scopes."""
    config = _config(ctx)
    require_settings(config, "sites")
    if config.auth.method == "basic":
        # accessible-resources is OAuth-only; an API token reaches exactly its site.
        base = config.site_endpoint or ""
        cloud_id = config.cloud_id or tenant_cloud_id(
            base, policy=retry_policy(config), timeout_s=config.api.timeout_s
        )
        click.echo(f"{cloud_id}\t{config.site or base}\t(API token)\t-")
        return
    endpoint = oauth_endpoint(config)
    store = token_store(config)
    auth = OAuthAuth(store, endpoint, store.require())
    sites = accessible_resources(
        config.api.endpoints.api,
        auth,
        timeout_s=config.api.timeout_s,
        policy=retry_policy(config),
    )
    for site in sites:
        click.echo(f"{site.cloud_id}\t{site.url}\t{site.name}\t{' '.join(site.scopes)}")
