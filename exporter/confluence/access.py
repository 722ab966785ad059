"""Which scopes an export needs, and whether the token holds them, found before it starts.

An export calls REST v2 (spaces, the trash listing, users) and the few v1 routes Atlassian still
serves (CQL search: v1 only, so ``search:confluence`` is needed whatever the token; attachment
downloads). v1 routes check classic scopes, v2 routes granular ones (confluence-api.md 9), so a
token must hold some of each. How we learn what it holds depends on the token:

- OAuth: the token response lists the granted scopes; nothing is sent.
- Scoped API token: nothing lists its scopes, so each need is probed with one small request
  (``limit=1``); "scope does not match" names the missing scope.
- Classic API token (on the site): unscoped, nothing to check.

``check`` shows every need as a row; ``export`` raises :class:`ScopeMissing` with the same text
before its first page request, instead of failing halfway. The result also says which users API
to call and whether the time zone (v1 ``user/current``) may be read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from exporter.confluence.client import ConfluenceClient
from exporter.confluence.walker import ATTACHMENT_EXPAND, PAGE_EXPAND, UsersApi
from exporter.errors import ApiError, ScopeMissing

__all__ = [
    "Access",
    "ConnectionMethod",
    "Credentials",
    "Need",
    "granted_access",
    "needs",
    "oauth_access",
    "preflight",
    "probe_access",
    "token_kind",
]

TokenKind = Literal["oauth", "scoped", "unscoped"]
# How a connection authenticates: OAuth Bearer, a classic API token on the site (Basic), or a
# scoped API token through the gateway (Basic)
ConnectionMethod = Literal["oauth", "basic", "scoped"]


class Credentials(Protocol):
    """What the access check reads of a connection: how it authenticates, the scopes it holds.

    ``exporter.auth.connect.Connection`` is one; a Protocol because auth is a layer above.
    """

    @property
    def method(self) -> ConnectionMethod: ...

    @property
    def granted_scopes(self) -> tuple[str, ...]:
        """The scopes the token holds now (OAuth; empty when unknown or not listed)."""
        ...


USER_V2 = "read:user:confluence"
USER_V1 = "read:confluence-user"


@dataclass(frozen=True, slots=True)
class Need:
    """One thing the export does, and the scopes it takes (every one of ``scopes``)."""

    what: str
    scopes: tuple[str, ...]
    # False: an export's own first request for it is the probe (it runs before any page is
    # written, and its 401 names the scope), so only ``check`` spends a request on it.
    probed_on_export: bool = True


@dataclass(frozen=True, slots=True)
class Result:
    """How one need went: ``missing`` lists the scopes to add (empty: fine)."""

    need: Need
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Access:
    """What the token may do: every need's result, the users API to use, the time zone rule."""

    kind: TokenKind
    results: tuple[Result, ...] = ()
    users_api: UsersApi = "v2"
    read_zone: bool = True

    @property
    def missing(self) -> tuple[str, ...]:
        """Every scope to add, once each, in need order."""
        return tuple(dict.fromkeys(s for r in self.results for s in r.missing))

    def message(self, result: Result | None = None) -> str:
        """What is missing and how to fix it, for one need (``check``) or all (``export``)."""
        results = [result] if result else [r for r in self.results if r.missing]
        scopes = tuple(dict.fromkeys(s for r in results for s in r.missing))
        whats = "; ".join(r.need.what for r in results)
        plural, it = ("s", "them") if len(scopes) > 1 else ("", "it")
        fix = {
            "oauth": f"Add {it} to the app in the Atlassian developer console (Permissions) and "
            "to auth.scopes if you set them, then run `confluence-export login`.",
            "scoped": f"Create a scoped API token that also has {it} and update auth.api_token.",
            "unscoped": "",
        }[self.kind]
        return (
            f"The {'login' if self.kind == 'oauth' else 'API token'} lacks the scope{plural} "
            f"{', '.join(scopes)} ({whats}). {fix} See docs/setup.md for the full list."
        )


def needs(attachments: bool) -> tuple[Need, ...]:
    """What an export does, with the scopes Atlassian checks for it (users: ``USERS``)."""
    found = (
        Need("list spaces, REST v2", ("read:space:confluence",)),
        Need("list trashed pages, REST v2", ("read:page:confluence",)),
        Need(
            "CQL search of pages with bodies, REST v1 only",
            ("search:confluence", "read:confluence-content.all"),
        ),
    )
    if not attachments:
        return found
    return (
        *found,
        Need("CQL listing of attachments, REST v1 only", ("search:confluence",)),
        Need("list trashed attachments, REST v2", ("read:attachment:confluence",), False),
        Need("attachment downloads, REST v1", ("readonly:content.attachment:confluence",)),
    )


USERS = Need("user names, REST v2 users-bulk (or v1 user/bulk)", (USER_V2,))


def token_kind(connection: Credentials) -> TokenKind:
    """OAuth, a scoped API token (through the gateway) or a classic one (on the site)."""
    method = connection.method
    return "oauth" if method == "oauth" else "scoped" if method == "scoped" else "unscoped"


def granted_access(held: frozenset[str], attachments: bool) -> Access:
    """OAuth: compare the needs with the scopes the token response listed."""
    results = [Result(n, tuple(s for s in n.scopes if s not in held)) for n in needs(attachments)]
    users_api: UsersApi = "v1" if USER_V2 not in held and USER_V1 in held else "v2"
    results.append(Result(USERS, () if {USER_V2, USER_V1} & held else (USER_V2,)))
    return Access("oauth", tuple(results), users_api, read_zone=USER_V1 in held)


Probe = Callable[[], Awaitable[Any]]


async def _refused(probe: Probe) -> bool:
    """True when the probe met "scope does not match"; other answers are not a scope problem."""
    try:
        await probe()
    except ScopeMissing:
        return True
    except ApiError:
        return False  # e.g. a 404 for the probe's placeholder: the scope itself was accepted
    return False


async def probe_access(
    client: ConfluenceClient, attachments: bool, kind: TokenKind = "scoped", *, export: bool = False
) -> Access:
    """A scoped API token: one small request per need (seven in all, six for an ``export``)."""
    found: dict[str, Any] = {}

    async def spaces() -> None:
        data = await client.get_json("/api/v2/spaces", {"limit": 1})
        found["space"] = (data.get("results") or [{}])[0] if isinstance(data, dict) else {}

    async def pages() -> None:
        data = await client.get_json(
            "/rest/api/search", {"cql": "type=page", "expand": PAGE_EXPAND, "limit": 1}
        )
        found["page"] = (data.get("results") or [{}])[0] if isinstance(data, dict) else {}

    def trash() -> Awaitable[Any]:
        space_id = (found.get("space") or {}).get("id") or "0"
        return client.get_json(f"/api/v2/spaces/{space_id}/pages", TRASH)

    probes: dict[str, Probe] = {
        "list spaces, REST v2": spaces,
        "list trashed pages, REST v2": trash,
        "CQL search of pages with bodies, REST v1 only": pages,
        "CQL listing of attachments, REST v1 only": lambda: client.get_json(
            "/rest/api/content/search",
            {"cql": "type=attachment", "expand": ATTACHMENT_EXPAND, "limit": 1},
        ),
        "list trashed attachments, REST v2": lambda: client.get_json(
            "/api/v2/attachments", {"status": "trashed", "limit": 1}
        ),
        # an attachment that does not exist: 404 once the scope passed, no file is fetched
        "attachment downloads, REST v1": lambda: client.get_json(
            "/rest/api/content/0/child/attachment/att0/download"
        ),
    }
    results: list[Result] = []
    for need in needs(attachments):
        if export and not need.probed_on_export:
            results.append(Result(need))
            continue
        refused = await _refused(probes[need.what])
        if refused and len(need.scopes) > 1:  # search or bodies? ask again without bodies
            plain = await _refused(
                lambda: client.get_json("/rest/api/search", {"cql": "type=page", "limit": 1})
            )
            results.append(Result(need, need.scopes[:1] if plain else need.scopes[1:]))
        else:
            results.append(Result(need, need.scopes if refused else ()))
    version = ((found.get("page") or {}).get("content") or {}).get("version") or {}
    account = str((version.get("by") or {}).get("accountId") or "unknown")
    users_api: UsersApi = "v2"
    if await _refused(lambda: client.post_json("/api/v2/users-bulk", {"accountIds": [account]})):
        users_api = "v1"
        v1 = await _refused(lambda: client.get_json("/rest/api/user/bulk", {"accountId": account}))
        results.append(Result(USERS, (USER_V2,) if v1 else ()))
    else:
        results.append(Result(USERS))
    # v1 user/current (the time zone) needs the classic user scope: read only when v1 answered
    # for users, so a token with granular user scopes never meets a 401 from a user lookup.
    return Access(kind, tuple(results), users_api, read_zone=users_api == "v1")


TRASH: dict[str, str | int] = {"status": "trashed,deleted,archived", "limit": 1}


def _oauth_scopes(connection: Credentials) -> frozenset[str]:
    return frozenset(connection.granted_scopes)


async def oauth_access(
    client: ConfluenceClient, connection: Credentials, attachments: bool, *, export: bool = False
) -> Access:
    """OAuth: the granted scopes, learnt from a first request when the token file had none
    (a login bootstrapped from a refresh token alone); probed when even the refresh lists none.
    """
    held = _oauth_scopes(connection)
    if not held:
        await client.get_json("/api/v2/spaces", {"limit": 1})  # refreshes the access token
        held = _oauth_scopes(connection)
    if not held:
        return await probe_access(client, attachments, "oauth", export=export)
    return granted_access(held, attachments)


async def preflight(client: ConfluenceClient, connection: Credentials, attachments: bool) -> Access:
    """The token's access for an export; raises ``ScopeMissing`` (exit 4) before any page."""
    kind = token_kind(connection)
    if kind == "oauth":
        access = await oauth_access(client, connection, attachments, export=True)
    elif kind == "scoped":
        access = await probe_access(client, attachments, export=True)
    else:
        access = Access(kind)
    if access.missing:
        raise ScopeMissing(access.message())
    return access
