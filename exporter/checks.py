"""`confluence-export check`: config, auth, cloudId, scopes and each configured space."""

from __future__ import annotations

import asyncio
from pathlib import Path

from exporter.auth import CheckRow, auth_report, connect
from exporter.client import ConfluenceClient
from exporter.config import Config, require_settings
from exporter.errors import ExitCode, ExportError
from exporter.outdir import check_output_dir

__all__ = ["run_checks"]


def run_checks(config: Config) -> list[CheckRow]:
    """Every check as a row; a failed row says what to do next and carries the exit code
    ``export`` would end with for that failure. Never raises for a failure."""
    rows = [CheckRow("config", "ok", str(config.source or "defaults (no config.yaml)"))]
    rows.append(_output_row(Path(config.output.dir)))
    try:
        require_settings(config, "check")
    except ExportError as exc:
        return [*rows, CheckRow("settings", "fail", " ".join(str(exc).split()), exc.exit_code)]
    rows.extend(auth_report(config))
    if any(row.status == "fail" for row in rows):
        return rows
    rows.extend(_space_rows(config))
    return rows


def _output_row(out: Path) -> CheckRow:
    try:
        check_output_dir(out, create=False)
    except ExportError as exc:
        return CheckRow("output", "fail", str(exc), exc.exit_code)
    return CheckRow("output", "ok", f"{out} (writable)")


def _space_rows(config: Config) -> list[CheckRow]:
    try:
        connection = connect(config)
    except ExportError as exc:
        return [CheckRow("connection", "fail", str(exc), exc.exit_code)]

    async def probe() -> list[CheckRow]:
        async with ConfluenceClient(
            connection.wiki_base, connection.auth, timeout=config.api.timeout_s
        ) as client:
            if config.spaces == "all":
                found = [s async for s in client.paginate_v2("/api/v2/spaces", {"limit": 250})]
                detail = f"{len(found)} readable space(s)"
                if not found:
                    return [CheckRow("spaces: all", "fail", detail, ExitCode.USAGE)]
                return [CheckRow("spaces: all", "ok", detail)]
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
                    ExitCode.USAGE,
                )
                for key in keys
            ]

    try:
        return asyncio.run(probe())
    except ExportError as exc:
        return [CheckRow("spaces", "fail", str(exc), exc.exit_code)]
