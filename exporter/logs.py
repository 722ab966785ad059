"""Logging for people and for CI: text, JSON lines, or GitHub Actions workflow commands.

Every record and exception text passes a redaction filter first, so bearer tokens, Basic
credentials, OAuth token fields and any value given to ``register_secret`` never reach a log.
The progress display and the run summary, which follow this setup, are in ``exporter.cli.report``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import click

__all__ = [
    "LogFormat",
    "RedactFilter",
    "group",
    "redact",
    "register_secret",
    "setup_logging",
    "use_color",
]

LogFormat = Literal["text", "json", "github"]
REDACTED = "***"
_MIN_SECRET_LEN = 4  # shorter values would mask ordinary words

_SECRETS: set[str] = set()
# (cheap substring that must occur, pattern, replacement): the substring test keeps the common
# log line (no credentials at all) from paying for the regular expressions.
_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("bearer", re.compile(r"(?i)\b(Bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    ("basic", re.compile(r"(?i)\b(Basic)\s+[A-Za-z0-9+/]{8,}={0,2}"), rf"\1 {REDACTED}"),
    (
        "",
        re.compile(
            r"(?i)(\b(?:refresh_token|access_token|id_token|client_secret|api_token|password)"
            r"[\"']?\s*[:=]\s*[\"']?)(?!(?:null|None|true|false)\b|\*\*\*)([^\"'&\s,;}]+)"
        ),
        rf"\1{REDACTED}",
    ),
    ("@", re.compile(r"(://[^/:@\s]+:)[^/@\s]+@"), rf"\1{REDACTED}@"),
    # Media-host download links carry their (short-lived) credential in the query; httpx logs
    # request URLs at -vv.
    ("token=", re.compile(r"([?&]token=)[^&\s\"']+"), rf"\1{REDACTED}"),
)
_FIELD_WORDS = ("token", "secret", "password")


class _State:
    fmt: LogFormat = "text"
    verbosity = 0
    quiet = False
    handler: logging.Handler | None = None


_STATE = _State()
log = logging.getLogger("exporter")


def register_secret(value: str | None) -> None:
    """Mask ``value`` in every later log line; under GitHub Actions also ask the runner to."""
    if not value or len(value) < _MIN_SECRET_LEN or value in _SECRETS:
        return
    _SECRETS.add(value)
    if _STATE.fmt == "github" or os.environ.get("GITHUB_ACTIONS") == "true":
        # The runner reads workflow commands from stdout and stderr alike.
        out = _stream()
        out.write(f"::add-mask::{_escape_data(value)}\n")
        out.flush()


def _stream() -> TextIO:
    """Where our log lines go: the installed handler's stream, else the current stderr."""
    handler = _STATE.handler
    return handler.stream if isinstance(handler, logging.StreamHandler) else sys.stderr


def redact(text: str, *, field_values: bool = True) -> str:
    """``text`` with registered secrets and credential-looking values replaced by ***.

    ``field_values=False`` leaves ``key: value`` pairs alone (error messages we wrote name
    settings such as ``auth.client_secret: environment variable ... is not set``).
    """
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    lower = text.lower()
    for needle, pattern, replacement in _PATTERNS:
        if not needle and not field_values:
            continue
        if needle and needle not in lower:
            continue
        if not needle and not any(word in lower for word in _FIELD_WORDS):
            continue
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}


class RedactFilter(logging.Filter):
    """Rewrites a record's message, extras and exception text with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in _extras(record).items():
            setattr(record, key, _redact_value(value))
        return True


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, never under ``NO_COLOR`` or ``TERM=dumb``; ``FORCE_COLOR`` wins."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return os.environ.get("TERM") != "dumb" and _isatty(stream)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_COLORS = {"DEBUG": "bright_black", "WARNING": "yellow", "ERROR": "red", "CRITICAL": "red"}


class TextFormatter(logging.Formatter):
    """``message`` for info, ``warning: message`` and the like for the other levels."""

    def __init__(self, color: bool) -> None:
        super().__init__()
        self.color = color

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno != logging.INFO:
            prefix = record.levelname.lower() + ":"
            if self.color:
                prefix = click.style(prefix, fg=_COLORS.get(record.levelname), bold=True)
            text = f"{prefix} {text}"
        if record.exc_text:
            text += "\n" + record.exc_text
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``event``, ``logger`` and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        data: dict[str, Any] = {
            "ts": ts.replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
        }
        data.update(_extras(record))
        data.pop("annotate", None)  # a GitHub-format detail (exporter.cli.report.log_warnings)
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, default=str, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormatter(logging.Formatter):
    """Workflow commands: ``::error title=...::`` for errors, ``::warning::``, ``::debug::``."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_text:
            text += "\n" + record.exc_text
        if record.levelno >= logging.ERROR:
            title = getattr(record, "title", None) or _page_title(record)
            props = f" title={_escape_property(title)}" if title else ""
            return f"::error{props}::{_escape_data(text)}"
        if record.levelno >= logging.WARNING:
            if getattr(record, "annotate", True) is False:  # past GitHub's annotation cap
                return f"warning: {text}"
            title = getattr(record, "title", None) or _warning_title(record)
            props = f" title={_escape_property(title)}" if title else ""
            return f"::warning{props}::{_escape_data(text)}"
        if record.levelno < logging.INFO:
            return f"::debug::{_escape_data(text)}"
        return text


def _warning_title(record: logging.LogRecord) -> str:
    """``<code>: <page title>`` for a page's warning (``exporter.cli.report.log_warnings``)."""
    code = getattr(record, "code", None)
    if not code:
        return ""
    title = getattr(record, "page_title", None)
    return f"{code}: {title}" if title else str(code)


def _page_title(record: logging.LogRecord) -> str:
    page_id = getattr(record, "page_id", None)
    if page_id is None:
        return ""
    space = getattr(record, "space", None)
    title = getattr(record, "page_title", None)
    name = f"{title} ({page_id})" if title else str(page_id)
    return f"Page {name} failed" + (f" in {space}" if space else "")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at emit time (so click's test runner sees it)."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__(stream)
        self._fixed = stream

    @property
    def stream(self) -> TextIO:
        return self._fixed if self._fixed is not None else sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._fixed = value


def setup_logging(
    verbosity: int = 0,
    quiet: bool = False,
    fmt: LogFormat = "text",
    stream: TextIO | None = None,
) -> logging.Handler:
    """Install the one log handler (replacing a previous one) for the given verbosity and format.

    ``-q`` shows errors only; default warnings; ``-v`` info; ``-vv`` debug plus httpx request
    lines; ``-vvv`` also every other library's debug lines (markdown-it alone writes thousands a
    page, so below -vvv third-party loggers stay at WARNING). ``stream`` defaults to the
    current ``sys.stderr``.
    """
    _STATE.fmt, _STATE.verbosity, _STATE.quiet = fmt, verbosity, quiet
    level = logging.ERROR if quiet else [logging.WARNING, logging.INFO][min(verbosity, 1)]
    if verbosity >= 2 and not quiet:
        level = logging.DEBUG
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_confluence_export", False)]:
        root.removeHandler(old)
    handler = _StderrHandler(stream)
    handler._confluence_export = True  # type: ignore[attr-defined]
    handler.addFilter(RedactFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    elif fmt == "github":
        handler.setFormatter(GithubFormatter())
    else:
        handler.setFormatter(TextFormatter(color=use_color(stream or sys.stderr)))
    root.addHandler(handler)
    _STATE.handler = handler
    # The root level is what third-party loggers inherit; ours is set on "exporter" itself.
    root.setLevel(logging.ERROR if quiet else logging.DEBUG if verbosity >= 3 else logging.WARNING)
    log.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.INFO if verbosity >= 2 else logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)
    if fmt == "github":
        for secret in sorted(_SECRETS):
            (stream or sys.stderr).write(f"::add-mask::{_escape_data(secret)}\n")
    return handler


@contextmanager
def group(title: str, stream: TextIO | None = None) -> Iterator[None]:
    """A foldable ``::group::`` in GitHub format (one per space); an info line otherwise."""
    if _STATE.fmt == "github":
        out = stream or _stream()
        out.write(f"::group::{_escape_data(redact(title))}\n")
        out.flush()
        try:
            yield
        finally:
            out.write("::endgroup::\n")
            out.flush()
    else:
        log.info(title)
        yield
