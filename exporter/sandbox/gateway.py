"""Who may call what (reference 1.6-1.8).

- Gateway paths ``/ex/confluence/{cloudId}/wiki/...`` take Bearer 3LO tokens or Basic with a
  *scoped* API token (a classic token is accepted too, unscoped); scopes are enforced per route.
- Site paths ``/wiki/...`` (and the same paths without ``/wiki``) take Basic with a classic API
  token and reject Bearer tokens, as ``*.atlassian.net`` does.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass, field
from typing import Any

from exporter.sandbox.oauth import OAuthServer
from exporter.sandbox.routing import Reply, Route

__all__ = [
    "SCOPE_HEADERS",
    "SCOPE_MISMATCH",
    "Credentials",
    "authenticate",
    "body_scope_allows",
    "scope_allows",
]

UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}
SCOPE_HEADERS = {"X-Failure-Category": "FAILURE_CLIENT_SCOPE_CHECK"}  # kovetskiy/mark #917
BODY_SCOPE = "read:confluence-content.all"
# The sandbox's scoped API token holds what docs/setup.md tells users to grant: the granular
# scopes of the v2 reads plus the classic ones of the v1 routes the export still needs.
DEFAULT_SCOPED = frozenset(
    {
        "read:space:confluence",
        "read:page:confluence",
        "read:attachment:confluence",
        "read:label:confluence",
        "read:folder:confluence",
        "read:hierarchical-content:confluence",
        "read:content.metadata:confluence",
        "read:content-details:confluence",
        "read:user:confluence",
        "search:confluence",
        "read:comment:confluence",
        # classic: CQL search and bodies through it, and attachment bytes, which come only from
        # the v1 download route (reference section 9)
        "read:confluence-content.all",
        "readonly:content.attachment:confluence",
    }
)


@dataclass
class Credentials:
    """The sandbox user's email, classic API token, and scoped API tokens with their scopes."""

    email: str = "sandbox.user@example.com"
    api_token: str = "ATATT3xFfGF0sandbox-classic-token=0A1B2C3D"
    scoped: dict[str, frozenset[str]] = field(
        default_factory=lambda: {"ATATT3xFfGF0sandbox-scoped-token=4E5F6A7B": DEFAULT_SCOPED}
    )

    @property
    def scoped_api_token(self) -> str:
        return next(iter(self.scoped))


@functools.lru_cache(maxsize=256)
def _basic(header: str) -> tuple[str, str] | None:
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return user, password


def _unauthorized() -> Reply:
    return Reply(UNAUTHORIZED, 401, headers={"WWW-Authenticate": 'Basic realm="Protected", OAuth'})


def scope_allows(route: Route, scopes: frozenset[str] | None) -> bool:
    """True when the token holds every scope of at least one of the route's alternatives."""
    if scopes is None or not route.scopes:
        return True
    return any(option <= scopes for option in route.scopes)


def body_scope_allows(path: str, query: Any, scopes: frozenset[str] | None) -> bool:
    """v1 content bodies (``expand`` naming ``body``) also need ``read:confluence-content.all``.

    Stricter reading of reference 1.8 ("which endpoints strictly require it" is unconfirmed).
    """
    if scopes is None or not path.startswith("/rest/api/"):
        return True
    expand = ",".join(query.getlist("expand"))
    return "body" not in expand or BODY_SCOPE in scopes


def authenticate(
    header: str, gateway: bool, creds: Credentials, oauth: OAuthServer
) -> tuple[frozenset[str] | None, Reply | None]:
    """``(scopes, None)`` for an accepted caller (``None`` scopes = unscoped), else ``(None, reply)``."""
    lower = header[:7].lower()
    if lower.startswith("bearer "):
        if not gateway:
            return None, _unauthorized()
        scopes = oauth.check_access(header[7:].strip())
        return (scopes, None) if scopes is not None else (None, _unauthorized())
    if lower.startswith("basic "):
        pair = _basic(header)
        if pair is None or pair[0] != creds.email:
            return None, _unauthorized()
        token = pair[1]
        if token == creds.api_token:
            # A classic (unscoped) API token works on the site only; scoped tokens use the
            # gateway (reference 1.7). What the gateway answers a classic token is not
            # documented: the stricter reading is a refusal.
            return (None, None) if not gateway else (None, _unauthorized())
        if gateway and token in creds.scoped:
            return creds.scoped[token], None
    return None, _unauthorized()
