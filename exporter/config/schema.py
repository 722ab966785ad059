"""The declarative config schema: typed field descriptors that check raw YAML values.

Each field converts its value or records a problem with the value's key path, so one pass over
``config.yaml`` reports every mistake at once, and unknown keys are named with the nearest valid
one. ``SCHEMA`` describes the whole file; it yields plain dicts, which ``exporter.config.settings`` turns
into the frozen ``Config`` dataclasses (so this module needs nothing from it).
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "INVALID",
    "SCHEMA",
    "SPACES_HINT",
    "SPACE_FIELDS",
    "SPACE_TYPES",
    "Bool",
    "Choice",
    "ChoiceList",
    "Expanded",
    "Field",
    "Float",
    "Int",
    "PathField",
    "Section",
    "Share",
    "Spaces",
    "Str",
    "StrList",
    "Url",
    "describe",
    "is_loopback",
    "join_key",
    "schema_keys",
]


class Expanded(str):
    """A string that came from ``${VAR}`` expansion; numeric and boolean fields may parse it."""


# --- the schema: typed field descriptors, each converting raw YAML and reporting problems ---

INVALID: Any = object()  # a value that failed validation (its problem is already recorded)


def describe(value: Any) -> str:
    """A YAML-ish name for a value's type, for 'expected X, got Y' messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def join_key(path: str, key: str) -> str:
    """``key`` under the dotted key path ``path`` (``auth`` + ``email`` is ``auth.email``)."""
    return f"{path}.{key}" if path else key


class Field:
    """One config value: ``convert`` returns the typed value or ``INVALID`` after recording why."""

    expected = "a value"

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        raise NotImplementedError

    def fail(self, value: Any, path: str, problems: list[str], expected: str = "") -> Any:
        problems.append(f"{path}: expected {expected or self.expected}, got {describe(value)}")
        return INVALID


class Str(Field):
    expected = "a string"

    def __init__(self, nullable: bool = True) -> None:
        self.nullable = nullable

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if (value is None or (isinstance(value, Expanded) and not value)) and self.nullable:
            return None
        if isinstance(value, str):
            return str(value)
        return self.fail(value, path, problems)


_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: 127.0.0.0/8, ::1 or localhost."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_problem(text: str, *, secure: bool, root_only: bool) -> str | None:
    """What is wrong with URL ``text`` (None when nothing is), as the end of a problem line."""
    shown = repr(re.sub(r"(://)[^/@\s]*@", r"\1***@", text))  # never echo a password
    if not re.match(r"https?://[^/\s]+", text) or re.search(r"\s", text):
        return f"expected a URL starting with https://, got {shown}"
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        return f"the port of {shown} is not a number"
    host = parts.hostname or ""
    address = parts.netloc.rpartition("@")[2]
    if not is_loopback(host) and not all(_HOST_LABEL.fullmatch(p) for p in host.split(".")):
        return f"{host!r} is not a valid host name, got {shown}"
    if secure and parts.scheme == "http" and not is_loopback(host):
        return (
            f"http:// would send credentials in clear text; use https://{address}"
            f"{parts.path.rstrip('/')} (http is accepted only on loopback: 127.0.0.1, ::1, "
            f"localhost), got {shown}"
        )
    if root_only and (parts.path.rstrip("/") or parts.query or parts.fragment):
        return (
            f"expected the site's root URL, {parts.scheme}://{address} (without /wiki or "
            f"a page path), got {shown}"
        )
    return None


class Url(Str):
    """A URL; ``secure`` refuses plain http except on loopback, ``root_only`` refuses a path."""

    expected = "an http(s) URL"

    def __init__(
        self, nullable: bool = True, *, secure: bool = False, root_only: bool = False
    ) -> None:
        super().__init__(nullable)
        self.secure = secure
        self.root_only = root_only

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        text = super().convert(value, path, problems, base)
        if text is None or text is INVALID:
            return text
        problem = _url_problem(text, secure=self.secure, root_only=self.root_only)
        if problem is not None:
            problems.append(f"{path}: {problem}")
            return INVALID
        return text.rstrip("/")


class Int(Field):
    expected = "an integer"

    def __init__(self, minimum: int = 0) -> None:
        self.minimum = minimum

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if isinstance(value, Expanded) and re.fullmatch(r"\s*-?\d+\s*", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return self.fail(value, path, problems)
        if value < self.minimum:
            problems.append(f"{path}: expected at least {self.minimum}, got {value}")
            return INVALID
        return value


class Float(Field):
    expected = "a number"

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if isinstance(value, Expanded) and re.fullmatch(r"\s*-?\d+(\.\d*)?\s*", value):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.fail(value, path, problems)
        if value <= 0:
            problems.append(f"{path}: expected a number above 0, got {value}")
            return INVALID
        return float(value)


class Share(Field):
    """A share between 0 and 1 (``0.5`` is half)."""

    expected = "a number from 0 to 1"

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if isinstance(value, Expanded) and re.fullmatch(r"\s*\d+(\.\d*)?\s*", value):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.fail(value, path, problems)
        if not 0 <= value <= 1:
            problems.append(f"{path}: expected a number from 0 to 1 (0.5 is half), got {value}")
            return INVALID
        return float(value)


class Bool(Field):
    expected = "true or false"

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if isinstance(value, Expanded) and value.lower() in ("true", "false", "1", "0", ""):
            return value.lower() in ("true", "1")
        if not isinstance(value, bool):
            return self.fail(value, path, problems)
        return value


class Choice(Field):
    def __init__(self, values: tuple[str, ...]) -> None:
        self.values = values
        self.expected = "one of " + ", ".join(values)

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if isinstance(value, str) and value in self.values:
            return str(value)
        got = repr(value) if isinstance(value, str) else describe(value)
        problems.append(f"{path}: expected {self.expected}, got {got}")
        return INVALID


class StrList(Field):
    """A list of strings; a single string means a list of one."""

    expected = "a list of strings"

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if isinstance(value, str):
            return (str(value),)
        if not isinstance(value, list | tuple):
            return self.fail(value, path, problems)
        items = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(item, f"{path}[{i}]", problems, "a string")
            else:
                items.append(str(item))
        return tuple(items) if len(items) == len(value) else INVALID


class ChoiceList(StrList):
    """A list of strings, each one of ``values``; a single string means a list of one."""

    def __init__(self, values: tuple[str, ...]) -> None:
        self.values = values
        self.expected = "a list of " + ", ".join(values)

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        items = super().convert(value, path, problems, base)
        if items is INVALID:
            return INVALID
        if not items:
            problems.append(f"{path}: expected at least one of {', '.join(self.values)}")
            return INVALID
        wrong = [item for item in items if item not in self.values]
        for item in wrong:
            problems.append(f"{path}: {item!r} is not one of {', '.join(self.values)}")
        return INVALID if wrong else items


class PathField(Field):
    """A filesystem path; ``~`` is expanded and relative paths in a file follow the file."""

    expected = "a path"

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if value is None or (isinstance(value, Expanded) and not value):
            return None
        if not isinstance(value, str | os.PathLike):
            return self.fail(value, path, problems)
        result = Path(value).expanduser()
        if base is not None and not result.is_absolute():
            result = base / result
        return result


class Section(Field):
    """A mapping with known keys; unknown keys are named with the nearest valid one."""

    expected = "a mapping"

    def __init__(self, fields: dict[str, Field], required: tuple[str, ...] = ()) -> None:
        self.fields = fields
        self.required = required

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if not isinstance(value, dict):
            return self.fail(value, path or "top level", problems)
        result: dict[str, Any] = {}
        for key, item in value.items():
            spec = self.fields.get(str(key))
            if spec is None:
                close = difflib.get_close_matches(str(key), list(self.fields), n=1)
                hint = f" (did you mean '{join_key(path, close[0])}'?)" if close else ""
                problems.append(f"unknown key '{join_key(path, str(key))}'{hint}")
                continue
            converted = spec.convert(item, join_key(path, str(key)), problems, base)
            if converted is not INVALID:
                result[str(key)] = converted
        for key in self.required:
            if key not in value:
                problems.append(f"{path or 'top level'}: missing required key '{key}'")
        return result


class Spaces(Field):
    """``all``, a list of space keys or mappings ``{key, root, include_labels, ...}``, or one
    string of keys separated by commas or spaces."""

    expected = '"all" or a list of space keys'

    def __init__(self, item: Section) -> None:
        self.item = item

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        if value == "all":
            return "all"
        from_env = isinstance(value, Expanded)
        if isinstance(value, str):  # "ENG, OPS" (handy as ${CONFLUENCE_SPACES:-all})
            value = [key for key in re.split(r"[\s,]+", value) if key]
        if value is None or (isinstance(value, list | tuple) and not value):
            # An empty selection would make the export delete every page it wrote before.
            why = " (its environment variable is empty or unset)" if from_env else ""
            problems.append(f"{path} is empty{why}; {SPACES_HINT}")
            return INVALID
        if not isinstance(value, list | tuple):
            return self.fail(value, path, problems)
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, raw in enumerate(value):
            where = f"{path}[{i}]"
            if isinstance(raw, dict) and isinstance(raw.get("root"), int):
                raw = {**raw, "root": str(raw["root"])}
            item = {"key": raw} if isinstance(raw, str) else raw
            if not isinstance(item, dict):
                self.fail(raw, where, problems, "a space key or a mapping with 'key'")
                continue
            converted = self.item.convert(item, where, problems, base)
            key = converted.get("key") if isinstance(converted, dict) else None
            if key in seen:
                problems.append(f"{where}: space {key!r} is listed twice")
            elif key:
                seen.add(key)
                items.append(converted)
        return items


SPACES_HINT = "list the space keys to export (spaces: [ENG, OPS]) or write spaces: all"


def _literal(*values: str) -> Choice:
    return Choice(values)


SPACE_TYPES = ("global", "collaboration", "knowledge_base", "personal")

SPACE_FIELDS = Section(
    {
        "key": Str(nullable=False),
        "root": Str(),
        "include_labels": StrList(),
        "exclude_labels": StrList(),
        "exclude_titles": StrList(),
    },
    required=("key",),
)

SCHEMA = Section(
    {
        "site": Url(secure=True, root_only=True),
        "cloud_id": Str(),
        "auth": Section(
            {
                "method": _literal("oauth", "basic"),
                "client_id": Str(),
                "client_secret": Str(),
                "redirect_uri": Url(nullable=False),
                "scopes": StrList(),
                "token_file": PathField(),
                "email": Str(),
                "api_token": Str(),
            }
        ),
        "spaces": Spaces(SPACE_FIELDS),
        "space_types": ChoiceList(SPACE_TYPES),
        "output": Section(
            {
                "dir": PathField(),
                "format": _literal("docs", "site", "both"),
                "flavor": _literal("gfm", "mkdocs", "docusaurus", "obsidian"),
                "attachments": _literal("all", "referenced", "none"),
                "blogposts": Bool(),
                "reconcile_days": Int(minimum=0),
                "max_delete_share": Share(),
                "allow_deletions": Bool(),
                "site_name": Str(),
            }
        ),
        "api": Section(
            {
                "concurrency": Int(minimum=1),
                "timeout_s": Float(),
                "max_retry_wait_s": Float(),
                "endpoints": Section(
                    {
                        "auth": Url(secure=True),
                        "api": Url(secure=True),
                        "site": Url(secure=True),
                    }
                ),
            }
        ),
    }
)


def schema_keys() -> list[str]:
    """Every key the schema knows, dotted (``output.flavor``; ``spaces[].root`` for items)."""
    keys: list[str] = []

    def visit(section: Section, prefix: str) -> None:
        for name, spec in section.fields.items():
            dotted = join_key(prefix, name)
            keys.append(dotted)
            if isinstance(spec, Section):
                visit(spec, dotted)
            elif isinstance(spec, Spaces):
                visit(spec.item, dotted + "[]")

    visit(SCHEMA, "")
    return keys
