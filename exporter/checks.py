"""`confluence-export check`: config, auth, cloudId, scopes and each configured space."""

from __future__ import annotations

import asyncio

from exporter.auth import CheckRow, auth_report, connect
from exporter.client import ConfluenceClient
from exporter.config import Config, require_settings
from exporter.errors import ExportError
from exporter.walk import readable_spaces

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
            connection.wiki_base,
            connection.auth,
            timeout=config.api.timeout_s,
            retry_budget=config.api.max_retry_wait_s,
        ) as client:
            if config.spaces == "all":
                types = config.space_types
                listed = [s async for s in readable_spaces(client, types)]
                detail = f"{len(listed)} readable space(s) of type {', '.join(types)}"
                return [CheckRow("spaces: all", "ok" if listed else "fail", detail)]
            keys = [s.key for s in config.spaces]
            found = [
                s
                async for s in client.paginate_v2(
                    "/api/v2/spaces", {"keys": ",".join(keys), "limit": 250}
                )
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

    try:
        return asyncio.run(probe())
    except ExportError as exc:
        return [CheckRow("spaces", "fail", str(exc))]
