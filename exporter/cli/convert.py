"""``confluence-export convert [FILE|-] [--flavor F]``: one storage body to Markdown, offline.

Reads the body from FILE or stdin, writes Markdown to stdout. Page links become links to their
titles' slugs and attachments ``attachments/<filename>`` (CONTRACT.md). The lead registers
``convert_command`` in ``exporter/cli/main.py``; unreadable input raises ``ConfigError`` (exit 2).
"""

from __future__ import annotations

import sys

import click

from exporter.cli.common import examples
from exporter.convert import FLAVORS, convert_body
from exporter.errors import ConfigError

__all__ = ["convert_command", "read_source"]


def read_source(source: str | None) -> str:
    """The storage body from a path, or from stdin for ``-`` or no argument."""
    if source in (None, "-"):
        data = sys.stdin.buffer.read()
        where = "stdin"
    else:
        where = source
        try:
            with open(source, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigError(
                f"Cannot read {source}: {reason}. Give a readable file, or '-' to read stdin."
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where} is not UTF-8 text (byte {exc.start}). Save the storage body as UTF-8."
        ) from exc


@click.command(
    "convert",
    epilog=examples(
        "confluence-export convert page.xml",
        "confluence-export convert --flavor obsidian - < page.xml > page.md",
    ),
)
@click.argument("source", metavar="[FILE|-]", required=False)
@click.option(
    "--flavor",
    type=click.Choice(FLAVORS),
    default="gfm",
    show_default=True,
    help="Markdown dialect to write.",
)
def convert_command(source: str | None, flavor: str) -> None:
    """Convert a storage-format body (a page's XHTML) to Markdown on stdout, without network.

    Warnings (unknown macros, macros Confluence computes on view) go to stderr, one line each.
    """
    markdown, warnings = convert_body(read_source(source), flavor=flavor)
    click.echo(markdown, nl=False)
    quiet = getattr(click.get_current_context().find_root().obj, "quiet", False)
    if not quiet:
        for warning in warnings:
            click.echo(f"warning: {warning.line()}", err=True)
