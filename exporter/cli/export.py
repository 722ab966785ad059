"""`confluence-export export`: run the pipeline and print its summary (text, JSON or GitHub)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exporter.cli.common import (
    ConfigOption,
    Context,
    StageProgress,
    connect,
    examples,
    global_options,
    load_settings,
    setup,
)
from exporter.models import FLAVORS

if TYPE_CHECKING:
    from exporter.run.summary import ExportSummary

__all__ = ["export_command", "print_summary"]


def print_summary(summary: ExportSummary, state: Context, summary_json: Path | None) -> None:
    """The run's result: failures and the dry-run plan on stderr/stdout, then one totals line
    (or the summary as JSON with ``--log-format json``); ``--summary-json`` writes it too."""
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


@click.command(
    "export",
    epilog=examples(
        "confluence-export export",
        "confluence-export export --space ENG --out docs-export --flavor docusaurus",
        "confluence-export export --dry-run",
        "confluence-export export --full --summary-json summary.json",
    ),
)
@click.option(
    "--space",
    "spaces",
    multiple=True,
    cls=ConfigOption,
    config_key="spaces",
    help="Export only this space key (repeatable); it must be one the config chooses.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    cls=ConfigOption,
    config_key="output.dir",
    help="Output directory: the docs folder, the site and the saved state go under it.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["docs", "site", "both"]),
    cls=ConfigOption,
    config_key="output.format",
    help="What to write: the Markdown docs folder, the static site, or both.",
)
@click.option(
    "--flavor",
    type=click.Choice(FLAVORS),
    cls=ConfigOption,
    config_key="output.flavor",
    help="The Markdown dialect and folder layout: plain GitHub Markdown, MkDocs, Docusaurus "
    "or an Obsidian vault.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Ignore saved state: fetch and rewrite everything.  [default: incremental]",
)
@click.option(
    "--dry-run", is_flag=True, help="Report what would change; write nothing.  [default: off]"
)
@click.option(
    "--allow-deletions",
    is_flag=True,
    cls=ConfigOption,
    config_key="output.allow_deletions",
    help="Confirm a run that deletes more than output.max_delete_share of the exported pages "
    "(default 0.5), or all of them; without it such a run changes nothing and exits 2.",
)
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the run summary as JSON to this file.  [default: not written]",
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

    setup(state)
    overrides = {"output.dir": out, "output.format": fmt, "output.flavor": flavor}
    config = load_settings(state, {**overrides, "output.history": "git" if history else None})
    require_settings(config, "export")
    require_selection(config, spaces)
    out_dir = Path(out or config.output.dir)
    check_output_dir(out_dir, write=not dry_run, create=False)  # before a login, creating nothing
    connection = connect(config)
    bar = StageProgress()
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
            print_summary(getattr(exc, "summary"), state, None)  # noqa: B009
        raise
    except PartialExport as exc:
        bar.close()
        print_summary(getattr(exc, "summary"), state, summary_json)  # noqa: B009
        raise
    bar.close()
    print_summary(summary, state, summary_json)
