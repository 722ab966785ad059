"""Load a seed directory (CONTRACT.md "--seed DIR") into a :class:`Store`.

Layout: ``site.yaml`` (``name``/``site``, ``url`` the public site URL the sandbox reports,
``spaces`` order, ``users: [{account_id, display_name}]``) and ``spaces/<KEY>/space.yaml``
(``key``, ``name``, ``description``, nested ``pages:``). Each page names a storage file beside
``space.yaml`` in ``body`` and may list ``labels``, ``attachments`` (a file under
``spaces/<KEY>/attachments/`` or ``{name, file, media_type}``), ``children``, ``author``,
``status``, ``type`` (page, folder, blogpost), ``created``/``updated`` (ISO timestamps),
``version`` (the current version number; ``versions`` is an alias) and, for blog posts,
``posting_day``. Without dates the loader makes up deterministic past ones.
"""

from __future__ import annotations

import copy
import mimetypes
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from exporter.errors import ConfigError
from exporter.sandbox.seed_history import instant, load_comments, load_history
from exporter.sandbox.store import DEFAULT_SITE_URL, Clock, ContentRecord, Store

__all__ = [
    "SAMPLE_DIR",
    "SPACE_TYPES",
    "load_seed",
    "media_type_for",
    "personal_space_key",
    "resolve_seed",
]

SAMPLE_DIR = Path(__file__).parent / "sample"

_EXTRA_TYPES = {
    ".drawio": "application/vnd.jgraph.mxfile",
    ".svg": "image/svg+xml",
    ".md": "text/markdown",
    ".yaml": "application/x-yaml",
    ".yml": "application/x-yaml",
}


def media_type_for(filename: str) -> str:
    """The media type Confluence would record for an uploaded file name."""
    suffix = Path(filename).suffix.lower()
    if suffix in _EXTRA_TYPES:
        return _EXTRA_TYPES[suffix]
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def resolve_seed(seed: str | Path | None) -> Path | None:
    """``"sample"`` means the bundled sample space; anything else is a directory path."""
    if seed is None:
        return None
    if isinstance(seed, str) and seed == "sample":
        return SAMPLE_DIR
    return Path(seed)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_yaml_cache: dict[tuple[Path, float], Any] = {}


def _read_yaml(path: Path) -> dict[str, Any]:
    """Parse a seed YAML file (cached by path and mtime: tests start many sandboxes)."""
    try:
        key = (path.resolve(), path.stat().st_mtime)
        if key not in _yaml_cache:
            _yaml_cache[key] = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        data = copy.deepcopy(_yaml_cache[key])
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"Cannot read seed file {path}: {exc}. Fix the file or pick another --seed."
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"Seed file {path} must hold a mapping at the top level.")
    return data


def load_seed(directory: Path, clock: Clock | None = None) -> Store:
    """Build a store from a seed directory; errors name the file to fix."""
    if not (directory / "site.yaml").is_file():
        raise ConfigError(
            f"Seed directory {directory} has no site.yaml. Use --seed sample or a directory "
            "laid out as CONTRACT.md describes."
        )
    site = _read_yaml(directory / "site.yaml")
    url = str(site.get("url") or DEFAULT_SITE_URL)
    if not url.startswith(("https://", "http://")):
        raise ConfigError(
            f"{directory / 'site.yaml'}: url {url!r} is not an http(s) URL. Write it as "
            "https://<name>.atlassian.net or leave it out."
        )
    store = Store(str(site.get("name") or site.get("site") or "Sandbox"), clock, url)
    for user in site.get("users") or []:
        store.add_user(
            str(user["account_id"]),
            str(user.get("display_name", user["account_id"])),
            str(user.get("email", "")),
        )
    if not store.users:
        store.add_user("557058:00000000-0000-4000-8000-000000000001", "Sandbox Admin")
    spaces_dir = directory / "spaces"
    space_files = sorted(spaces_dir.glob("*/space.yaml")) if spaces_dir.is_dir() else []
    order = [str(k) for k in site.get("spaces") or []]
    space_files.sort(
        key=lambda p: order.index(p.parent.name) if p.parent.name in order else len(order)
    )
    for space_file in space_files:
        _load_space(store, space_file)
    return store


SPACE_TYPES = ("global", "collaboration", "knowledge_base", "personal")


def personal_space_key(account_id: str) -> str:
    """The key Confluence Cloud gives a user's personal space: ``~`` and the account id's
    letters and digits (``712020:3fd5...`` becomes ``~7120203fd5...``)."""
    return "~" + "".join(ch for ch in account_id if ch.isalnum())


def _load_space(store: Store, space_file: Path) -> None:
    data = _read_yaml(space_file)
    kind = str(data.get("type") or "global")
    status = str(data.get("status") or "current")
    if kind not in SPACE_TYPES or status not in ("current", "archived"):
        raise ConfigError(
            f"{space_file}: type {kind!r} / status {status!r}: type is one of "
            f"{', '.join(SPACE_TYPES)} and status current or archived."
        )
    owner = _user(store, data.get("owner"))
    if kind == "personal" and owner is None:
        raise ConfigError(f"{space_file}: a personal space needs an `owner` (a user of site.yaml).")
    key = str(data.get("key") or (personal_space_key(owner) if owner else space_file.parent.name))
    name = data.get("name") or (store.users[owner].display_name if owner else key)
    store.add_space(
        key,
        str(name),
        str(data.get("description") or ""),
        type=kind,
        status=status,
        author=owner,
    )
    for item in data.get("pages") or []:
        _load_page(store, space_file.parent, key, item, None)
    for item in data.get("blogposts") or []:
        _load_page(store, space_file.parent, key, {**item, "type": "blogpost"}, None)


def _load_page(
    store: Store, base: Path, key: str, item: dict[str, Any], parent: str | None
) -> None:
    if not isinstance(item, dict) or "title" not in item:
        raise ConfigError(
            f"A page in {base / 'space.yaml'} has no title: {item!r}. Give every page a title."
        )
    body = ""
    if item.get("body"):
        body_path = base / str(item["body"])
        try:
            body = body_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"Page {item['title']!r}: cannot read body file {body_path}: {exc}."
            ) from exc
    kind = str(item.get("type") or "page")
    author = _user(store, item.get("author"))
    title = str(item["title"])
    if item.get("history"):
        record = load_history(store, base, key, item, parent, body)
        _load_extras(store, base, key, item, record)
        return
    times = _history(item, title)
    record = store.add_content(
        key,
        title,
        body,
        type=kind,
        parent_id=None if kind == "blogpost" else parent,
        labels=[str(label) for label in item.get("labels") or []],
        author=str(author) if author else None,
        status=str(item.get("status") or "current"),
        when=times[0] if times else None,
    )
    if kind == "blogpost":
        record.posting_day = _day(item.get("posting_day"), title) or record.created_at.date()
    for number in range(2, _version_count(item, title, times) + 1):
        store.update_content(record.id, author=str(author) if author else None, keep_history=False)
        record.versions[-1].created_at = times[number - 1] if times else store._seed_time()
        record.versions[-1].message = f"edit {number - 1}"
    _load_extras(store, base, key, item, record, dated=times is not None)


def _user(store: Store, raw: Any) -> str | None:
    """An account id from a seed's account id or display name (None when unknown)."""
    if raw is None or str(raw) in store.users:
        return None if raw is None else str(raw)
    matches = [u.account_id for u in store.users.values() if u.display_name == raw]
    return matches[0] if matches else None


def _load_extras(
    store: Store,
    base: Path,
    key: str,
    item: dict[str, Any],
    record: ContentRecord,
    dated: bool = True,
) -> None:
    """A seeded page's attachments, comments, properties and children."""
    load_comments(store, record, item)
    attached_at = record.version.created_at if dated else None
    for att in item.get("attachments") or []:
        if isinstance(att, dict):
            name = str(att.get("name") or att.get("file"))
            file = str(att.get("file") or name)
            media = str(att.get("media_type") or media_type_for(name))
        else:
            name = file = str(att)
            media = media_type_for(name)
        path = base / "attachments" / file
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"Page {item['title']!r}: attachment file {path} is missing: {exc}."
            ) from exc
        store.add_attachment(record.id, name, data, media, when=attached_at)
    for child in item.get("children") or []:
        _load_page(store, base, key, child, record.id)


def _version_count(item: dict[str, Any], title: str, times: list[datetime] | None) -> int:
    """The current version number: ``version`` (the sample's key) or ``versions``, else 1."""
    raw = item.get("version", item.get("versions"))
    if raw is None:
        return len(times) if times else 1
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise ConfigError(f"Page {title!r}: version {raw!r} must be a whole number from 1 up.")
    return number


def _history(item: dict[str, Any], title: str) -> list[datetime] | None:
    """Every version's date from ``created``/``updated``, evenly spread; None without dates.

    Version 1 is ``created`` and the current version ``updated``; the versions between get dates
    in between, so a page's history reads like a real one and stays the same on every load.
    """
    created = instant(item.get("created"), title, "created")
    updated = instant(item.get("updated"), title, "updated")
    day = _day(item.get("posting_day"), title)
    if created is None and day is not None:
        created = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    if created is None:
        if updated is not None:
            raise ConfigError(f"Page {title!r} has `updated` but no `created`. Add `created`.")
        return None
    count = _version_count(item, title, None)
    if item.get("version", item.get("versions")) is None and updated not in (None, created):
        count = 2  # dated edits without a version number: one edit
    end = updated if updated is not None else created
    if end < created:
        raise ConfigError(f"Page {title!r}: `updated` ({end}) is before `created` ({created}).")
    if count == 1:
        return [created]
    step = (end - created) / (count - 1)
    return [
        created + timedelta(milliseconds=int((step * n).total_seconds() * 1000))
        for n in range(count - 1)
    ] + [end]


def _day(raw: Any, title: str) -> date | None:
    """A blog post's ``posting_day`` (``2026-01-16``)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ConfigError(
            f"Blog post {title!r}: posting_day {raw!r} is not a date such as 2026-01-16."
        ) from None
