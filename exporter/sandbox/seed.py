"""Load a seed directory (CONTRACT.md "--seed DIR") into a :class:`Store`.

Layout: ``site.yaml`` (``name``/``site``, ``users: [{account_id, display_name}]``) and
``spaces/<KEY>/space.yaml`` (``key``, ``name``, nested ``pages:``). Each page names a storage
file beside ``space.yaml`` in ``body`` and may list ``labels``, ``attachments`` (a file under
``spaces/<KEY>/attachments/`` or ``{name, file, media_type}``), ``children``, ``author``,
``status`` and ``type`` (page, folder, blogpost).
"""

from __future__ import annotations

import copy
import mimetypes
from pathlib import Path
from typing import Any

import yaml

from exporter.errors import ConfigError
from exporter.sandbox.store import Clock, Store

__all__ = ["SAMPLE_DIR", "load_seed", "media_type_for", "resolve_seed"]

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
    store = Store(str(site.get("name") or site.get("site") or "Sandbox"), clock)
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


def _load_space(store: Store, space_file: Path) -> None:
    data = _read_yaml(space_file)
    key = str(data.get("key") or space_file.parent.name)
    store.add_space(key, str(data.get("name") or key), str(data.get("description") or ""))
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
    author = item.get("author")
    if author is not None and str(author) not in store.users:
        matches = [u.account_id for u in store.users.values() if u.display_name == author]
        author = matches[0] if matches else None
    record = store.add_content(
        key,
        str(item["title"]),
        body,
        type=kind,
        parent_id=None if kind == "blogpost" else parent,
        labels=[str(label) for label in item.get("labels") or []],
        author=str(author) if author else None,
        status=str(item.get("status") or "current"),
    )
    for extra in range(int(item.get("versions", 1)) - 1):
        store.update_content(record.id, body=body, author=str(author) if author else None)
        record.versions[-1].created_at = store._seed_time()
        record.versions[-1].message = f"edit {extra + 1}"
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
        store.add_attachment(record.id, name, data, media)
    for child in item.get("children") or []:
        _load_page(store, base, key, child, record.id)
