"""`confluence-export demo`: the whole pipeline on the bundled sample, with no account."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from exporter.cli.common import Context, StageProgress, examples, global_options, setup
from exporter.config.settings import load_config
from exporter.run.pipeline import ExportSummary, ProgressFn, export
from exporter.sandbox import SandboxOptions, start_sandbox

__all__ = ["demo_command", "run_demo"]


@click.command(
    "demo",
    epilog=examples("confluence-export demo", "confluence-export demo --out /tmp/demo"),
)
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
    setup(state)
    run_demo(out, progress=StageProgress())


def run_demo(
    out: Path, *, flavor: str = "mkdocs", progress: ProgressFn | None = None
) -> ExportSummary:
    """Start the sandbox in-process with the sample space, export it (docs and site) into ``out``."""
    with (
        start_sandbox(SandboxOptions(seed="sample")) as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config_path = sandbox.write_config(Path(tmp) / "config.yaml")
        config = load_config(config_path, {"output.blogposts": True})
        summary = export(config, out=out, format="both", flavor=flavor, progress=progress)
    site = (out / "site" / "index.html").resolve()
    click.echo(f"Exported {summary.pages_exported} pages from the sample space.")
    click.echo(f"  Markdown docs folder: {(out / 'docs').resolve()}")
    click.echo(f"  Static site:          {site}  (open it in a browser, or run")
    click.echo(f"                        `confluence-export serve {(out / 'site')}`)")
    return summary
