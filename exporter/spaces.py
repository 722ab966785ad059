"""Which spaces a run exports, and which chosen ones are gone (archived, deleted, unreadable).

One v2 ``/spaces?keys=`` request (``status=current,archived``, with each key's upper- and
lower-case variants) answers for every configured key: current spaces are exported, archived
ones and keys that match nothing are *gone* (a failure of that space alone, see
``exporter.pipeline``), and a key that matches a space only in case is a typo in the
configuration. With ``spaces: all`` a space exported before that no longer lists is gone too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from exporter.client import ConfluenceClient
from exporter.config import SpaceSelection
from exporter.errors import ConfigError
from exporter.models import Space

__all__ = ["GoneSpace", "SelectedSpace", "SpaceChoice", "select_spaces"]


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


async def select_spaces(
    client: ConfluenceClient,
    site_url: str,
    wanted: tuple[SpaceSelection, ...] | Literal["all"] | None,
    only: list[str] | None = None,
    known: Iterable[str] = (),
    batch: int = 250,
) -> SpaceChoice:
    """The spaces to export: configured keys (or all readable spaces), filtered by ``only``.

    A chosen space that cannot be read (archived, deleted, permission lost), or one ``all``
    exported before (``known``) that no longer lists, is ``gone``: a failure of that space
    alone. A key that matches a space only in case is a ``ConfigError`` (a typo).
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
    else:  # all: every current space, then what became of the ones exported before
        found = {}
        async for item in client.paginate_v2(
            "/api/v2/spaces", {"limit": batch, "status": "current"}
        ):
            found[item["key"]] = _space(item, site_url)
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
        if space is not None and space.status == "current":
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
    """Current and archived spaces with these keys or keys differing only in case."""
    found: dict[str, Space] = {}
    for start in range(0, len(keys), 80):  # keys (with case variants) <= 250 a request
        chunk = keys[start : start + 80]
        asked = list(dict.fromkeys(v for k in chunk for v in (k, k.upper(), k.lower())))
        params: dict[str, str | int] = {
            "limit": batch,
            "keys": ",".join(asked),
            "status": "current,archived",
        }
        async for item in client.paginate_v2("/api/v2/spaces", params):
            found[item["key"]] = _space(item, site_url)
    return found


def _space(item: dict[str, Any], site_url: str) -> Space:
    return Space(
        id=str(item["id"]),
        key=item["key"],
        name=item.get("name") or item["key"],
        type=item.get("type") or "global",
        homepage_id=str(item["homepageId"]) if item.get("homepageId") else None,
        url=f"{site_url}/wiki/spaces/{item['key']}",
        status=str(item.get("status") or "current"),
    )
