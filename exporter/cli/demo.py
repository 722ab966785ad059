"""`confluence-export demo`: the whole pipeline on the bundled sample, with no account."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from exporter.config.settings import load_config
from exporter.run.pipeline import ExportSummary, ProgressFn, export
from exporter.sandbox import SandboxOptions, start_sandbox

__all__ = ["run_demo"]


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
