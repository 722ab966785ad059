"""What a page version becomes in git: its author, its message with trailers, its file.

Authors are the version's Confluence user: the display name and a stable no-reply address made
from the account id (``<accountId>@users.confluence.invalid``), or what ``authors.yaml`` maps
the account id to. Past versions are converted with today's converter and placed with today's
layout, so links in old versions point where the pages are now.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from exporter.convert import convert_page
from exporter.docs.writer import DocsWriter
from exporter.errors import ConfigError
from exporter.history.fastimport import Ident
from exporter.history.versions import PageVersion
from exporter.models import Page

__all__ = [
    "EXPORTER",
    "NOREPLY_DOMAIN",
    "Authors",
    "change_message",
    "commit_message",
    "parse_instant",
    "render_version",
    "version_url",
]

NOREPLY_DOMAIN = "users.confluence.invalid"
EXPORTER = ("confluence-export", "confluence-export@users.noreply.invalid")


def parse_instant(text: str) -> datetime:
    """A Confluence timestamp (``2024-05-02T10:00:00.000Z``) as an aware datetime."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class Authors:
    """Git identities of Confluence users: ``authors.yaml`` first, then display names."""

    def __init__(self, names: Mapping[str, str], mapping: Mapping[str, tuple[str, str]]) -> None:
        self.names = dict(names)
        self.mapping = dict(mapping)

    @classmethod
    def load(cls, path: Path | None, names: Mapping[str, str]) -> Authors:
        """With the mapping file at ``path``: ``accountId: "Name <email>"`` or
        ``accountId: {name: ..., email: ...}`` per line (ConfigError naming the bad entry)."""
        mapping: dict[str, tuple[str, str]] = {}
        if path is None:
            return cls(names, mapping)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"history.authors: cannot read {path} ({exc}).") from None
        if not isinstance(data, dict):
            raise ConfigError(f"history.authors: {path} must map account ids to authors.")
        for key, value in data.items():
            mapping[str(key)] = _identity(path, str(key), value)
        return cls(names, mapping)

    def ident(self, account_id: str, when: datetime) -> Ident:
        """The git author of a version ``account_id`` made at ``when``."""
        if account_id in self.mapping:
            name, email = self.mapping[account_id]
        else:
            name = self.names.get(account_id) or account_id or "Unknown user"
            email = f"{account_id or 'unknown'}@{NOREPLY_DOMAIN}"
        return Ident(name, email, when)


def _identity(path: Path, key: str, value: Any) -> tuple[str, str]:
    if isinstance(value, dict) and value.get("name") and value.get("email"):
        return str(value["name"]), str(value["email"])
    if isinstance(value, str) and value.endswith(">") and " <" in value:
        name, _, email = value[:-1].rpartition(" <")
        return name.strip(), email.strip()
    raise ConfigError(
        f'history.authors: {path}: entry {key!r} must be "Name <email>" or '
        "{name: ..., email: ...}; fix it and run again."
    )


def version_url(site_url: str, page_id: str, number: int) -> str:
    """Where Confluence shows that version (``viewpage.action?pageId&pageVersion``)."""
    return (
        f"{site_url.rstrip('/')}/wiki/pages/viewpage.action?pageId={page_id}&pageVersion={number}"
    )


def commit_message(version: PageVersion, site_url: str) -> str:
    """The version's message (or ``Create``/``Edit <title>``) and its trailers."""
    subject = version.message.strip()
    if not subject:
        subject = f"{'Create' if version.number == 1 else 'Edit'} {version.title}".strip()
    trailers = [
        f"Confluence-Page-Id: {version.page_id}",
        f"Confluence-Version: {version.number}",
        f"Confluence-Url: {version_url(site_url, version.page_id, version.number)}",
    ]
    if version.minor_edit:
        trailers.append("Confluence-Minor-Edit: true")
    return f"{subject}\n\n" + "\n".join(trailers) + "\n"


def change_message(page_id: str, title: str, old: str, new: str | None) -> str:
    """The message of a page's move (``new`` its path now) or deletion (``new`` None)."""
    if new is None:
        head, what, change = f"Delete {title}", f"{old} is gone from Confluence.", "delete"
    else:
        head, what, change = f"Move {title}", f"{old} -> {new}", "move"
    return f"{head}\n\n{what}\n\nConfluence-Page-Id: {page_id}\nConfluence-Change: {change}\n"


def render_version(writer: DocsWriter, page: Page, version: PageVersion) -> bytes:
    """The page's Markdown file as it read at ``version``: that version's title, body,
    author and date, converted today, at the page's path of today."""
    past = dataclasses.replace(
        page,
        title=version.title or page.title,
        version=version.number,
        updated=version.created_at,
        author_id=version.author_id or page.author_id,
        body=version.body or "",
    )
    converted = convert_page(past, flavor=writer.flavor, resolver=writer.resolver(past))
    entry = dataclasses.replace(writer.entry(page.id), title=past.title, page=past)
    return writer.render(entry, converted.markdown, converted.front_matter)
