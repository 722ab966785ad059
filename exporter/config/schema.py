"""Every config key, declared once: the frozen settings dataclasses, whose fields carry their check.

A key is a dataclass field with ``metadata=check(<descriptor>)`` (descriptors in
``exporter.config.fields``): its type and default are the field's, its check is the descriptor,
and ``SCHEMA``, the check of the whole ``config.yaml``, is derived from the dataclasses by
``section_of``. So the typed ``Config`` the pipeline reads and the schema that validates the file
(and the ``--flag`` overrides) cannot drift apart. Nested sections are fields whose default
factory is a settings dataclass; fields without a default are required keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from exporter.config.fields import (
    SPACES_HINT,
    Bool,
    Choice,
    ChoiceList,
    Day,
    Field,
    Float,
    Int,
    PathField,
    Section,
    Share,
    Spaces,
    Str,
    StrList,
    Url,
    join_key,
)
from exporter.models import FLAVORS, Flavor

__all__ = [
    "DEFAULT_SCOPES",
    "DEFAULT_SPACE_TYPES",
    "NOT_A_KEY",
    "SCHEMA",
    "SPACES_HINT",
    "SPACE_FIELDS",
    "SPACE_TYPES",
    "ApiConfig",
    "AttachmentMode",
    "AuthConfig",
    "AuthMethod",
    "Config",
    "Endpoints",
    "HistoryConfig",
    "HistoryMode",
    "OutputConfig",
    "OutputFormat",
    "SpaceSelection",
    "check",
    "schema_keys",
    "section_of",
]

_SPEC = "exporter.config"  # the metadata entry under which a dataclass field carries its check
NOT_A_KEY: Mapping[str, Any] = {_SPEC: None}  # metadata of a field that is no config key


def check(spec: Field) -> Mapping[str, Any]:
    """The ``field(metadata=...)`` that makes a dataclass field a config key checked by ``spec``."""
    return {_SPEC: spec}


def section_of(cls: type) -> Section:
    """The ``Section`` checking the keys of settings dataclass ``cls``, in field order.

    A field is a key when its metadata comes from ``check(...)``; a field whose default factory
    is itself a dataclass is a nested section; a field without a default is a required key.
    Any other field must say it is no key (``metadata=NOT_A_KEY``), so a check is never missed.
    """
    fields: dict[str, Field] = {}
    required: list[str] = []
    for item in dataclasses.fields(cls):
        factory = item.default_factory
        if _SPEC in item.metadata:
            spec = item.metadata[_SPEC]
            if spec is None:
                continue
        elif isinstance(factory, type) and dataclasses.is_dataclass(factory):
            spec = section_of(factory)
        else:
            raise TypeError(
                f"{cls.__name__}.{item.name} is declared without its check: give it "
                "field(metadata=check(...)), or metadata=NOT_A_KEY when it is no config key"
            )
        if item.default is dataclasses.MISSING and factory is dataclasses.MISSING:
            required.append(item.name)
        fields[item.name] = spec
    return Section(fields, tuple(required))


AuthMethod = Literal["oauth", "basic"]
OutputFormat = Literal["docs", "site", "both"]
AttachmentMode = Literal["all", "referenced", "none"]
HistoryMode = Literal["off", "git"]

SPACE_TYPES = ("global", "collaboration", "knowledge_base", "personal")
DEFAULT_SPACE_TYPES: tuple[str, ...] = ("global", "collaboration", "knowledge_base")

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

    auth: str = field(default="https://auth.atlassian.com", metadata=check(Url(secure=True)))
    api: str = field(default="https://api.atlassian.com", metadata=check(Url(secure=True)))
    # https://your-domain.atlassian.net; defaults to Config.site
    site: str | None = field(default=None, metadata=check(Url(secure=True)))


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """How to authenticate: an OAuth app's tokens, or an email and API token (Basic)."""

    method: AuthMethod = field(default="oauth", metadata=check(Choice(get_args(AuthMethod))))
    client_id: str | None = field(default=None, metadata=check(Str()))
    client_secret: str | None = field(default=None, metadata=check(Str()))
    redirect_uri: str = field(
        default="http://localhost:8976/callback", metadata=check(Url(nullable=False))
    )
    scopes: tuple[str, ...] = field(default=DEFAULT_SCOPES, metadata=check(StrList()))
    # None: the platform's user state dir
    token_file: Path | None = field(default=None, metadata=check(PathField()))
    email: str | None = field(default=None, metadata=check(Str()))
    api_token: str | None = field(default=None, metadata=check(Str()))


@dataclass(frozen=True, slots=True)
class SpaceSelection:
    """One space to export, optionally narrowed to a subtree or by labels and titles."""

    key: str = field(metadata=check(Str(nullable=False)))
    # page id or title: export only this subtree
    root: str | None = field(default=None, metadata=check(Str()))
    include_labels: tuple[str, ...] = field(default=(), metadata=check(StrList()))
    exclude_labels: tuple[str, ...] = field(default=(), metadata=check(StrList()))
    exclude_titles: tuple[str, ...] = field(default=(), metadata=check(StrList()))  # globs


SPACE_FIELDS = section_of(SpaceSelection)


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """What to write and where: the docs folder, the site, attachments, the safety rail."""

    dir: Path = field(default=Path("export"), metadata=check(PathField()))
    format: OutputFormat = field(default="both", metadata=check(Choice(get_args(OutputFormat))))
    flavor: Flavor = field(default="mkdocs", metadata=check(Choice(FLAVORS)))
    attachments: AttachmentMode = field(
        default="referenced", metadata=check(Choice(get_args(AttachmentMode)))
    )
    blogposts: bool = field(default=False, metadata=check(Bool()))
    # a full listing at least this often (catches lone deletions)
    reconcile_days: int = field(default=7, metadata=check(Int(minimum=0)))
    # The safety rail: a run that would delete more than this share of the exported pages (or
    # all of them, whatever the share) refuses unless deletions are allowed.
    max_delete_share: float = field(default=0.5, metadata=check(Share()))
    allow_deletions: bool = field(default=False, metadata=check(Bool()))
    # git: one commit per page version (docs/history.md)
    history: HistoryMode = field(default="off", metadata=check(Choice(get_args(HistoryMode))))
    # the static site's title; None: the Confluence site's name
    site_name: str | None = field(default=None, metadata=check(Str()))
    # llms.txt and llms-full.txt at the site's root (llmstxt.org), for AI tools and RAG
    llms_txt: bool = field(default=True, metadata=check(Bool()))


@dataclass(frozen=True, slots=True)
class HistoryConfig:
    """Which past versions ``output.history: git`` imports, and who wrote them."""

    # a first import skips versions made before this day
    since: date | None = field(default=None, metadata=check(Day()))
    # a first import keeps only each page's last N versions
    max_versions: int | None = field(default=None, metadata=check(Int(minimum=1, nullable=True)))
    # authors.yaml: account id -> "Name <email>"
    authors: Path | None = field(default=None, metadata=check(PathField()))


@dataclass(frozen=True, slots=True)
class ApiConfig:
    """How to call the API: concurrency, timeouts, the retry budget and the hosts."""

    concurrency: int = field(default=8, metadata=check(Int(minimum=1)))
    timeout_s: float = field(default=30.0, metadata=check(Float()))
    # total wait of one request through its retries
    max_retry_wait_s: float = field(default=900.0, metadata=check(Float()))
    endpoints: Endpoints = field(default_factory=Endpoints)


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration, frozen: what every command reads."""

    site: str | None = field(default=None, metadata=check(Url(secure=True, root_only=True)))
    cloud_id: str | None = field(default=None, metadata=check(Str()))
    auth: AuthConfig = field(default_factory=AuthConfig)
    # None: not chosen
    spaces: tuple[SpaceSelection, ...] | Literal["all"] | None = field(
        default=None, metadata=check(Spaces(SPACE_FIELDS))
    )
    # which space types ``spaces: all`` covers; a space named in ``spaces`` is exported whatever
    # its type (or status)
    space_types: tuple[str, ...] = field(
        default=DEFAULT_SPACE_TYPES, metadata=check(ChoiceList(SPACE_TYPES))
    )
    output: OutputConfig = field(default_factory=OutputConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    source: Path | None = field(default=None, metadata=NOT_A_KEY)  # the file it was loaded from

    @property
    def site_endpoint(self) -> str | None:
        """The site's base URL (without /wiki) for Basic auth and web links."""
        return (self.api.endpoints.site or self.site or "").rstrip("/") or None


SCHEMA = section_of(Config)  # the check of a whole config.yaml


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
