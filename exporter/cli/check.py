"""`confluence-export check`: config, auth, cloudId, scopes and each configured space."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from exporter.auth.connect import CheckRow, Connection, auth_report, connect, open_client
from exporter.cli.common import Context, examples, global_options, load_settings, setup
from exporter.config.schema import SPACES_HINT
from exporter.config.settings import Config, require_settings
from exporter.confluence.access import oauth_access, probe_access, token_kind
from exporter.confluence.client import ConfluenceClient
from exporter.confluence.spaces import readable_spaces, select_spaces
from exporter.errors import ConfigError, ExportError
from exporter.outdir import check_output_dir

__all__ = ["CheckFailed", "check_command", "run_checks"]


class CheckFailed(ExportError):
    """`check` found a problem (each one printed in the table); exits as its first row says."""


@click.command(
    "check",
    epilog=examples("confluence-export check", "confluence-export check --config site.yaml -v"),
)
@global_options
@click.pass_obj
def check_command(state: Context) -> None:
    """Validate config, auth, cloudId, scopes and that each configured space is reachable."""
    setup(state)
    config = load_settings(state)
    rows = run_checks(config)
    width = max(len(r.name) for r in rows)
    for row in rows:
        click.echo(f"{row.status.upper():<5} {row.name:<{width}}  {row.detail}")
    failed = [r for r in rows if r.status == "fail"]
    if failed:
        error = CheckFailed(f"{len(failed)} check(s) failed: {', '.join(r.name for r in failed)}.")
        error.exit_code = failed[0].exit_code  # what `export` would exit with for that failure
        raise error


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
        async with open_client(connection, config) as client:
            rows = await _scope_rows(client, connection, config.output.attachments != "none")
            if any(row.status == "fail" for row in rows):
                return rows
            return rows + await _spaces(client, connection, config)

    try:
        return asyncio.run(probe())
    except ExportError as exc:
        return [CheckRow("spaces", "fail", str(exc))]


async def _spaces(
    client: ConfluenceClient, connection: Connection, config: Config
) -> list[CheckRow]:
    """Each configured space (or all of the configured types): readable with this login?"""
    if config.spaces == "all":
        types = config.space_types
        listed = [s async for s in readable_spaces(client, types)]
        detail = f"{len(listed)} readable space(s) of type {', '.join(types)}"
        return [CheckRow("spaces: all", "ok" if listed else "fail", detail)]
    if config.spaces is None:
        return [CheckRow("spaces", "fail", f"spaces is not set; {SPACES_HINT}")]
    try:
        choice = await select_spaces(client, connection.site_url or "", config.spaces)
    except ConfigError as exc:  # a key that matches a space only in case
        return [CheckRow("spaces", "fail", str(exc))]
    rows = [CheckRow(f"space {s.space.key}", "ok", s.space.name) for s in choice.selected]
    rows += [CheckRow(f"space {g.key}", "fail", g.reason) for g in choice.gone]
    order = [s.key for s in config.spaces]
    return sorted(rows, key=lambda r: order.index(r.name.removeprefix("space ")))


async def _scope_rows(
    client: ConfluenceClient, connection: Connection, attachments: bool
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
