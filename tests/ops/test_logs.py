"""Log formats (text, JSON lines, GitHub workflow commands), redaction, progress, step summary."""

from __future__ import annotations

import io
import json
import logging

import pytest

from exporter import logs
from exporter.cli.report import log_summary, progress, summary_table, write_step_summary
from exporter.logs import group, redact, register_secret, setup_logging

SUMMARY = {
    "pages": {"exported": 3, "unchanged": 5, "deleted": 1, "failed": 1},
    "attachments": {"downloaded": 2, "unchanged": 0, "failed": 0},
    "requests": 40,
    "retries": 2,
    "points": 120,
    "duration_s": 1.5,
    "warnings": 0,
}

log = logging.getLogger("exporter.test")


@pytest.fixture(autouse=True)
def _reset_logging(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setattr(logs, "_SECRETS", set())
    yield
    setup_logging(0, False, "text", io.StringIO())


def test_bearer_basic_and_token_fields_are_redacted():
    text = (
        "Authorization: Bearer eyJhbGciOi.abc-123 then Basic bWVAZXhhbXBsZS5jb206c2VjcmV0 "
        'body {"refresh_token": "r-123456", "access_token":"a-98765"} '
        "form client_secret=cs-111&api_token=at-222 url https://me:pw123@proxy/x"
    )
    out = redact(text)
    for secret in ("eyJhbGciOi", "bWVAZXhh", "r-123456", "a-98765", "cs-111", "at-222", "pw123"):
        assert secret not in out
    assert "Bearer ***" in out and "Basic ***" in out
    assert '"refresh_token": "***"' in out
    assert "client_secret=***&api_token=***" in out


def test_media_download_link_token_is_redacted():
    line = 'HTTP Request: GET https://api.media.atlassian.com/file/f1/binary?token=eyJh.eyJp.c2ln&client=c1&name=a.png "HTTP/1.1 200 OK"'
    assert redact(line) == (
        "HTTP Request: GET https://api.media.atlassian.com/file/f1/binary?token=***&client=c1"
        '&name=a.png "HTTP/1.1 200 OK"'
    )


def test_redaction_leaves_empty_values_readable():
    text = '{"client_secret": null, "api_token": "***", "refresh_token": None, "x": 1}'
    assert redact(text) == text


def test_registered_secret_is_masked_in_messages_args_extras_and_tracebacks():
    stream = io.StringIO()
    setup_logging(1, False, "text", stream)
    register_secret("plain-secret-value")
    log.info("using %s now", "plain-secret-value")
    try:
        raise RuntimeError("failed with plain-secret-value inside")
    except RuntimeError:
        log.exception("boom")
    assert "plain-secret-value" not in stream.getvalue()
    assert "using *** now" in stream.getvalue()
    assert "RuntimeError: failed with *** inside" in stream.getvalue()


def test_short_values_are_not_registered_as_secrets():
    register_secret("ab")
    assert redact("ab cd") == "ab cd"


def test_json_format_is_one_object_per_line_with_extras():
    stream = io.StringIO()
    setup_logging(1, False, "json", stream)
    register_secret("tok-abcdef")
    log.info("page exported", extra={"space": "ENG", "page_id": "42", "duration_ms": 12})
    log.warning("token tok-abcdef refreshed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert first["event"] == "page exported"
    assert first["level"] == "info"
    assert (first["space"], first["page_id"], first["duration_ms"]) == ("ENG", "42", 12)
    assert first["ts"].endswith("Z")
    assert lines[1]["event"] == "token *** refreshed"


def test_json_summary_is_the_last_line_even_when_not_verbose():
    stream = io.StringIO()
    setup_logging(0, False, "json", stream)
    log.info("hidden at default verbosity")
    log_summary(SUMMARY)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    last = json.loads(lines[-1])
    for key, value in SUMMARY.items():
        assert last[key] == value


def test_github_format_uses_workflow_commands(tmp_path, monkeypatch):
    summary_file = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    stream = io.StringIO()
    setup_logging(1, False, "github", stream)
    register_secret("ghs-secret-1234")
    with group("Space ENG", stream=stream):
        log.info("exported 3 pages")
        log.warning("attachment missing: ghs-secret-1234")
        log.error(
            "could not convert: bad macro\nsecond line",
            extra={"page_id": "65851", "page_title": "Runbook: DB", "space": "ENG"},
        )
    log_summary(SUMMARY)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "::add-mask::ghs-secret-1234"
    assert lines[1] == "::group::Space ENG"
    assert lines[2] == "exported 3 pages"
    assert lines[3] == "::warning::attachment missing: ***"
    assert lines[4] == (
        "::error title=Page Runbook%3A DB (65851) failed in ENG::"
        "could not convert: bad macro%0Asecond line"
    )
    assert lines[5] == "::endgroup::"
    assert "ghs-secret-1234" not in "\n".join(lines[1:])
    table = summary_file.read_text()
    assert "| pages | 3 | 5 | 1 | 1 |" in table


def test_text_format_prefixes_levels_without_colour_under_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    stream = io.StringIO()
    setup_logging(0, False, "text", stream)
    log.info("not shown")
    log.warning("careful")
    assert stream.getvalue() == "warning: careful\n"


def test_quiet_shows_errors_only_and_vv_shows_debug():
    stream = io.StringIO()
    setup_logging(0, True, "text", stream)
    log.warning("hidden")
    log.error("shown")
    assert stream.getvalue() == "error: shown\n"
    stream = io.StringIO()
    setup_logging(2, False, "text", stream)
    log.debug("detail")
    assert stream.getvalue() == "debug: detail\n"
    assert logging.getLogger("httpx").level == logging.INFO


def test_setup_twice_leaves_one_handler():
    setup_logging(0, False, "text", io.StringIO())
    setup_logging(0, False, "json", io.StringIO())
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_confluence_export", False)]
    assert len(ours) == 1


def test_step_summary_is_appended_and_skipped_outside_actions(tmp_path):
    target = tmp_path / "summary.md"
    target.write_text("earlier\n")
    assert write_step_summary(SUMMARY, env={"GITHUB_STEP_SUMMARY": str(target)}) is True
    assert write_step_summary(SUMMARY, env={}) is False
    text = target.read_text()
    assert text == (
        "earlier\n"
        "### Confluence export\n\n"
        "| | new or changed | unchanged | deleted | failed |\n"
        "|---|---:|---:|---:|---:|\n"
        "| pages | 3 | 5 | 1 | 1 |\n"
        "| attachments | 2 | 0 | – | 0 |\n\n"
        "40 requests, 2 retries, ~120 points, 0 warnings, 1.5 s\n\n"
    )


def test_summary_table_lists_failures_redacted():
    register_secret("leaky-secret-99")
    failures = [
        "page 42: token leaky-secret-99 rejected",
        {"page_id": "43", "title": "Runbook", "reason": "HTTP 500"},
    ]
    table = summary_table({**SUMMARY, "failures": failures})
    assert "- page 42: token *** rejected\n- 43 Runbook: HTTP 500\n" in table


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("TERM", raising=False)
    setup_logging(0, False, "text", io.StringIO())
    tty = FakeTty()
    with progress(3, "pages", stream=tty) as bar:
        assert bar.mode == "bar"
        bar.advance(3)
    assert "pages" in tty.getvalue()
    monkeypatch.setenv("TERM", "dumb")
    assert progress(3, "pages", stream=FakeTty()).mode == "off"
    assert progress(3, "pages", stream=io.StringIO()).mode == "off"


def test_progress_prints_periodic_lines_when_verbose_and_not_a_terminal():
    setup_logging(1, False, "text", io.StringIO())
    out = io.StringIO()
    with progress(4, "pages", stream=out, interval_s=0) as lines:
        assert lines.mode == "lines"
        lines.advance(2)
        lines.advance(2)
    assert out.getvalue().splitlines() == ["pages: 2/4", "pages: 4/4", "pages: 4/4"]
    setup_logging(1, True, "text", io.StringIO())
    assert progress(4, "pages", stream=io.StringIO()).mode == "off"


def test_progress_in_json_format_stays_json_lines():
    stream = io.StringIO()
    setup_logging(1, False, "json", stream)
    with progress(2, "pages", interval_s=0) as lines:
        lines.advance(2)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert records[0]["event"] == "progress pages: 2/2"
    assert (records[0]["stage"], records[0]["done"], records[0]["total"]) == ("pages", 2, 2)


def test_step_summary_lists_the_runs_changes_as_a_table():
    changes = [
        {"kind": "page", "action": "edited", "page_id": "1", "title": "Setup | Ops",
         "path": "docs/eng/setup.md", "version": 4, "author": "Ada", "message": "Fix <port>"},
        {"kind": "page", "action": "moved", "page_id": "2", "title": "Guide",
         "path": "docs/eng/guide.md", "old_path": "docs/old/guide.md"},
        {"kind": "attachment", "action": "added", "page_id": "1", "title": "Setup",
         "path": "docs/eng/setup.assets/d.png", "filename": "d.png"},
    ]  # fmt: skip
    table = summary_table({**SUMMARY, "changes": changes})
    assert "| change | page | details |" in table
    assert (
        "| page edited | Setup \\| Ops | by Ada, version 4: Fix &lt;port> · docs/eng/setup.md |"
        in table
    )
    assert "| page moved | Guide | docs/old/guide.md → docs/eng/guide.md |" in table
    assert "| attachment added | d.png (Setup) | docs/eng/setup.assets/d.png |" in table
    assert "Changes:" not in summary_table({**SUMMARY, "changes": []})
