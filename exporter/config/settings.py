"""The configuration: typed settings loaded from config.yaml, the environment and flags.

``load_config`` reads the YAML file, expands ``${VAR}`` / ``${VAR:-default}`` in every string,
checks it against the declarative ``SCHEMA`` of ``exporter.config.schema`` (reporting every
problem at once, each with its key path), applies the command-line overrides that were given,
and returns a frozen ``Config``.
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

from exporter.config.schema import (
    INVALID,
    SCHEMA,
    SPACES_HINT,
    Expanded,
    Section,
    join_key,
    schema_keys,
)
from exporter.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_SCOPES",
    "DEFAULT_SPACE_TYPES",
    "ApiConfig",
    "AuthConfig",
    "Config",
    "Endpoints",
    "OutputConfig",
    "SpaceSelection",
    "config_summary",
    "default_token_file",
    "load_config",
    "require_selection",
    "require_settings",
]

APP_NAME = "confluence-export"
DEFAULT_SPACE_TYPES: tuple[str, ...] = ("global", "collaboration", "knowledge_base")
DEFAULT_CONFIG_NAME = "config.yaml"

DEFAULT_SCOPES: tuple[str, ...] = (
    # classic scopes: Atlassian checks these on the v1 routes the export still calls
    # (confluence-api.md 9); exporter.confluence.access names each one's use
    "search:confluence",  # CQL search of pages and attachments: v1 only
    "read:confluence-content.all",  # page bodies in that search (expand=content.body.storage)
    "readonly:content.attachment:confluence",  # v1 attachment downloads
    "read:confluence-user",  # v1 user/current: the time zone CQL dates are read in
    # granular scopes: REST v2
    "read:space:confluence",  # spaces
    "read:page:confluence",  # the trash listing (deleted pages)
    "read:attachment:confluence",  # v2 attachment reads
    "read:user:confluence",  # users-bulk: author and @mention names
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
    reconcile_days: int = 7  # a full listing at least this often (catches lone deletions)
    # The safety rail: a run that would delete more than this share of the exported pages (or
    # all of them, whatever the share) refuses unless deletions are allowed.
    max_delete_share: float = 0.5
    allow_deletions: bool = False
    site_name: str | None = None  # the site's title; None: the Confluence site's name


@dataclass(frozen=True, slots=True)
class ApiConfig:
    concurrency: int = 8
    timeout_s: float = 30.0
    max_retry_wait_s: float = 900.0  # total wait of one request through its retries
    endpoints: Endpoints = field(default_factory=Endpoints)


@dataclass(frozen=True, slots=True)
class Config:
    site: str | None = None
    cloud_id: str | None = None
    auth: AuthConfig = field(default_factory=AuthConfig)
    spaces: tuple[SpaceSelection, ...] | Literal["all"] | None = None  # None: not chosen
    # which space types ``spaces: all`` covers; a space named in ``spaces`` is exported whatever
    # its type (or status)
    space_types: tuple[str, ...] = DEFAULT_SPACE_TYPES
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


_VAR = re.compile(r"\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\})")


def _expand(value: Any, path: str, env: Mapping[str, str], problems: list[str]) -> Any:
    """Expand ``${VAR}``, ``${VAR:-default}`` and ``${VAR-default}`` in every string; ``$$`` is $."""
    if isinstance(value, dict):
        return {k: _expand(v, join_key(path, str(k)), env, problems) for k, v in value.items()}
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
    if len(problems) == 1:
        where = str(path) if path is not None else "The configuration"
        raise ConfigError(f"{where}: {problems[0]}. Fix it and run again.", problems)
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
    spaces = values.get("spaces")
    if spaces is not None and spaces != "all":
        spaces = tuple(SpaceSelection(**item) for item in spaces)
    return Config(
        site=values.get("site"),
        cloud_id=values.get("cloud_id"),
        auth=AuthConfig(**auth),
        spaces=cast(Any, spaces),
        space_types=tuple(values.get("space_types") or DEFAULT_SPACE_TYPES),
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


def require_selection(config: Config, only: list[str] | tuple[str, ...] | None = None) -> None:
    """Raise a one-line ``ConfigError`` when no spaces are chosen (no ``spaces:``, no ``--space``).

    An export without a selection must not guess: ``all`` could export thousands of spaces, and
    an empty one would delete every page exported before.
    """
    if only is not None and any(not key.strip() for key in only):
        raise ConfigError("--space needs a space key (--space ENG); nothing was exported.")
    if config.spaces is None and not only:
        where = config.source or "The configuration (no config.yaml was found)"
        raise ConfigError(f"{where}: spaces is not set; {SPACES_HINT}, or pass --space KEY.")


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
