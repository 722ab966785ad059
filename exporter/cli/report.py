"""What a run reports: a progress display while it works, a summary when it is done.

Progress is a bar on a terminal, plain periodic lines when verbose (JSON records in the JSON
format), nothing otherwise. The summary is one log record carrying every count (in JSON always
the last line) and, under GitHub Actions, a Markdown table appended to the step summary. Both
follow the format and verbosity that ``exporter.logs.setup_logging`` installed.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from typing import Any, Literal, TextIO

import click

from exporter.logs import _STANDARD_ATTRS, _STATE, _isatty, _stream, log, redact
from exporter.warnings import PageWarning, condense

__all__ = [
    "GITHUB_ANNOTATIONS",
    "Progress",
    "log_summary",
    "log_warnings",
    "progress",
    "summary_table",
    "write_step_summary",
]

GITHUB_ANNOTATIONS = 10  # GitHub shows at most 10 warning annotations per step; the rest: lines
TABLE_CHANGES = 50  # changes listed in the step summary; the rest counted (the site lists them)


def _as_dict(summary: Any) -> dict[str, Any]:
    if isinstance(summary, Mapping):
        return dict(summary)
    for name in ("to_dict", "as_dict"):
        if callable(getattr(summary, name, None)):
            return dict(getattr(summary, name)())
    if hasattr(summary, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(summary)
    raise TypeError(f"cannot read an export summary from {type(summary).__name__}")


def summary_table(summary: Any, title: str = "Confluence export") -> str:
    """The export summary as Markdown: a pages/attachments table, the run's cost, failures."""
    data = _as_dict(summary)
    pages, atts = data.get("pages") or {}, data.get("attachments") or {}

    def cell(section: Mapping[str, Any], key: str) -> str:
        return str(section[key]) if key in section else "–"

    lines = [
        f"### {title}",
        "",
        "| | new or changed | unchanged | deleted | failed |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, section, first in (("pages", pages, "exported"), ("attachments", atts, "downloaded")):
        cells = [cell(section, k) for k in (first, "unchanged", "deleted", "failed")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    cost = [
        f"{data['requests']} requests" if "requests" in data else "",
        f"{data['retries']} retries" if "retries" in data else "",
        f"~{data['points']} points" if "points" in data else "",
        f"{data['warnings']} warnings" if "warnings" in data else "",
        f"{data['duration_s']} s" if "duration_s" in data else "",
    ]
    if any(cost):
        lines += ["", ", ".join(c for c in cost if c)]
    lines += change_table(data.get("changes") or [])
    failures = data.get("failures") or []
    if failures:
        lines += ["", "Failed:", ""]
        for failure in failures:
            lines.append(f"- {redact(_failure_text(failure))}")
    warnings = [PageWarning.from_json(w) for w in data.get("warning_list") or []]
    if warnings:
        condensed = condense(warnings)
        lines += ["", "Warnings:", ""]
        lines += [f"- {redact(w.line())}" for w in condensed.shown]
        lines += [f"- [{code}] {n} more" for code, n in condensed.more]
    return "\n".join(lines) + "\n"


def change_table(changes: list[Mapping[str, Any]], limit: int = TABLE_CHANGES) -> list[str]:
    """The run's changes (``--summary-json``'s ``changes``) as Markdown table lines, the same
    columns as the site's Recent changes page; none when the run changed nothing."""
    if not changes:
        return []
    lines = ["", "Changes:", "", "| change | page | details |", "|---|---|---|"]
    for c in changes[:limit]:
        what = f"{c.get('kind', 'page')} {c.get('action', '')}"
        title = c.get("title", "")
        if c.get("filename"):
            title = f"{c['filename']} ({title})"
        said = ", ".join(
            p
            for p in (
                f"by {c['author']}" if c.get("author") else "",
                f"version {c['version']}"
                if c.get("version") and c.get("kind") == "page" and c.get("action") != "deleted"
                else "",
            )
            if p
        )
        if c.get("message"):
            said = f"{said}: {c['message']}" if said else str(c["message"])
        path = c.get("path") or c.get("old_path", "")
        if c.get("action") == "moved":
            path = f"{c.get('old_path', '')} → {c.get('path', '')}"
        details = " · ".join(p for p in (said, path) if p)
        lines.append(f"| {_cell(what)} | {_cell(title)} | {_cell(details)} |")
    if len(changes) > limit:
        lines += ["", f"… and {len(changes) - limit} more (see the site's Recent changes)."]
    return lines


def _cell(text: Any) -> str:
    """A table cell's text: pipes escaped and line breaks flattened (Markdown tables)."""
    text = redact(" ".join(str(text).split()))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def _failure_text(failure: Any) -> str:
    if isinstance(failure, str):
        return failure
    if hasattr(failure, "__dataclass_fields__"):
        import dataclasses

        failure = dataclasses.asdict(failure)
    if isinstance(failure, Mapping) and failure.get("kind") == "space":
        return f"space {failure.get('title', '')}: {failure.get('reason', '')}"
    if isinstance(failure, Mapping) and {"page_id", "reason"} <= set(failure):
        title = f" {failure['title']}" if failure.get("title") else ""
        return f"{failure['page_id']}{title}: {failure['reason']}"
    return json.dumps(failure, default=str)


def write_step_summary(summary: Any, env: Mapping[str, str] | None = None) -> bool:
    """Append the summary table to ``$GITHUB_STEP_SUMMARY``; False when not running in Actions."""
    path = (os.environ if env is None else env).get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as out:
        out.write(summary_table(summary) + "\n")
    return True


def log_warnings(warnings: list[PageWarning]) -> None:
    """Log each warning once, naming its page: the first five of each code in full, then one
    line per code with the count of the rest (all of them are in ``--summary-json``).

    In GitHub format they are ``::warning title=<code>: <page>::`` annotations, at most
    ``GITHUB_ANNOTATIONS`` of them; later ones are plain log lines.
    """
    condensed = condense(warnings)
    for n, w in enumerate(condensed.shown):
        extra = {"code": w.code, "page_id": w.page_id, "page_title": w.title, "path": w.path,
                 "url": w.url, "annotate": n < GITHUB_ANNOTATIONS}  # fmt: skip
        log.warning("%s", w.line(), extra=extra)
    for code, count in condensed.more:
        log.warning(
            "[%s] %d more warning(s) of this kind (every one is listed by --summary-json)",
            code,
            count,
            extra={"code": code, "more": count, "annotate": False},
        )


def log_summary(summary: Any) -> None:
    """Log the export summary as one record carrying every field (in JSON, always the last
    line, whatever the verbosity); in GitHub format also append the step summary table."""
    data = _as_dict(summary)
    pages = data.get("pages") or {}
    text = ", ".join(f"{v} {k}" for k, v in pages.items()) or "nothing to do"
    level = logging.WARNING if pages.get("failed") else logging.INFO
    extra = {k: v for k, v in data.items() if k not in _STANDARD_ATTRS}
    record = log.makeRecord(log.name, level, __file__, 0, "summary: pages %s", (text,), None)
    record.__dict__.update(extra)
    if _STATE.handler is not None and _STATE.fmt == "json":
        _STATE.handler.handle(record)
    elif log.isEnabledFor(level):
        log.handle(record)
    if _STATE.fmt == "github":
        write_step_summary(data)


class Progress:
    """Counts work done; draws a bar on a terminal, else prints a line every ``interval_s``."""

    def __init__(
        self,
        total: int | None,
        label: str,
        mode: Literal["bar", "lines", "off"],
        stream: TextIO,
        interval_s: float = 5.0,
    ) -> None:
        self.total, self.label, self.mode, self.stream = total, label, mode, stream
        self.done = 0
        self.interval_s = interval_s
        self._last = time.monotonic()
        self._bar: Any = None
        if mode == "bar":
            self._bar = click.progressbar(length=total, label=label, file=stream)
            self._bar.__enter__()

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more items done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "lines" and time.monotonic() - self._last >= self.interval_s:
            self._line()

    def _line(self) -> None:
        self._last = time.monotonic()
        of = f"/{self.total}" if self.total is not None else ""
        if _STATE.fmt == "json":  # keep stderr pure JSON lines
            extra = {"stage": self.label, "done": self.done, "total": self.total}
            log.info("progress %s: %d%s", self.label, self.done, of, extra=extra)
            return
        self.stream.write(f"{self.label}: {self.done}{of}\n")
        self.stream.flush()

    def close(self) -> None:
        """Finish the bar, or print the final count line."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        elif self.mode == "lines":
            self._line()
            self.mode = "off"

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(
    total: int | None, label: str, stream: TextIO | None = None, interval_s: float = 5.0
) -> Progress:
    """A ``Progress`` fitted to where output goes: a bar on a terminal (not in CI formats or
    ``TERM=dumb``), periodic lines when verbose, nothing under ``-q`` or otherwise."""
    out = stream or _stream()
    mode: Literal["bar", "lines", "off"] = "off"
    if _STATE.quiet:
        mode = "off"
    elif _STATE.fmt == "text" and _isatty(out) and os.environ.get("TERM") != "dumb":
        mode = "bar"
    elif _STATE.verbosity >= 1 or _STATE.fmt == "github":
        mode = "lines"
    return Progress(total, label, mode, out, interval_s)
