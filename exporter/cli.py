"""The `confluence-export` command line: thin click commands over the library API.

Exit codes:
  0   success, also when nothing changed
  1   unexpected error
  2   usage or configuration error
  3   partial export: output written, some pages or attachments failed (each listed)
  4   authentication needs a person (refresh token rejected, missing scope, no login yet)
  75  another export holds the lock, or the rate-limit budget is exhausted: retry later
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from exporter import __version__
from exporter.errors import ExportError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = """\b
Exit codes:
  0   success, also when nothing changed
  1   unexpected error
  2   usage or configuration error
  3   partial export (some pages or attachments failed, each listed)
  4   authentication needs a person (run `confluence-export login`)
  75  another export is running, or the rate limit is exhausted: retry later
"""


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
        if value is not None and value != () and value is not False:
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


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="confluence-export")
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Export Confluence Cloud spaces to a git-ready Markdown folder and a static site."""
    ctx.ensure_object(Context)


def setup_logging(state: Context) -> None:
    level = logging.WARNING
    if state.verbose == 1:
        level = logging.INFO
    elif state.verbose >= 2:
        level = logging.DEBUG
    if state.quiet:
        level = logging.ERROR
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(message)s")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the CLI and maps errors to exit codes."""
    try:
        cli.main(args=argv, prog_name="confluence-export", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ExportError as exc:
        if "-v" in (argv or sys.argv) or "--verbose" in (argv or sys.argv):
            logging.getLogger("exporter").exception("error")
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(0)
