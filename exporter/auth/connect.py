"""Authentication: from a ``Config`` to a ready ``Connection`` (base URL, cloudId, httpx.Auth).

Three ways in (confluence-api.md 1.6, 1.7): OAuth 2.0 (3LO) Bearer tokens from the token file,
always through the gateway ``{api}/ex/confluence/{cloudId}/wiki``; a classic API token (Basic)
against ``{site}/wiki``; a scoped API token (Basic) through the gateway. The cloudId comes from
config, the token file's cache, accessible-resources (OAuth) or ``{site}/_edge/tenant_info``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack

import httpx

from exporter.auth.httpauth import ApiTokenAuth, OAuthAuth, needed_scopes, scope_error
from exporter.auth.oauth import (
    accessible_resources,
    choose_site,
    normalize_host,
    oauth_endpoint,
    setup_get,
)
from exporter.auth.tokens import RotationHook, TokenSet, token_store
from exporter.config.settings import Config
from exporter.confluence.access import ConnectionMethod
from exporter.confluence.client import ConfluenceClient
from exporter.confluence.retry import RetryPolicy
from exporter.errors import (
    AuthError,
    ConfigError,
    ExitCode,
    ExportError,
    LoginRequired,
)

__all__ = [
    "ApiTokenAuth",
    "CheckRow",
    "ClientOptions",
    "Connection",
    "OAuthAuth",
    "auth_report",
    "connect",
    "needed_scopes",
    "oauth_endpoint",
    "open_client",
    "retry_policy",
    "tenant_cloud_id",
    "token_store",
]

DAY = 86400.0


@dataclass(frozen=True)
class Connection:
    """Where and how to call Confluence: the ``/wiki`` base URL and the auth to attach."""

    wiki_base: str  # {api}/ex/confluence/{cloudId}/wiki, or {site}/wiki for a classic token
    site_url: str | None  # the site's web URL, for "view in Confluence" links
    cloud_id: str | None
    method: ConnectionMethod
    auth: httpx.Auth
    scopes: tuple[str, ...] = ()  # granted at connect time (OAuth)

    @property
    def granted_scopes(self) -> tuple[str, ...]:
        """The scopes the token holds now, read from the live OAuth tokens: a token file
        without them (a login bootstrapped from a refresh token alone) learns them on the
        first refresh, after connect. Empty for API tokens, which list none."""
        if isinstance(self.auth, OAuthAuth):
            return self.auth.tokens.scopes or self.scopes
        return self.scopes


class ClientOptions(TypedDict, total=False):
    """Keyword options of ``ConfluenceClient`` that ``open_client`` passes on (tests and the
    benchmarks set transports and fast backoff; the config sets the first three)."""

    concurrency: int
    timeout: float
    retry_budget: float
    transport: httpx.AsyncBaseTransport | None
    max_attempts: int
    max_wait: float
    backoff_base: float
    backoff_cap: float


@dataclass(frozen=True)
class CheckRow:
    """One line of ``confluence-export check``: what was checked, how it went, details."""

    name: str
    status: Literal["ok", "warn", "fail"]
    detail: str
    exit_code: int = ExitCode.UNEXPECTED  # of a failed row: what `export` exits with for it


def gateway_base(config: Config, cloud_id: str) -> str:
    """``{api}/ex/confluence/{cloudId}/wiki``: where OAuth and scoped tokens are accepted."""
    return f"{config.api.endpoints.api.rstrip('/')}/ex/confluence/{cloud_id}/wiki"


def retry_policy(config: Config) -> RetryPolicy:
    """The retry policy of ``config`` (``api.max_retry_wait_s``), for every request of a run."""
    return RetryPolicy(budget_s=config.api.max_retry_wait_s)


def open_client(
    connection: Connection, config: Config, **options: Unpack[ClientOptions]
) -> ConfluenceClient:
    """The API client over ``connection`` with the config's concurrency, timeout and retry
    budget (``options`` override or add to them: test transports, backoff)."""
    api = config.api
    options.setdefault("retry_budget", api.max_retry_wait_s)
    options.setdefault("concurrency", api.concurrency)
    options.setdefault("timeout", api.timeout_s)
    return ConfluenceClient(connection.wiki_base, connection.auth, **options)


def tenant_cloud_id(
    site: str,
    transport: httpx.BaseTransport | None = None,
    policy: RetryPolicy | None = None,
    timeout_s: float = 30.0,
) -> str:
    """The site's cloudId from ``{site}/_edge/tenant_info`` (no authentication needed).

    Connection faults are retried; a host that stays unreachable raises ``NetworkUnavailable``.
    """
    url = site.rstrip("/") + "/_edge/tenant_info"
    response = setup_get(
        url, policy or RetryPolicy(), transport=transport, timeout_s=timeout_s, json_body=True
    )
    try:
        cloud_id = response.json()["cloudId"]
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            f"Could not read the cloudId from {url}. Set `cloud_id:` in config.yaml (it is the "
            "id in that URL's answer)."
        ) from None
    return str(cloud_id)


def connect(
    config: Config,
    *,
    transport: httpx.BaseTransport | None = None,
    rotation_hooks: Sequence[RotationHook] = (),
) -> Connection:
    """Authenticate as configured and locate the site; the start of every online command.

    It only connects: without a saved login it raises ``LoginRequired`` (the CLI tells the user
    to run ``login``; running the consent flow is the ``login`` command's decision, never this
    function's). ``transport`` carries the few blocking setup requests (tests pass a MockTransport).
    ``rotation_hooks`` get each rotated refresh token once it is saved (the GitHub Action's
    secret write-back); they are ignored for API tokens, which never rotate.
    """
    if config.auth.method == "basic":
        return _connect_basic(config, transport)
    endpoint = oauth_endpoint(config, transport)
    store = token_store(config)
    for hook in rotation_hooks:
        store.add_rotation_hook(hook)
    tokens = store.load()
    if tokens is None:
        raise LoginRequired(f"Not logged in (no {store.path}). Run `confluence-export login`.")
    if tokens.client_id and tokens.client_id != endpoint.client_id:
        raise LoginRequired(
            f"The token file {store.path} belongs to another OAuth app (client id "
            f"{tokens.client_id}). Run `confluence-export login`."
        )
    auth = OAuthAuth(store, endpoint, tokens)
    cloud_id, site_url = _resolve_site(config, auth, transport)
    return Connection(
        wiki_base=gateway_base(config, cloud_id),
        site_url=(config.site or site_url or "").rstrip("/") or None,
        cloud_id=cloud_id,
        method="oauth",
        auth=auth,
        scopes=auth.tokens.scopes,
    )


def _resolve_site(
    config: Config, auth: OAuthAuth, transport: httpx.BaseTransport | None
) -> tuple[str, str | None]:
    """cloudId and site URL: from config, else the token file's cache, else discovery."""
    tokens = auth.tokens
    if config.cloud_id:
        return config.cloud_id, config.site or tokens.site_url
    cached_matches = not config.site or normalize_host(config.site) == normalize_host(
        tokens.site_url
    )
    if tokens.cloud_id and cached_matches:
        return tokens.cloud_id, tokens.site_url
    sites = accessible_resources(
        config.api.endpoints.api,
        auth,
        transport=transport,
        timeout_s=config.api.timeout_s,
        policy=retry_policy(config),
    )
    site = choose_site(sites, config.site)
    auth.store.update(cloud_id=site.cloud_id, site_url=site.url)
    return site.cloud_id, site.url


def _probe(
    url: str, auth: httpx.Auth, transport: httpx.BaseTransport | None, config: Config
) -> httpx.Response:
    """One GET of the first page of ``url``, retried like every request of a run."""
    return setup_get(
        url,
        retry_policy(config),
        transport=transport,
        timeout_s=config.api.timeout_s,
        auth=auth,
        params={"limit": 1},
    )


def _connect_basic(config: Config, transport: httpx.BaseTransport | None) -> Connection:
    """Email + API token: scoped through the gateway when a cloudId is known, else classic."""
    email, token = config.auth.email, config.auth.api_token
    if not email or not token:
        raise ConfigError(
            "auth.method is basic but auth.email or auth.api_token is empty. Set them (or "
            "CONFLUENCE_EMAIL / CONFLUENCE_API_TOKEN); see docs/setup.md."
        )
    auth = ApiTokenAuth(email, token)
    site = config.site_endpoint
    if config.cloud_id:
        return Connection(
            gateway_base(config, config.cloud_id),
            config.site or site,
            config.cloud_id,
            "scoped",
            auth,
        )
    if not site:
        raise ConfigError("auth.method is basic: set `site:` (or `cloud_id:` for a scoped token).")
    # A classic token works on the site; a scoped one answers 401 there and needs the gateway.
    plain = httpx.BasicAuth(email, token)  # the probes want to see a 401, not raise on it
    probe = _probe(f"{site}/wiki/api/v2/spaces", plain, transport, config)
    if probe.status_code != 401:
        return Connection(f"{site}/wiki", config.site or site, None, "basic", auth)
    cloud_id = tenant_cloud_id(site, transport, retry_policy(config), config.api.timeout_s)
    base = gateway_base(config, cloud_id)
    gateway = _probe(f"{base}/api/v2/spaces", plain, transport, config)
    if gateway.status_code == 401:
        error = scope_error(gateway.request, gateway, "Create a scoped API token that includes it.")
        if error is not None:
            raise error
        raise AuthError(
            f"Atlassian refused the API token for {email} on {site} and through the gateway. "
            "Check auth.email, create a new token at "
            "https://id.atlassian.com/manage-profile/security/api-tokens and update auth.api_token."
        )
    return Connection(base, config.site or site, cloud_id, "scoped", auth)


def _age_days(since: float, now: float) -> float:
    return (now - since) / DAY if since else 0.0


def _token_rows(tokens: TokenSet, needed: tuple[str, ...], now: float) -> list[CheckRow]:
    rows: list[CheckRow] = []
    missing = [s for s in needed if s not in tokens.scopes]
    rows.append(
        CheckRow("scopes", "warn", "missing: " + ", ".join(missing) + " (add them, then login)")
        if missing
        else CheckRow("scopes", "ok", f"{len(tokens.scopes)} granted, all needed present")
    )
    left = tokens.expires_at - now
    rows.append(
        CheckRow("access token", "ok", f"expires in {int(left // 60)} min")
        if left > 0
        else CheckRow("access token", "ok", "expired; refreshed automatically on next use")
    )
    idle, age = _age_days(tokens.last_refresh_at, now), _age_days(tokens.obtained_at, now)
    detail = f"last refreshed {idle:.0f} days ago, grant {age:.0f} days old"
    if idle >= 90 or age >= 365:
        rows.append(
            CheckRow("refresh token", "fail", detail + "; expired: run login", ExitCode.AUTH)
        )
    elif idle >= 60 or age >= 330:
        rows.append(
            CheckRow(
                "refresh token",
                "warn",
                detail + "; expires at 90 days unused / 365 days old: run login soon",
            )
        )
    else:
        rows.append(CheckRow("refresh token", "ok", detail))
    return rows


def auth_report(config: Config, *, transport: httpx.BaseTransport | None = None) -> list[CheckRow]:
    """The auth section of ``check``: method, site, cloudId, scopes, token expiry and age."""
    rows = [CheckRow("auth method", "ok", config.auth.method)]
    try:
        connection = connect(config, transport=transport)
    except ExportError as exc:
        return [*rows, CheckRow("login", "fail", str(exc), exc.exit_code)]
    rows.append(CheckRow("site", "ok", connection.site_url or "(not set)"))
    rows.append(CheckRow("cloudId", "ok", connection.cloud_id or "(not needed: classic token)"))
    if isinstance(connection.auth, OAuthAuth):
        needed = tuple(dict.fromkeys((*config.auth.scopes, "offline_access")))
        rows.extend(_token_rows(connection.auth.tokens, needed, time.time()))
    return rows
