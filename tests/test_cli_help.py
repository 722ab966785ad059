"""``--help`` is a usable manual: examples on every command, every option described with the
default a run would use (from config.yaml where an option overrides a config key), and -vv
readable (third-party libraries' debug lines only from -vvv)."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from exporter.cli.main import cli
from exporter.cli.spaces import space_rows
from exporter.logs import setup_logging
from exporter.models import Space

ROOT = Path(__file__).resolve().parents[1]
_CONTEXT = click.Context(cli)
COMMANDS = cli.list_commands(_CONTEXT)


def _options(name: str) -> Iterator[tuple[click.Option, click.Context]]:
    command = cli.get_command(_CONTEXT, name)
    assert command is not None
    ctx = click.Context(command, info_name=name, parent=_CONTEXT)
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            yield param, ctx


def _help(*args: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "exporter", *args, "--help"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split())  # unwrapped: click wraps to the terminal width


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_help_shows_examples_of_itself(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    examples = result.output.split("Examples:", 1)[1].split("Exit codes:", 1)[0]
    lines = [line.strip() for line in examples.splitlines() if line.strip()]
    assert lines and all(line.startswith(f"$ confluence-export {name}") for line in lines), lines


def test_the_top_level_help_shows_a_first_session() -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    examples = result.output.split("Examples:", 1)[1]
    assert "$ confluence-export demo" in examples and "$ confluence-export export" in examples


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_has_a_description_and_a_default_unless_it_is_a_switch(name: str) -> None:
    for option, ctx in _options(name):
        record = option.get_help_record(ctx)
        assert record is not None and record[1].strip(), f"{name} {option.opts} has no help"
        text = record[1]
        if option.is_flag or option.count or option.required or option.name == "help":
            continue
        assert "default:" in text, f"{name} {option.opts}: say the default ({text!r})"


def test_export_flavor_shows_the_value_config_yaml_sets(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("output:\n  flavor: docusaurus\n  dir: siteout\n")
    out = _help("export", cwd=tmp_path)
    assert "[default: docusaurus (output.flavor in config.yaml)]" in out
    assert "siteout (output.dir in config.yaml)]" in out  # the path, taken from the file's folder


def test_export_help_reads_the_config_named_by_the_global_option(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text("output:\n  format: docs\n")
    out = _help("--config", str(tmp_path / "other.yaml"), "export", cwd=tmp_path)
    assert "[default: docs (output.format in other.yaml)]" in out


def test_export_help_without_a_config_shows_the_built_in_defaults(tmp_path: Path) -> None:
    out = _help("export", cwd=tmp_path)
    assert "[default: mkdocs (output.flavor)]" in out
    assert "[default: not set (spaces)]" in out


def test_a_broken_config_never_breaks_help(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("output: [unclosed\n")
    out = _help("export", cwd=tmp_path)
    assert "[default: mkdocs (output.flavor)]" in out


def _emitted(verbosity: int) -> str:
    stream = io.StringIO()
    handler = setup_logging(verbosity, stream=stream)
    try:
        logging.getLogger("markdown_it.rules_block").debug("markdown-it debug line")
        logging.getLogger("httpcore.http11").debug("httpcore debug line")
        logging.getLogger("httpx").info("HTTP Request: GET https://example.test")
        logging.getLogger("exporter.run").debug("exporter debug line")
    finally:
        logging.getLogger().removeHandler(handler)
        setup_logging(0)
    return stream.getvalue()


def test_debug_output_leaves_out_third_party_debug_lines_below_vvv() -> None:
    out = _emitted(2)
    assert "exporter debug line" in out and "HTTP Request" in out
    assert "markdown-it debug line" not in out and "httpcore debug line" not in out


def test_vvv_adds_third_party_debug_lines() -> None:
    out = _emitted(3)
    assert "markdown-it debug line" in out and "httpcore debug line" in out


def test_third_party_loggers_are_not_even_enabled_at_vv() -> None:
    # markdown-it logs per rule: the record must not be built, not just filtered away.
    setup_logging(2)
    try:
        assert not logging.getLogger("markdown_it.rules_block").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("exporter.run").isEnabledFor(logging.DEBUG)
    finally:
        setup_logging(0)


def test_spaces_rows_align_the_type_column_and_mark_archived_spaces() -> None:
    spaces = [
        Space(id="1", key="ENG", name="Engineering"),
        Space(id="2", key="~557058abc", name="Ann", type="personal"),
        Space(id="3", key="OLD", name="Old handbook", status="archived"),
    ]
    rows = space_rows(spaces)
    assert rows[2].split(None, 1)[1].startswith("global (archived)")
    assert len({row.index(row.split()[1]) for row in rows}) == 1
    assert rows[0].endswith(" Engineering") and rows[1].split()[1] == "personal"
