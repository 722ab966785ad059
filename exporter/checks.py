"""`confluence-export check`: config, auth, cloudId, scopes and each configured space."""

from __future__ import annotations

import asyncio
from typing import Any

from exporter.access import oauth_access, probe_access, token_kind
from exporter.auth import CheckRow, auth_report, connect
from exporter.client import ConfluenceClient
from exporter.config import Config, require_settings
from exporter.errors import ExportError

__all__ = ["run_checks"]


def run_checks(config: Config) -> list[CheckRow]:
    """Every check as a row; a failed row says what to do next. Never raises for a failure."""
    rows = [CheckRow("config", "ok", str(config.source or "defaults (no config.yaml)"))]
    try:
        require_settings(config, "check")
    except ExportError as exc:
        return [*rows, CheckRow("settings", "fail", " ".join(str(exc).split()))]
    rows.extend(auth_report(config))
    if any(row.status == "fail" for row in rows):
        return rows
    rows.extend(_space_rows(config))
    return rows


def _space_rows(config: Config) -> list[CheckRow]:
    try:
        connection = connect(config)
    except ExportError as exc:
        return [CheckRow("connection", "fail", str(exc))]

    async def probe() -> list[CheckRow]:
        async with ConfluenceClient(
            connection.wiki_base, connection.auth, timeout=config.api.timeout_s
        ) as client:
            rows = await _scope_rows(client, connection, config.output.attachments != "none")
            if any(row.status == "fail" for row in rows):
                return rows
            return rows + await _spaces(client, config)

    try:
        return asyncio.run(probe())
    except ExportError as exc:
        return [CheckRow("spaces", "fail", str(exc))]


async def _spaces(client: ConfluenceClient, config: Config) -> list[CheckRow]:
    """Each configured space (or all): readable with this login?"""
    if config.spaces == "all":
        found = [s async for s in client.paginate_v2("/api/v2/spaces", {"limit": 250})]
        detail = f"{len(found)} readable space(s)"
        return [CheckRow("spaces: all", "ok" if found else "fail", detail)]
    keys = [s.key for s in config.spaces]
    found = [
        s
        async for s in client.paginate_v2("/api/v2/spaces", {"keys": ",".join(keys), "limit": 250})
    ]
    names = {s.get("key"): s.get("name", "") for s in found}
    return [
        CheckRow(f"space {key}", "ok", str(names[key]))
        if key in names
        else CheckRow(
            f"space {key}",
            "fail",
            "not found or not readable with this login; check the key and your "
            "permissions (run `confluence-export spaces`)",
        )
        for key in keys
    ]


async def _scope_rows(
    client: ConfluenceClient, connection: Any, attachments: bool
) -> list[CheckRow]:
    """One row per thing the export does: does the token hold its scopes (access.py)?"""
    kind = token_kind(connection)
    if kind == "unscoped":
        return [CheckRow("export scopes", "ok", "not needed: a classic API token is unscoped")]
    if kind == "oauth":
        access = await oauth_access(client, connection, attachments)
    else:
        access = await probe_access(client, attachments)
    return [
        CheckRow(f"scope: {r.need.what}", "fail", access.message(r))
        if r.missing
        else CheckRow(f"scope: {r.need.what}", "ok", ", ".join(r.need.scopes))
        for r in access.results
    ]
