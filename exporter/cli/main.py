"""The `confluence-export` root group: loads each command's module only when it runs, and
``main`` maps errors, Ctrl-C and SIGTERM to exit codes (the one place that does).

Exit codes: the one table is ``exporter.errors.EXIT_CODES``. Each command group lives in its
own module (``export.py``, ``spaces.py``, ``check.py``, ``auth.py``, ``demo.py``, ...); options
every command takes are in ``common.py``.
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import logging
import sys

import click

from exporter import __version__
from exporter.cli.common import EXIT_CODES_HELP, Context, examples, global_options, global_params
from exporter.errors import ExitCode, ExportError

__all__ = ["EXIT_CODES_HELP", "cli", "main"]

_LAZY_COMMANDS = {
    "export": "exporter.cli.export:export_command",
    "spaces": "exporter.cli.spaces:spaces_command",
    "check": "exporter.cli.check:check_command",
    "demo": "exporter.cli.demo:demo_command",
    "login": "exporter.cli.auth:login_command",
    "logout": "exporter.cli.auth:logout_command",
    "sites": "exporter.cli.auth:sites_command",
    "convert": "exporter.cli.convert:convert_command",
    "site": "exporter.cli.site:site_command",
    "serve": "exporter.cli.site:serve_command",
    "sandbox": "exporter.sandbox.command:sandbox_command",
}


def _load_lazy(name: str) -> click.Command:
    """Import a command's module only when that command runs (keeps start-up fast)."""
    module_name, attr = _LAZY_COMMANDS[name].split(":")
    original: click.Command = getattr(importlib.import_module(module_name), attr)
    command = copy.copy(original)  # leave the module's command object as its owner wrote it
    names = {p.name for p in original.params}
    command.params = [*original.params, *(p for p in global_params() if p.name not in names)]
    return command


class _LazyGroup(click.Group):
    """The root group: every command is loaded by name from ``_LAZY_COMMANDS``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY_COMMANDS:
            return _load_lazy(cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    epilog=examples(
        "confluence-export demo",
        "confluence-export login",
        "confluence-export check",
        "confluence-export export --dry-run",
        "confluence-export export",
        "confluence-export serve export/site",
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="confluence-export")
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Export Confluence Cloud spaces to a git-ready Markdown folder and a static site."""
    ctx.ensure_object(Context)


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
