"""Seed keys for a page's past: ``history`` (earlier versions), ``comments`` and ``properties``.

``history`` lists the versions before the current one, oldest first, each with ``when``
(required), and optional ``title``, ``body`` (a storage file beside ``space.yaml``), ``message``,
``author``, ``minor_edit``; the page item itself is the current version (its ``updated``,
``message``, ``minor_edit``). Only such pages keep a body per version.
``comments`` lists footer or inline comments with ``replies``; ``properties`` maps keys to JSON
values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from exporter.errors import ConfigError
from exporter.sandbox.records import ContentRecord
from exporter.sandbox.store import Store
from exporter.sandbox.store_history import RESOLUTIONS

__all__ = ["instant", "load_comments", "load_history"]


def instant(raw: Any, title: str, key: str) -> datetime | None:
    """A seed timestamp (``2025-01-10T08:00:00.000Z``, or a YAML datetime) in UTC: the one
    timestamp parser of the seed loader (seed.py imports it from here)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"Page {title!r}: {key} {raw!r} is not an ISO timestamp such as "
            "2025-01-10T08:00:00.000Z."
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _when(raw: Any, title: str, where: str) -> datetime:
    when = instant(raw, title, where)
    if when is None:
        raise ConfigError(f"Page {title!r}: {where} needs a `when` (an ISO timestamp).")
    return when


def _account(store: Store, raw: Any, title: str) -> str | None:
    if raw is None:
        return None
    if str(raw) in store.users:
        return str(raw)
    named = [u.account_id for u in store.users.values() if u.display_name == raw]
    if not named:
        raise ConfigError(f"Page {title!r}: author {raw!r} is not a user of site.yaml.")
    return named[0]


def _read(base: Path, raw: Any, title: str) -> str:
    path = base / str(raw)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Page {title!r}: cannot read body file {path}: {exc}.") from exc


def load_history(
    store: Store, base: Path, key: str, item: dict[str, Any], parent: str | None, body: str
) -> ContentRecord:
    """A page whose ``history`` gives its earlier versions; returns its record."""
    title = str(item["title"])
    history = item["history"]
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise ConfigError(f"Page {title!r}: `history` must be a list of mappings.")
    if item.get("created") is not None or item.get("version", item.get("versions")) is not None:
        raise ConfigError(
            f"Page {title!r}: with `history`, leave out `created` and `version`; "
            "the history's first `when` and its length give them."
        )
    first = history[0]
    first_body = _read(base, first["body"], title) if first.get("body") else body
    kind = str(item.get("type") or "page")
    record = store.add_content(
        key,
        str(first.get("title") or title),
        first_body,
        type=kind,
        parent_id=None if kind == "blogpost" else parent,
        labels=[str(label) for label in item.get("labels") or []],
        author=_account(store, first.get("author", item.get("author")), title),
        status=str(item.get("status") or "current"),
        when=_when(first.get("when"), title, "history[0]"),
    )
    record.versions[0].message = str(first.get("message") or "")
    record.versions[0].minor_edit = bool(first.get("minor_edit", False))
    last = record.version.created_at
    for n, entry in enumerate([*history[1:], None], start=1):
        current = entry is None
        step = item if current else entry
        when = step.get("updated") if current else step.get("when")
        stamp = last + timedelta(days=1) if current and when is None else None
        at = stamp or _when(when, title, "updated" if current else f"history[{n}]")
        if at < last:
            raise ConfigError(
                f"Page {title!r}: history[{n}] is dated before the version before it."
            )
        new_body = None
        if current:
            new_body = body
        elif step.get("body"):
            new_body = _read(base, step["body"], title)
        store.update_content(
            record.id,
            title=str(step.get("title") or title) if not current else title,
            body=new_body,
            author=_account(store, step.get("author", item.get("author")), title),
            message=str(step.get("message") or ""),
            minor_edit=bool(step.get("minor_edit", False)),
            when=at,
        )
        last = at
    return record


def load_comments(store: Store, record: ContentRecord, item: dict[str, Any]) -> None:
    """A page's seeded ``comments`` (with ``replies``) and ``properties``."""
    title = str(item["title"])
    for index, raw in enumerate(item.get("comments") or []):
        _comment(store, record, raw, title, f"comments[{index}]", None)
    properties = item.get("properties") or {}
    if not isinstance(properties, dict):
        raise ConfigError(f"Page {title!r}: `properties` must map keys to values.")
    for prop_key, value in properties.items():
        store.set_property(record.id, str(prop_key), value, when=record.created_at)


def _comment(
    store: Store,
    record: ContentRecord,
    raw: Any,
    title: str,
    where: str,
    parent_id: str | None,
) -> None:
    if not isinstance(raw, dict) or not raw.get("body"):
        raise ConfigError(f"Page {title!r}: {where} needs a `body` (storage text).")
    kind = str(raw.get("kind") or "footer")
    resolution = str(
        raw.get("resolution_status") or ("resolved" if raw.get("resolved") else "open")
    )
    if kind not in ("footer", "inline") or resolution not in RESOLUTIONS:
        raise ConfigError(
            f"Page {title!r}: {where}: kind is footer or inline, resolution_status one of "
            f"{', '.join(RESOLUTIONS)}."
        )
    comment = store.add_comment(
        record.id,
        str(raw["body"]),
        kind=kind,
        parent_id=parent_id,
        author=_account(store, raw.get("author"), title),
        when=_when(raw.get("when"), title, where) if raw.get("when") else record.version.created_at,
        resolution=resolution,
        marker_ref=raw.get("marker_ref"),
        selection=raw.get("selection"),
    )
    for index, reply in enumerate(raw.get("replies") or []):
        _comment(store, record, reply, title, f"{where}.replies[{index}]", comment.id)
