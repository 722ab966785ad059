"""The `confluence-export` command line: thin click commands over the library API.

Exit codes: the one table is ``exporter.errors.EXIT_CODES``; only ``main`` here maps errors,
Ctrl-C and SIGTERM to them.
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from exporter import __version__
from exporter.config.settings import Config
from exporter.errors import ExitCode, ExportError, exit_codes_help

log = logging.getLogger("exporter")

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = exit_codes_help()


class Context:
    """Global options shared by every command."""

    def __init__(self) -> None:
        self.config_path: Path | None = None
        self.verbose = 0
        self.quiet = False
        self.log_format = "text"


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        state = ctx.ensure_object(Context)
        if value:  # 0, False, None and () mean "not given here": keep the group's value
            setattr(state, attr, value)
        return value

    return callback


def global_options(f: F) -> F:
    """Options accepted on every command (and before it)."""
    f = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        expose_value=False,
        callback=_store("config_path"),
        help="Config file (default: ./config.yaml when it exists).",
    )(f)
    f = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_store("verbose"),
        help="More output; -vv for HTTP details (secrets redacted).",
    )(f)
    f = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_store("quiet"),
        help="Only errors and results.",
    )(f)
    f = click.option(
        "--log-format",
        type=click.Choice(["text", "json", "github"]),
        expose_value=False,
        callback=_store("log_format"),
        help="Log lines as text, JSON objects, or GitHub Actions workflow commands.",
    )(f)
    return f


_LAZY_COMMANDS = {
    "login": "exporter.cli.auth:login_command",
    "logout": "exporter.cli.auth:logout_command",
    "sites": "exporter.cli.auth:sites_command",
    "convert": "exporter.cli.convert:convert_command",
    "site": "exporter.cli.site:site_command",
    "serve": "exporter.cli.site:serve_command",
    "sandbox": "exporter.sandbox.command:sandbox_command",
}


def _global_params() -> list[click.Parameter]:
    @global_options
    def dummy() -> None:  # only its parameters are used
        pass

    return list(getattr(dummy, "__click_params__", []))


def _load_lazy(name: str) -> click.Command:
    """Import a command's module only when that command runs (keeps start-up fast)."""
    module_name, attr = _LAZY_COMMANDS[name].split(":")
    original: click.Command = getattr(importlib.import_module(module_name), attr)
    command = copy.copy(original)  # leave the module's command object as its owner wrote it
    names = {p.name for p in original.params}
    command.params = [*original.params, *(p for p in _global_params() if p.name not in names)]
    return command


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY_COMMANDS:
            return _load_lazy(cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, "-V", "--version", prog_name="confluence-export")
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Export Confluence Cloud spaces to a git-ready Markdown folder and a static site."""
    ctx.ensure_object(Context)


def _setup(state: Context) -> None:
    from exporter.logs import setup_logging

    setup_logging(state.verbose, state.quiet, state.log_format)  # type: ignore[arg-type]


def _connect(config: Config) -> Any:
    """Log in as configured; in a GitHub Action with OAuth, rotated refresh tokens are first
    written back to the repository secret (``exporter.action.steps``) before they are used."""
    from exporter.action.steps import rotation_hook_from_env
    from exporter.auth.connect import connect

    hook = rotation_hook_from_env() if config.auth.method == "oauth" else None
    if hook is not None:
        hook.check()
    return connect(config, rotation_hooks=[hook] if hook is not None else ())


def _load_config(state: Context, overrides: dict[str, object] | None = None) -> Config:
    from exporter.config.settings import config_summary, load_config

    config = load_config(state.config_path, overrides)
    if state.verbose:
        log.info("effective configuration: %s", json.dumps(config_summary(config), sort_keys=True))
    return config


class _StageProgress:
    """Adapts the pipeline's (stage, done, total) callbacks to one progress display per stage."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._bar: Any = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        from exporter.cli.report import progress

        if stage != self._stage:
            self.close()
            self._stage, self._bar = stage, progress(total, stage)
            self._done = 0
        if self._bar is not None and done > self._done:
            self._bar.advance(done - self._done)
            self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _print_summary(summary: Any, state: Context, summary_json: Path | None) -> None:
    from exporter.cli.report import log_summary, log_warnings

    data = summary.as_dict()
    if summary_json is not None:
        summary_json.parent.mkdir(parents=True, exist_ok=True)
        summary_json.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")
    log_warnings(summary.warning_list)  # each once, naming its page (shown unless -q)
    if state.log_format in ("json", "github"):
        log_summary(summary)  # JSON: always the last log line; GitHub: the step summary table
    if state.log_format == "json":
        click.echo(json.dumps(data, sort_keys=True))
        return
    for failure in summary.failures:
        what = f"space {failure.title}" if failure.kind == "space" else failure.page_id
        what += "" if failure.kind == "space" else f" {failure.title}"
        click.echo(f"FAILED {what}: {failure.reason}", err=True)
    if summary.dry_run:
        for item in summary.plan:
            path = item.path or item.old_path  # a deletion names the file it removes
            moved = item.old_path and item.old_path != path
            click.echo(f"{item.action:<8} {path}" + (f"  (was {item.old_path})" if moved else ""))
    if state.quiet:
        return
    pages, atts = data["pages"], data["attachments"]
    click.echo(
        f"pages: {pages['exported']} exported, {pages['unchanged']} unchanged, "
        f"{pages['deleted']} deleted, {pages['failed']} failed; attachments: "
        f"{atts['downloaded']} downloaded, {atts['unchanged']} unchanged, {atts['failed']} failed; "
        f"{data['requests']} requests ({data['retries']} retries), ~{data['points']} points, "
        f"{data['warnings']} warnings, {data['duration_s']:.1f}s"
    )


@cli.command("export", epilog=EXIT_CODES_HELP)
@click.option(
    "--space", "spaces", multiple=True, help="Space key to export (repeatable); default: config."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output directory.")
@click.option("--format", "fmt", type=click.Choice(["docs", "site", "both"]), help="What to write.")
@click.option("--flavor", type=click.Choice(["gfm", "mkdocs", "docusaurus", "obsidian"]))
@click.option("--full", is_flag=True, help="Ignore saved state: fetch and rewrite everything.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option(
    "--allow-deletions",
    is_flag=True,
    help="Confirm a run that deletes more than output.max_delete_share of the exported pages "
    "(default 0.5), or all of them; without it such a run changes nothing and exits 2.",
)
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the run summary as JSON.",
)
@click.option(
    "--history",
    is_flag=True,
    help="One git commit per Confluence page version (output.history: git; docs/history.md).",
)
@global_options
@click.pass_obj
def export_command(
    state: Context,
    spaces: tuple[str, ...],
    out: Path | None,
    fmt: str | None,
    flavor: str | None,
    full: bool,
    dry_run: bool,
    allow_deletions: bool,
    summary_json: Path | None,
    history: bool,
) -> None:
    """Export the configured spaces (incremental unless --full)."""
    from exporter.config.settings import require_selection, require_settings
    from exporter.errors import DeletionRefused, PartialExport
    from exporter.outdir import check_output_dir
    from exporter.run.pipeline import export

    _setup(state)
    overrides = {"output.dir": out, "output.format": fmt, "output.flavor": flavor}
    config = _load_config(state, {**overrides, "output.history": "git" if history else None})
    require_settings(config, "export")
    require_selection(config, spaces)
    out_dir = Path(out or config.output.dir)
    check_output_dir(out_dir, write=not dry_run, create=False)  # before a login, creating nothing
    connection = _connect(config)
    bar = _StageProgress()
    try:
        summary = export(
            config,
            spaces=list(spaces) or None,
            out=out_dir,
            full=full,
            dry_run=dry_run,
            progress=bar,
            connection=connection,
            allow_deletions=allow_deletions,
        )
    except DeletionRefused as exc:
        bar.close()
        if dry_run and state.log_format == "text":  # show what would have been deleted
            _print_summary(getattr(exc, "summary"), state, None)  # noqa: B009
        raise
    except PartialExport as exc:
        bar.close()
        _print_summary(getattr(exc, "summary"), state, summary_json)  # noqa: B009
        raise
    bar.close()
    _print_summary(summary, state, summary_json)


@cli.command("spaces")
@global_options
@click.pass_obj
def spaces_command(state: Context) -> None:
    """List the spaces you can read (key, name, type), all of them."""
    from exporter.auth.connect import open_client
    from exporter.config.settings import require_settings

    _setup(state)
    config = _load_config(state)
    require_settings(config, "spaces")
    connection = _connect(config)

    async def listing() -> list[dict[str, Any]]:
        async with open_client(connection, config) as client:
            # v2 lists current spaces unless asked, one status a request: both, archived marked
            return [
                s
                for status in ("current", "archived")
                async for s in client.paginate_v2(
                    "/api/v2/spaces", {"limit": 250, "status": status}
                )
            ]

    spaces = sorted(asyncio.run(listing()), key=lambda s: s.get("key", ""))
    rows = [(str(s.get("key", "")), _space_type(s), str(s.get("name", ""))) for s in spaces]
    key_width = max([12, *(len(r[0]) for r in rows)])
    type_width = max([10, *(len(r[1]) for r in rows)])
    for key, kind, name in rows:
        click.echo(f"{key:<{key_width}} {kind:<{type_width}} {name}".rstrip())


def _space_type(space: dict[str, Any]) -> str:
    """The type column of ``spaces``: ``knowledge_base``, ``personal``..., archived marked."""
    kind = str(space.get("type") or "global")
    return f"{kind} (archived)" if space.get("status") == "archived" else kind


@cli.command("check", epilog=EXIT_CODES_HELP)
@global_options
@click.pass_obj
def check_command(state: Context) -> None:
    """Validate config, auth, cloudId, scopes and that each configured space is reachable."""
    from exporter.cli.check import run_checks

    _setup(state)
    config = _load_config(state)
    rows = run_checks(config)
    width = max(len(r.name) for r in rows)
    for row in rows:
        click.echo(f"{row.status.upper():<5} {row.name:<{width}}  {row.detail}")
    failed = [r for r in rows if r.status == "fail"]
    if failed:
        error = CheckFailed(f"{len(failed)} check(s) failed: {', '.join(r.name for r in failed)}.")
        error.exit_code = failed[0].exit_code  # what `export` would exit with for that failure
        raise error


@cli.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Where to write the docs folder and the site.",
)
@global_options
@click.pass_obj
def demo_command(state: Context, out: Path) -> None:
    """Export the bundled sample space from an in-process sandbox: no account, no network."""
    from exporter.cli.demo import run_demo

    _setup(state)
    run_demo(out, progress=_StageProgress())


class CheckFailed(ExportError):
    """`check` found a problem (each one printed in the table); exits as its first row says."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the CLI and maps errors, Ctrl-C and SIGTERM to exit codes."""
    from exporter.signals import handle_sigterm, interruption

    def stop(code: int, message: str) -> None:
        click.echo(message, err=True)
        sys.exit(code)

    handle_sigterm()
    try:
        cli.main(args=argv, prog_name="confluence-export", standalone_mode=False)
    except click.exceptions.Abort as exc:  # click raises it from KeyboardInterrupt and EOFError
        stop(*(interruption(exc) or (ExitCode.UNEXPECTED, "Aborted.")))
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ExportError as exc:
        if interrupted := interruption(None):  # after SIGTERM, a failure is its consequence
            stop(*interrupted)
        if "-v" in (argv or sys.argv) or "--verbose" in (argv or sys.argv):
            logging.getLogger("exporter").exception("error")
        from exporter.logs import redact

        stop(exc.exit_code, f"Error: {redact(str(exc), field_values=False)}")
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:  # outside click's Abort
        if not (interrupted := interruption(exc)):
            raise
        stop(*interrupted)
    if interrupted := interruption(None):  # a SIGTERM whose exception was lost: the run ended
        stop(*interrupted)
    sys.exit(ExitCode.OK)
