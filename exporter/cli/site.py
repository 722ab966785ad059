"""The ``site`` and ``serve`` click commands (registered on the main group by ``cli.py``)."""

from __future__ import annotations

from pathlib import Path

import click

from exporter.cli.common import examples
from exporter.errors import ConfigError
from exporter.models import FLAVORS, Flavor
from exporter.run.changes import read_log
from exporter.run.manifest import STATE_DIR, State
from exporter.run.report_files import load_report
from exporter.site.render import render_site
from exporter.site.serve import make_server

__all__ = ["serve_command", "site_command"]


@click.command(
    "site",
    epilog=examples(
        "confluence-export site export/docs --out export/site",
        "confluence-export site docs --out public --flavor gfm --site-name Handbook",
    ),
)
@click.argument(
    "docs_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DOCS_DIR"
)
@click.option(
    "--out",
    "site_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the static site (created; stale files from an earlier build removed).",
)
@click.option(
    "--flavor",
    type=click.Choice(FLAVORS),
    default=None,
    help="Markdown flavor of DOCS_DIR (default: the one its export recorded; needed otherwise).",
)
@click.option("--site-name", default=None, help="Title in the header (default: the home page's).")
def site_command(
    docs_dir: Path, site_dir: Path, flavor: Flavor | None, site_name: str | None
) -> None:
    """Render the navigable static site from an exported docs folder."""
    out = docs_dir.resolve().parent
    report = render_site(
        docs_dir,
        site_dir,
        flavor=_flavor(docs_dir, out, flavor),
        site_name=site_name,
        cache_dir=out / STATE_DIR / "site-cache",
        warnings=load_report(out),  # the export report beside the docs, if the export wrote one
        changes=read_log(out / STATE_DIR) if (out / STATE_DIR).is_dir() else None,
    )
    click.echo(
        f"Site: {report.pages} pages ({report.rendered} rendered), {report.files} files ({report.flavor} flavor); "
        f"{report.written} written, {report.removed} removed."
    )
    for broken in report.broken_links:
        click.echo(f"warning: link to nothing in the export: {broken}", err=True)
    click.echo(f"Open {(site_dir / 'index.html').resolve().as_uri()}")


def _flavor(docs_dir: Path, out: Path, given: Flavor | None) -> Flavor:
    """The flavor the export of ``docs_dir`` recorded in its state, else ``--flavor``."""
    recorded = None
    if (out / STATE_DIR / "manifest.json").is_file():
        recorded = State.load(out).options.get("flavor")
    if recorded in FLAVORS:
        if given is not None and given != recorded:
            raise ConfigError(
                f"{docs_dir} was exported in the {recorded} flavor, not {given}. "
                f"Drop --flavor, or export again with --flavor {given}."
            )
        return recorded
    if given is None:
        raise ConfigError(
            f"No export state beside {docs_dir} records its Markdown flavor. "
            f"Pass --flavor ({' | '.join(FLAVORS)})."
        )
    return given


@click.command(
    "serve",
    epilog=examples(
        "confluence-export serve export/site",
        "confluence-export serve public --port 0 --sub-path /handbook/",
    ),
)
@click.argument(
    "directory", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR"
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@click.option(
    "--sub-path",
    default=None,
    metavar="/PREFIX/",
    help="Serve under this path, like a GitHub Pages project site.  [default: /]",
)
def serve_command(directory: Path, port: int, sub_path: str | None) -> None:
    """Serve a built site on 127.0.0.1 for preview (Ctrl-C stops)."""
    server = make_server(directory, port=port, sub_path=sub_path)
    click.echo(f"Serving {directory} at {server.url} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.server_close()
