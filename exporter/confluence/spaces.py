"""Which spaces a run exports, and which chosen ones are gone (archived, deleted, unreadable).

One v2 ``/spaces?keys=`` request (with each key's upper- and lower-case variants) answers for
every configured key, plus one for archived spaces when a key is not current: named spaces are
exported whatever their status, keys that match nothing are *gone* (a failure of that space
alone, see ``exporter.run.pipeline``), and a key that matches a space only in case is a typo in the
configuration. ``spaces: all`` lists the current spaces of ``space_types``; a space it exported
before that no longer lists (archived, deleted, unreadable) is gone too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from exporter.config.settings import DEFAULT_SPACE_TYPES, SpaceSelection
from exporter.confluence.client import ConfluenceClient
from exporter.errors import ConfigError
from exporter.models import Space

__all__ = [
    "GoneSpace",
    "SelectedSpace",
    "SpaceChoice",
    "listed_spaces",
    "readable_spaces",
    "select_spaces",
    "space_from_json",
]


@dataclass(frozen=True, slots=True)
class GoneSpace:
    """A chosen space that cannot be exported now, and why (one sentence)."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class SpaceChoice:
    """What :meth:`Walker.select_spaces` found: the spaces to export and the ones gone."""

    selected: list[SelectedSpace]
    gone: list[GoneSpace]


@dataclass(frozen=True, slots=True)
class SelectedSpace:
    """A space to export and the selection rules that apply to it."""

    space: Space
    selection: SpaceSelection


async def readable_spaces(
    client: ConfluenceClient, types: Iterable[str], site_url: str = "", batch: int = 250
) -> AsyncIterator[Space]:
    """The current spaces of ``types`` (what ``spaces: all`` means), one listing per type.

    v2 ``/spaces`` filters by one ``type`` a request (its schema is a single value), so each
    type is listed on its own; that also keeps a site's many personal spaces off the bill.
    """
    for kind in dict.fromkeys(types):
        params: dict[str, str | int] = {
            "limit": batch,
            "type": kind,
            "status": "current",
            "description-format": "plain",
        }
        async for item in client.paginate_v2("/api/v2/spaces", params):
            if item.get("status", "current") == "current" and item.get("type", kind) == kind:
                yield space_from_json(item, site_url)


async def listed_spaces(
    client: ConfluenceClient, site_url: str = "", batch: int = 250
) -> list[Space]:
    """Every space the account can read, current and archived, of any type, sorted by key
    (what the ``spaces`` command lists). v2 lists one status a request, current by default."""
    found = [
        space_from_json(item, site_url)
        for status in ("current", "archived")
        async for item in client.paginate_v2("/api/v2/spaces", {"limit": batch, "status": status})
    ]
    return sorted(found, key=lambda space: space.key)


async def select_spaces(
    client: ConfluenceClient,
    site_url: str,
    wanted: tuple[SpaceSelection, ...] | Literal["all"] | None,
    only: list[str] | None = None,
    known: Iterable[str] = (),
    batch: int = 250,
    types: Iterable[str] = DEFAULT_SPACE_TYPES,
) -> SpaceChoice:
    """The spaces to export: configured keys (or all readable spaces of ``types``), filtered
    by ``only``.

    A space named in ``wanted`` or ``only`` is exported whatever its type or status (archived
    included: it is still readable and the user asked for it). A chosen space that cannot be
    read (deleted, permission lost), or one ``all`` exported before (``known``) that no longer
    lists (archived, deleted, unreadable), is ``gone``: a failure of that space alone. A key
    that matches a space only in case is a ``ConfigError`` (a typo).
    """
    rules: dict[str, SpaceSelection] = {}
    if wanted is None or wanted == "all":
        keys = list(dict.fromkeys(only or []))
    else:
        rules = {s.key: s for s in wanted}
        keys = [k for k in rules if not only or k in only]
        keys += [k for k in dict.fromkeys(only or []) if k not in rules]
        if not keys:
            return SpaceChoice([], [])
    chosen = bool(keys)  # keys the user wrote: a case-only mismatch is their typo
    if chosen:
        found = await _spaces_by_key(client, site_url, batch, keys)
    else:  # all: every current space of the types, then what became of the ones exported before
        found = {s.key: s async for s in readable_spaces(client, types, site_url, batch)}
        missing = sorted(set(known) - set(found))
        if missing:
            extra = await _spaces_by_key(client, site_url, batch, missing)
            found.update((k, v) for k, v in extra.items() if k in missing)
        keys = [*sorted(k for k in found if k not in missing), *missing]
    selected: list[SelectedSpace] = []
    gone: list[GoneSpace] = []
    typos: list[str] = []
    for key in keys:
        space = found.get(key)
        if space is not None and (space.status == "current" or chosen):
            selected.append(SelectedSpace(space, rules.get(key, SpaceSelection(key=key))))
        elif space is not None:
            gone.append(GoneSpace(key, f"space {key} is {space.status} in Confluence"))
        elif chosen and (near := [k for k in found if k.lower() == key.lower()]):
            typos.append(f"no space {key!r}; did you mean {near[0]}?")
        else:
            gone.append(
                GoneSpace(
                    key,
                    f"space {key} was deleted or is not readable by this "
                    "account (check with `confluence-export spaces`)",
                )
            )
    if typos:
        raise ConfigError(
            f"spaces: {'; '.join(typos)} Space keys are case-sensitive: fix the key in "
            "spaces (or --space) and run again; nothing was exported or deleted."
        )
    return SpaceChoice(selected, gone)


async def _spaces_by_key(
    client: ConfluenceClient, site_url: str, batch: int, keys: list[str]
) -> dict[str, Space]:
    """Current spaces with these keys or keys differing only in case; archived ones too, with
    a second request only when some key is not among the current ones (v2 ``status`` takes
    one value a request)."""
    found: dict[str, Space] = {}
    for status in ("current", "archived"):
        wanted = [k for k in keys if k not in found]
        if status == "archived" and not wanted:
            break
        for start in range(0, len(wanted), 80):  # keys (with case variants) <= 250 a request
            chunk = wanted[start : start + 80]
            asked = list(dict.fromkeys(v for k in chunk for v in (k, k.upper(), k.lower())))
            params: dict[str, str | int] = {
                "limit": batch,
                "keys": ",".join(asked),
                "status": status,
                "description-format": "plain",
            }
            async for item in client.paginate_v2("/api/v2/spaces", params):
                found.setdefault(item["key"], space_from_json(item, site_url))
    return found


def space_from_json(item: dict[str, Any], site_url: str) -> Space:
    """A v2 space object as a :class:`Space`."""
    return Space(
        id=str(item["id"]),
        key=item["key"],
        name=item.get("name") or item["key"],
        type=item.get("type") or "global",
        homepage_id=str(item["homepageId"]) if item.get("homepageId") else None,
        url=f"{site_url.rstrip('/')}/wiki/spaces/{item['key']}",
        status=str(item.get("status") or "current"),
        description=_plain_description(item),
    )


def _plain_description(item: dict[str, Any]) -> str:
    """``description.plain.value`` (asked for with ``description-format=plain``), or ""."""
    description = item.get("description")
    plain = description.get("plain") if isinstance(description, dict) else None
    value = plain.get("value") if isinstance(plain, dict) else None
    return value.strip() if isinstance(value, str) else ""
