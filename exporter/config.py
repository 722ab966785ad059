"""The configuration: typed settings loaded from config.yaml, the environment and flags.

``load_config`` reads the YAML file, expands ``${VAR}`` / ``${VAR:-default}`` in every string,
checks it against the declarative ``SCHEMA`` (reporting every problem at once, each with its key
path), applies the command-line overrides that were given, and returns a frozen ``Config``.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import platformdirs
import yaml

from exporter.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_SCOPES",
    "SCHEMA",
    "ApiConfig",
    "AuthConfig",
    "Config",
    "Endpoints",
    "OutputConfig",
    "SpaceSelection",
    "config_summary",
    "default_token_file",
    "load_config",
    "require_settings",
    "schema_keys",
]

APP_NAME = "confluence-export"
DEFAULT_CONFIG_NAME = "config.yaml"

DEFAULT_SCOPES: tuple[str, ...] = (
    # classic scopes (REST v1: CQL search, content, downloads)
    "read:confluence-space.summary",
    "read:confluence-content.summary",
    "read:confluence-content.all",
    "search:confluence",
    "readonly:content.attachment:confluence",
    "read:confluence-user",
    # granular scopes (REST v2)
    "read:space:confluence",
    "read:page:confluence",
    "read:attachment:confluence",
    "read:label:confluence",
    "read:folder:confluence",
    "read:hierarchical-content:confluence",
    "read:content.metadata:confluence",
    "read:user:confluence",
    "offline_access",
)


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where to send requests: Atlassian's hosts by default, the sandbox or a proxy when set."""

    auth: str = "https://auth.atlassian.com"
    api: str = "https://api.atlassian.com"
    site: str | None = None  # https://your-domain.atlassian.net; defaults to Config.site


@dataclass(frozen=True, slots=True)
class AuthConfig:
    method: Literal["oauth", "basic"] = "oauth"
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str = "http://localhost:8976/callback"
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    token_file: Path | None = None  # None: the platform's user state dir
    email: str | None = None
    api_token: str | None = None


@dataclass(frozen=True, slots=True)
class SpaceSelection:
    key: str
    root: str | None = None  # page id or title: export only this subtree
    include_labels: tuple[str, ...] = ()
    exclude_labels: tuple[str, ...] = ()
    exclude_titles: tuple[str, ...] = ()  # glob patterns


@dataclass(frozen=True, slots=True)
class OutputConfig:
    dir: Path = Path("export")
    format: Literal["docs", "site", "both"] = "both"
    flavor: Literal["gfm", "mkdocs", "docusaurus", "obsidian"] = "mkdocs"
    attachments: Literal["all", "referenced", "none"] = "referenced"
    blogposts: bool = False


@dataclass(frozen=True, slots=True)
class ApiConfig:
    concurrency: int = 8
    timeout_s: float = 30.0
    endpoints: Endpoints = field(default_factory=Endpoints)


@dataclass(frozen=True, slots=True)
class Config:
    site: str | None = None
    cloud_id: str | None = None
    auth: AuthConfig = field(default_factory=AuthConfig)
    spaces: tuple[SpaceSelection, ...] | Literal["all"] = "all"
    output: OutputConfig = field(default_factory=OutputConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    source: Path | None = None  # the file it was loaded from

    @property
    def site_endpoint(self) -> str | None:
        """The site's base URL (without /wiki) for Basic auth and web links."""
        return (self.api.endpoints.site or self.site or "").rstrip("/") or None


def default_token_file() -> Path:
    """The token file's default home: the platform's user state dir (0700, see tokens.py)."""
    return Path(platformdirs.user_state_dir(APP_NAME)) / "tokens.json"


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


class Url(Str):
    expected = "an http(s) URL"

    def convert(self, value: Any, path: str, problems: list[str], base: Path | None) -> Any:
        text = super().convert(value, path, problems, base)
        if text is None or text is INVALID:
            return text
        if not re.match(r"https?://[^/\s]+", text):
            problems.append(f"{path}: expected a URL starting with https://, got {text!r}")
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
                hint = f" (did you mean '{_join(path, close[0])}'?)" if close else ""
                problems.append(f"unknown key '{_join(path, str(key))}'{hint}")
                continue
            converted = spec.convert(item, _join(path, str(key)), problems, base)
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
        if isinstance(value, str):  # "ENG, OPS" (handy as ${CONFLUENCE_SPACES:-all})
            value = [key for key in re.split(r"[\s,]+", value) if key]
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


def _literal(*values: str) -> Choice:
    return Choice(values)


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
        "site": Url(),
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
        "output": Section(
            {
                "dir": PathField(),
                "format": _literal("docs", "site", "both"),
                "flavor": _literal("gfm", "mkdocs", "docusaurus", "obsidian"),
                "attachments": _literal("all", "referenced", "none"),
                "blogposts": Bool(),
            }
        ),
        "api": Section(
            {
                "concurrency": Int(minimum=1),
                "timeout_s": Float(),
                "endpoints": Section({"auth": Url(), "api": Url(), "site": Url()}),
            }
        ),
    }
)


def schema_keys() -> list[str]:
    """Every key the schema knows, dotted (``output.flavor``; ``spaces[].root`` for items)."""
    keys: list[str] = []

    def visit(section: Section, prefix: str) -> None:
        for name, spec in section.fields.items():
            dotted = _join(prefix, name)
            keys.append(dotted)
            if isinstance(spec, Section):
                visit(spec, dotted)
            elif isinstance(spec, Spaces):
                visit(spec.item, dotted + "[]")

    visit(SCHEMA, "")
    return keys


_VAR = re.compile(r"\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\})")


def _expand(value: Any, path: str, env: Mapping[str, str], problems: list[str]) -> Any:
    """Expand ``${VAR}``, ``${VAR:-default}`` and ``${VAR-default}`` in every string; ``$$`` is $."""
    if isinstance(value, dict):
        return {k: _expand(v, _join(path, str(k)), env, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{path}[{i}]", env, problems) for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(1) == "$":
            return "$"
        name, op, default = match.group(2), match.group(3), match.group(4)
        current = env.get(name)
        if op == ":-" and not current:
            return default or ""
        if op == "-" and current is None:
            return default or ""
        if current is None:
            problems.append(
                f"{path}: environment variable {name} is not set "
                f"(set it, or give a default: ${{{name}:-value}})"
            )
            return ""
        return current

    expanded = _VAR.sub(replace, value)
    return Expanded(expanded) if expanded != value else expanded


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"Config file {path} does not exist. Create it (see config.yaml in the project "
            "for every key) or leave out --config."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Config file {path} cannot be read ({exc.strerror}).") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path} is not valid YAML{where}: {problem}.") from None
    return {} if data is None else data


def _lookup_field(key: str) -> Any:
    node: Any = SCHEMA
    for part in key.split("."):
        if not isinstance(node, Section) or part not in node.fields:
            return None
        node = node.fields[part]
    return node


def _apply_overrides(
    values: dict[str, Any], overrides: Mapping[str, object], problems: list[str]
) -> None:
    """Set each given override (dotted key → value); ``None`` or an empty list means not given."""
    for key, value in overrides.items():
        if value is None or (isinstance(value, list | tuple) and not value):
            continue
        spec = _lookup_field(key)
        if spec is None or isinstance(spec, Section):
            close = difflib.get_close_matches(key, schema_keys(), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"unknown override '{key}'{hint}")
            continue
        converted = spec.convert(value, key, problems, None)
        if converted is INVALID:
            continue
        if key == "spaces":
            converted = _merge_spaces(values.get("spaces"), converted)
        node = values
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = converted


def _merge_spaces(from_file: Any, given: Any) -> Any:
    """Keep the file's per-space settings (root, labels) for the keys given on the command line."""
    if given == "all" or not isinstance(from_file, list):
        return given
    known = {item["key"]: item for item in from_file}
    return [known.get(item["key"], item) for item in given]


def load_config(
    path: Path | None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Load and validate the configuration, raising one ``ConfigError`` that lists every problem.

    ``path`` None means ``./config.yaml`` when it exists, else defaults only. ``overrides`` maps
    dotted keys (``output.dir``, ``spaces``) to flag values; ``None`` values are ignored.
    Relative paths in the file are taken relative to the file's folder.
    """
    env = os.environ if env is None else env
    if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        path = Path(DEFAULT_CONFIG_NAME)
    problems: list[str] = []
    raw: Any = {}
    if path is not None:
        raw = _read_yaml(path)
    raw = _expand(raw, "", env, problems)
    base_dir = path.resolve().parent if path is not None else None
    values = SCHEMA.convert(raw, "", problems, base_dir)
    if values is INVALID:
        values = {}
    _apply_overrides(values, overrides or {}, problems)
    if problems:
        where = str(path) if path is not None else "The configuration (flags and defaults)"
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        lines = "\n".join(f"  {p}" for p in problems)
        raise ConfigError(
            f"{where} is invalid ({count}):\n{lines}\nFix these and run again.", problems
        )
    config = _build(values, path.resolve() if path is not None else None)
    _register_secrets(config)
    return config


def _given(section: Any) -> dict[str, Any]:
    """A section's values without nulls, so an explicit ``key: null`` means the default."""
    return {k: v for k, v in (section or {}).items() if v is not None}


def _build(values: dict[str, Any], source: Path | None) -> Config:
    auth = _given(values.get("auth"))
    scopes = tuple(auth.get("scopes", DEFAULT_SCOPES))
    if "offline_access" not in scopes:
        scopes += ("offline_access",)
    auth["scopes"] = scopes
    auth.setdefault("token_file", default_token_file())
    api = _given(values.get("api"))
    endpoints = _given(api.get("endpoints"))
    endpoints.setdefault("site", values.get("site"))
    api["endpoints"] = Endpoints(**endpoints)
    output = _given(values.get("output"))
    if source is not None:  # like paths written in the file, the default follows the file
        output.setdefault("dir", source.parent / OutputConfig().dir)
    spaces = values.get("spaces", "all")
    if spaces != "all":
        spaces = tuple(SpaceSelection(**item) for item in spaces)
    return Config(
        site=values.get("site"),
        cloud_id=values.get("cloud_id"),
        auth=AuthConfig(**auth),
        spaces=cast(Any, spaces),
        output=OutputConfig(**output),
        api=ApiConfig(**api),
        source=source,
    )


def _register_secrets(config: Config) -> None:
    """Tell the log redaction about secrets from the config so they never reach a log line."""
    from exporter.logs import register_secret

    for value in (config.auth.client_secret, config.auth.api_token):
        if value:
            register_secret(value)


def require_settings(config: Config, command: str) -> None:
    """Raise ``ConfigError`` naming every setting ``command`` needs that is missing.

    Commands that talk to Confluence need credentials for ``auth.method``: ``basic`` needs
    ``site``, ``auth.email`` and ``auth.api_token``; ``oauth`` needs the client id and secret.
    """
    missing: list[str] = []
    if config.auth.method == "basic":
        if not config.site_endpoint:
            missing.append("site (your https://<name>.atlassian.net URL)")
        if not config.auth.email:
            missing.append("auth.email (the Atlassian account's email)")
        if not config.auth.api_token:
            missing.append("auth.api_token (create one at id.atlassian.com, API tokens)")
    else:
        if not config.auth.client_id:
            missing.append("auth.client_id (from your OAuth app in the developer console)")
        if not config.auth.client_secret:
            missing.append("auth.client_secret (from your OAuth app in the developer console)")
    if missing:
        where = config.source or "the configuration (no config.yaml was found)"
        lines = "\n".join(f"  {m}" for m in missing)
        raise ConfigError(
            f"`{command}` needs settings that are missing in {where}:\n{lines}\n"
            "Add them (environment variables work: ${VAR}) and run again.",
            missing,
        )


_SECRET_KEY = re.compile(r"secret|password|passwd|(?<!_file)token$|api_key|credential", re.I)
_USERINFO = re.compile(r"(://[^/:@\s]+:)[^/@\s]+@")
REDACTED = "***"


def config_summary(config: Config) -> dict[str, Any]:
    """The effective configuration as plain data for the ``-v`` dump, secrets redacted."""

    def plain(value: Any, key: str = "") -> Any:
        if hasattr(value, "__dataclass_fields__"):
            return {name: plain(getattr(value, name), name) for name in value.__dataclass_fields__}
        if isinstance(value, tuple | list):
            return [plain(v, key) for v in value]
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, str):
            if value and _SECRET_KEY.search(key):
                return REDACTED
            return _USERINFO.sub(rf"\1{REDACTED}@", value)
        return value

    return cast(dict[str, Any], plain(config))
