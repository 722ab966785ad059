"""Atlassian's OAuth 2.0 (3LO) endpoints: the token endpoint and accessible-resources.

Blocking calls on purpose: they run rarely (login, a refresh every hour) and a refresh must
happen while the token file's cross-process lock is held, which is a blocking lock.
Error bodies follow confluence-api.md 1.4: any 403 on refresh means the refresh token is dead
(``invalid_grant`` as documented, ``unauthorized_client`` as measured), a 401 ``access_denied``
means the client id or secret is wrong.
"""

from __future__ import annotations

import functools
import logging
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from exporter.auth.tokens import TokenSet
from exporter.config.settings import Config
from exporter.confluence.ratelimit import retry_after
from exporter.confluence.retry import RetryPolicy, get_with_retries, post_unrepeatable
from exporter.errors import ApiError, AuthError, ConfigError, LoginRequired, RateLimited
from exporter.logs import register_secret
from exporter.models import Site

__all__ = [
    "TokenEndpoint",
    "accessible_resources",
    "choose_site",
    "normalize_host",
    "oauth_endpoint",
    "tls_context",
]

log = logging.getLogger(__name__)

_RELOGIN = "Run `confluence-export login`."


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for the short-lived setup clients: building one per client costs ~0.1 s."""
    return httpx.create_ssl_context()


def setup_get(
    url: str,
    policy: RetryPolicy,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = 30.0,
    auth: httpx.Auth | None = None,
    json_body: bool = False,
    params: Mapping[str, str | int | float | bool | None] | None = None,
) -> httpx.Response:
    """One GET of a run's setup (tenant_info, accessible-resources, the site probe), asking for
    JSON, retried as every request of a run (``get_with_retries``) on a short-lived client."""
    with httpx.Client(
        transport=transport, timeout=timeout_s, auth=auth, verify=tls_context()
    ) as client:
        return get_with_retries(
            client,
            url,
            policy,
            json_body=json_body,
            params=params,
            headers={"Accept": "application/json"},
        )


def _error_fields(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, Mapping):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


@dataclass(frozen=True)
class TokenEndpoint:
    """``POST {auth}/oauth/token`` for one OAuth app (client id and secret)."""

    auth_base: str
    client_id: str
    client_secret: str
    timeout_s: float = 30.0
    transport: httpx.BaseTransport | None = None
    retries: int = 2

    @property
    def url(self) -> str:
        return self.auth_base.rstrip("/") + "/oauth/token"

    def _post(self, body: dict[str, str]) -> httpx.Response:
        """POST a JSON body; resent only when it cannot have reached Atlassian.

        A refresh rotates the refresh token (the one sent is disabled) and a code works once,
        so a request that may have been delivered is never repeated: a 5xx or 429 answer, or a
        connection that broke after sending, ends the call. Connect-phase failures (nothing
        was sent) are retried ``retries`` times (``exporter.confluence.retry.post_unrepeatable``).
        """
        register_secret(self.client_secret)
        with httpx.Client(
            transport=self.transport, timeout=self.timeout_s, verify=tls_context()
        ) as client:
            return post_unrepeatable(
                client,
                self.url,
                attempts=self.retries + 1,
                json=body,
                headers={"Accept": "application/json"},
            )

    def _parse(self, response: httpx.Response, previous: TokenSet | None) -> TokenSet:
        try:
            data: Any = response.json()
            access = data["access_token"]
            expires_in = float(data.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                f"Atlassian's token endpoint answered {response.status_code} without tokens. "
                "Retry later; if it persists, run `confluence-export login`.",
                response=response,
            ) from None
        now = time.time()
        refresh = data.get("refresh_token")
        register_secret(access)
        register_secret(refresh)
        if previous is None:
            if not refresh:
                raise AuthError(
                    "Atlassian returned no refresh token, so the login would expire within an "
                    "hour. Add the offline_access scope to the app in the developer console "
                    "and run `confluence-export login` again."
                )
            return TokenSet(
                refresh_token=refresh,
                access_token=access,
                expires_at=now + expires_in,
                scope=str(data.get("scope") or ""),
                obtained_at=now,
                last_refresh_at=now,
                client_id=self.client_id,
            )
        # A refresh answer without refresh_token has been seen live: keep the old one.
        return replace(
            previous,
            refresh_token=refresh or previous.refresh_token,
            access_token=access,
            expires_at=now + expires_in,
            scope=str(data.get("scope") or previous.scope),
            last_refresh_at=now,
            client_id=self.client_id,
        )

    def _client_rejected(self, response: httpx.Response, description: str) -> AuthError:
        return LoginRequired(
            f"Atlassian rejected the OAuth client credentials ({description or 'Unauthorized'}): "
            "check auth.client_id and auth.client_secret against the app in the developer "
            "console, then run `confluence-export login`."
        )

    def exchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        """Trade an authorization code for the grant's first token pair."""
        response = self._post(
            {
                "grant_type": "authorization_code",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "code": code,
                "redirect_uri": redirect_uri,
            }
        )
        if response.status_code == 200:
            return self._parse(response, None)
        error, description = _error_fields(response)
        if response.status_code == 401 or error == "access_denied":
            raise self._client_rejected(response, description)
        if response.status_code in (400, 403):
            raise LoginRequired(
                f"Atlassian rejected the authorization code ({description or error or 'invalid'}); "
                "codes are single-use and expire within minutes. Run `confluence-export login` "
                "again."
            )
        raise ApiError(
            f"Atlassian's token endpoint answered {response.status_code} to the code exchange. "
            "Retry `confluence-export login` later.",
            response=response,
        )

    def refresh(self, current: TokenSet) -> TokenSet:
        """Spend ``current.refresh_token`` for a new pair (the caller persists it at once)."""
        response = self._post(
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "refresh_token": current.refresh_token,
            }
        )
        if response.status_code == 200:
            log.info("refreshed the OAuth access token")
            return self._parse(response, current)
        error, description = _error_fields(response)
        if response.status_code == 401 and error in ("access_denied", "unauthorized", ""):
            raise self._client_rejected(response, description)
        if response.status_code in (400, 401, 403):
            raise LoginRequired(
                f"The refresh token was rejected by Atlassian ({description or error}); it "
                "expires after 90 days unused, 365 days after login, or when the app is revoked. "
                + _RELOGIN
            )
        if response.status_code == 429:  # not resent (see _post): the next run refreshes
            raise RateLimited(
                "Atlassian's token endpoint answered 429 (rate limited) to a refresh. State is "
                "saved: run the export again later.",
                retry_after=retry_after(response.headers),
            )
        raise ApiError(
            f"Atlassian's token endpoint answered {response.status_code} to a refresh. "
            "Retry later.",
            response=response,
        )


def normalize_host(url: str | None) -> str:
    """The lower-case host of ``url`` (scheme optional), for matching configured sites."""
    if not url:
        return ""
    text = url.strip()
    if "//" not in text:
        text = "https://" + text
    return (urlsplit(text).hostname or "").lower().rstrip(".")


def choose_site(sites: list[Site], site: str | None) -> Site:
    """The configured ``site`` among ``sites`` (by host), or the only one when none is set."""
    listing = "; ".join(f"{s.cloud_id} {s.url} ({s.name})" for s in sites) or "none"
    if site:
        host = normalize_host(site)
        for candidate in sites:
            if normalize_host(candidate.url) == host:
                return candidate
        raise ConfigError(
            f"The configured site {site} is not among the sites this login can reach: "
            f"{listing}. Fix `site:` in config.yaml, or log in as a user of that site."
        )
    if len(sites) == 1:
        return sites[0]
    if not sites:
        raise LoginRequired(
            "This login reaches no Atlassian site: the app was not granted access to any. "
            "Run `confluence-export login` and pick a site on the consent screen."
        )
    raise ConfigError(
        f"This login reaches several sites: {listing}. Set `site:` (or `cloud_id:`) in "
        "config.yaml to choose one."
    )


def accessible_resources(
    api_base: str,
    auth: httpx.Auth,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = 30.0,
    policy: RetryPolicy | None = None,
) -> list[Site]:
    """The sites this OAuth grant reaches (``GET {api}/oauth/token/accessible-resources``).

    Retried like every GET of a run; a host that stays unreachable raises ``NetworkUnavailable``.
    """
    url = api_base.rstrip("/") + "/oauth/token/accessible-resources"
    response = setup_get(
        url, policy or RetryPolicy(), transport=transport, timeout_s=timeout_s, auth=auth,
        json_body=True,
    )  # fmt: skip
    if response.status_code != 200:
        raise ApiError(
            f"Listing accessible sites failed with HTTP {response.status_code}. "
            "Retry, or run `confluence-export login` again.",
            response=response,
        )
    try:
        items = response.json()
        return [
            Site(
                cloud_id=str(item["id"]),
                url=str(item.get("url") or ""),
                name=str(item.get("name") or ""),
                scopes=tuple(item.get("scopes") or ()),
            )
            for item in items
        ]
    except (ValueError, KeyError, TypeError):
        raise ApiError(
            "accessible-resources answered with unexpected JSON. Retry later.", response=response
        ) from None


def oauth_endpoint(config: Config, transport: httpx.BaseTransport | None = None) -> TokenEndpoint:
    """The OAuth app's token endpoint; ``ConfigError`` when client id or secret is missing."""
    auth = config.auth
    if not auth.client_id or not auth.client_secret:
        raise ConfigError(
            "auth.method is oauth but auth.client_id or auth.client_secret is empty. Set them "
            "(or CONFLUENCE_CLIENT_ID / CONFLUENCE_CLIENT_SECRET) from the app's Settings page "
            "in the Atlassian developer console; see docs/setup.md."
        )
    return TokenEndpoint(
        config.api.endpoints.auth,
        auth.client_id,
        auth.client_secret,
        timeout_s=config.api.timeout_s,
        transport=transport,
    )
