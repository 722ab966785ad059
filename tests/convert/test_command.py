"""The ``convert`` command: storage on stdin or from a file, Markdown on stdout, no network."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli.convert import convert_command
from exporter.cli.main import cli, main
from exporter.errors import ConfigError

BODY = (
    '<ac:structured-macro ac:name="note"><ac:rich-text-body><p>See '
    '<ac:link><ri:page ri:content-title="Handoff Home"/></ac:link> and '
    '<ac:link><ri:attachment ri:filename="notes.txt"/></ac:link>.</p>'
    "</ac:rich-text-body></ac:structured-macro>"
)


def test_convert_reads_stdin_when_no_file_is_given() -> None:
    result = CliRunner().invoke(convert_command, [], input=BODY)
    assert result.exit_code == 0
    assert result.output == (
        "> [!WARNING]\n> See [Handoff Home](handoff-home.md) and [notes.txt](attachments/notes.txt).\n"
    )


def test_convert_reads_a_file_in_the_chosen_flavor(tmp_path: Path) -> None:
    source = tmp_path / "page.xml"
    source.write_text(BODY, encoding="utf-8")
    result = CliRunner().invoke(convert_command, [str(source), "--flavor", "mkdocs"])
    assert result.exit_code == 0
    assert result.output.startswith("!!! warning\n\n    See [Handoff Home](handoff-home.md)")


def test_convert_dash_means_stdin() -> None:
    result = CliRunner().invoke(convert_command, ["-", "--flavor", "obsidian"], input=BODY)
    assert result.output.startswith("> [!warning]\n> See [[handoff-home|Handoff Home]]")


def test_unreadable_file_is_a_config_error_that_says_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    result = CliRunner().invoke(convert_command, [str(missing)])
    assert isinstance(result.exception, ConfigError)
    assert result.exception.exit_code == 2
    assert str(result.exception) == (
        f"Cannot read {missing}: No such file or directory. "
        "Give a readable file, or '-' to read stdin."
    )


def test_unknown_flavor_is_a_usage_error() -> None:
    result = CliRunner().invoke(convert_command, ["--flavor", "hugo"], input=BODY)
    assert result.exit_code == 2
    assert "'hugo' is not one of" in result.output


def test_cli_convert_exits_2_with_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.xml"
    with pytest.raises(SystemExit) as exit_info:
        main(["convert", str(missing)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"Error: Cannot read {missing}: No such file or directory. "
        "Give a readable file, or '-' to read stdin.\n"
    )


def test_convert_prints_each_warning_on_stderr_and_only_markdown_on_stdout() -> None:
    body = (
        '<ac:structured-macro ac:name="detailssummary"/>'
        '<ac:structured-macro ac:name="acme-poll"/><p>Text.</p>'
    )
    result = CliRunner().invoke(convert_command, ["--flavor", "mkdocs"], input=body)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: [macro-not-exported] macro 'detailssummary' (Page Properties Report) not "
        "exported: Confluence computes it on view",
        "warning: [unknown-macro] unknown macro 'acme-poll'",
    ]
    assert "warning:" not in result.stdout
    assert '!!! info "Page Properties Report: not exported"' in result.stdout


def test_convert_quiet_keeps_warnings_off_stderr() -> None:
    body = '<ac:structured-macro ac:name="acme-poll"/>'
    result = CliRunner().invoke(cli, ["-q", "convert"], input=body)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "acme-poll macro: not exported" in result.stdout
