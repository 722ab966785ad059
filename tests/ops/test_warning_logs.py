"""How a run's warnings are printed: once each, five per code then a count, GitHub annotations."""

from __future__ import annotations

import io
import json

import pytest

from exporter import logs
from exporter.cli.report import GITHUB_ANNOTATIONS, log_warnings, summary_table
from exporter.logs import setup_logging
from exporter.warnings import PageWarning, condense


def warning(code: str, n: int) -> PageWarning:
    return PageWarning(code, f"message {n}", str(n), f"Page {n}", f"docs/eng/p{n}.md")


@pytest.fixture(autouse=True)
def _reset_logging(monkeypatch):
    monkeypatch.setattr(logs, "_SECRETS", set())
    yield
    setup_logging(0, False, "text", io.StringIO())


def test_text_log_shows_five_warnings_of_a_code_then_one_count_line():
    stream = io.StringIO()
    setup_logging(0, False, "text", stream)
    log_warnings([warning("unknown-macro", n) for n in range(8)] + [warning("broken-x", 9)])
    lines = stream.getvalue().splitlines()
    assert lines[:5] == [
        f"warning: [unknown-macro] Page {n} ({n}, docs/eng/p{n}.md): message {n}" for n in range(5)
    ]
    assert lines[5:] == [
        "warning: [broken-x] Page 9 (9, docs/eng/p9.md): message 9",
        "warning: [unknown-macro] 3 more warning(s) of this kind (every one is listed by "
        "--summary-json)",
    ]


def test_quiet_hides_warnings():
    stream = io.StringIO()
    setup_logging(0, True, "text", stream)
    log_warnings([warning("unknown-macro", 1)])
    assert stream.getvalue() == ""


def test_github_format_annotates_warnings_with_a_title_up_to_the_cap():
    stream = io.StringIO()
    setup_logging(0, False, "github", stream)
    codes = ["a-code", "b-code", "c-code"]
    log_warnings([warning(code, n) for code in codes for n in range(5)])
    lines = stream.getvalue().splitlines()
    annotations = [line for line in lines if line.startswith("::warning")]
    assert len(annotations) == GITHUB_ANNOTATIONS == 10
    assert annotations[0] == (
        "::warning title=a-code%3A Page 0::[a-code] Page 0 (0, docs/eng/p0.md): message 0"
    )
    assert lines[10:] == [  # past the cap: plain lines, still naming their page
        f"warning: [c-code] Page {n} ({n}, docs/eng/p{n}.md): message {n}" for n in range(5)
    ]


def test_json_format_carries_the_page_as_fields():
    stream = io.StringIO()
    setup_logging(0, False, "json", stream)
    log_warnings([warning("unknown-macro", 3)])
    record = json.loads(stream.getvalue())
    assert record["level"] == "warning"
    assert {k: record[k] for k in ("code", "page_id", "page_title", "path")} == {
        "code": "unknown-macro",
        "page_id": "3",
        "page_title": "Page 3",
        "path": "docs/eng/p3.md",
    }
    assert "annotate" not in record


def test_step_summary_lists_the_warnings_condensed():
    data = {
        "warnings": 7,
        "warning_list": [warning("unknown-macro", n).to_json() for n in range(7)],
    }
    table = summary_table(data)
    assert "- [unknown-macro] Page 0 (0, docs/eng/p0.md): message 0" in table
    assert "- [unknown-macro] 2 more" in table


def test_condense_counts_the_rest_per_code_in_code_order():
    found = condense([warning("b", n) for n in range(7)] + [warning("a", n) for n in range(6)])
    assert [w.code for w in found.shown] == ["b"] * 5 + ["a"] * 5
    assert found.more == (("a", 1), ("b", 2))


def test_a_warning_without_a_page_is_one_line_of_code_and_message():
    assert PageWarning("unknown-macro", "unknown macro 'x'").line() == (
        "[unknown-macro] unknown macro 'x'"
    )
