"""The one exception hierarchy of confluence-export.

    ExportError                 root; every message says what happened and what to do next
    ├── ConfigError             config.yaml or a flag is wrong                 (USAGE)
    │   └── DeletionRefused     the run would delete too much, unconfirmed
    ├── AuthError               authentication needs a person                  (AUTH)
    │   ├── LoginRequired       no token file, or the refresh token was rejected
    │   └── ScopeMissing        the app or token lacks a scope the export needs
    ├── ApiError                Confluence answered with an unexpected error   (UNEXPECTED)
    │   └── NetworkUnavailable  a host stayed unreachable through the retries  (RETRY_LATER)
    ├── RateLimited             the rate-limit budget is exhausted             (RETRY_LATER)
    ├── ConversionError         one page could not be converted (page id, macro)
    ├── OutputError             the output directory cannot be written        (UNEXPECTED)
    ├── PartialExport           some pages or attachments failed               (PARTIAL)
    └── LockHeld                another export holds the output's lock         (RETRY_LATER)

    Terminated (a KeyboardInterrupt, not an ExportError): SIGTERM arrived      (TERMINATED)

Only ``cli.py`` maps these to exit codes (``ExportError.exit_code``); ``EXIT_CODES`` below is
the one table of those codes: ``--help``, ``check``, the GitHub Action and the docs use it.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Protocol

from exporter.warnings import PageWarning

__all__ = [
    "EXIT_CODES",
    "ExitCode",
    "ApiError",
    "AuthError",
    "ConfigError",
    "ConversionError",
    "DeletionRefused",
    "ExportError",
    "LockHeld",
    "LoginRequired",
    "NetworkUnavailable",
    "OutputError",
    "PartialExport",
    "RateLimited",
    "RunSummary",
    "ScopeMissing",
    "Terminated",
    "exit_codes_help",
]


class ExitCode(IntEnum):
    """The process exit codes of every command (CONTRACT.md)."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    PARTIAL = 3
    AUTH = 4
    RETRY_LATER = 75  # EX_TEMPFAIL
    INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
    TERMINATED = 143  # 128 + SIGTERM: a container stop, a CI cancel, `kill`


EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "success, also when nothing changed",
    ExitCode.UNEXPECTED: "unexpected error",
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.PARTIAL: "partial export (some pages or attachments failed, each listed)",
    ExitCode.AUTH: "authentication needs a person (run `confluence-export login`)",
    ExitCode.RETRY_LATER: (
        "retry later: another export is running, the rate limit is exhausted, or the network "
        "stayed down"
    ),
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); the next run resumes",
    ExitCode.TERMINATED: "terminated (SIGTERM); the next run resumes",
}


def exit_codes_help() -> str:
    """The exit-code table as click help text (``\\b`` keeps click from re-wrapping it)."""
    rows = "".join(f"  {int(code):<3} {meaning}\n" for code, meaning in EXIT_CODES.items())
    return "\b\nExit codes:\n" + rows


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the run stops as on Ctrl-C (cleanups run, the lock is released).

    A ``KeyboardInterrupt`` so that no ``except Exception`` swallows it and asyncio and click
    treat it as they treat Ctrl-C.
    """


class ExportError(Exception):
    """Root of every error the product raises on purpose."""

    exit_code: int = ExitCode.UNEXPECTED


class ConfigError(ExportError):
    """The configuration or a command-line value is invalid."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)


class RunSummary(Protocol):
    """What an export run reports (``exporter.run.summary.ExportSummary``), as its errors
    carry it: the CLI prints it for a partial export and a refused dry run."""

    warning_list: list[PageWarning]

    def as_dict(self) -> dict[str, Any]:
        """The ``--summary-json`` document."""
        ...


class DeletionRefused(ConfigError):
    """The run would delete more of the exported pages than allowed; nothing was changed.

    Confirm with ``--allow-deletions`` (``export(..., allow_deletions=True)``) or
    ``output.allow_deletions: true``. ``summary`` is the run's summary with its plan.
    """

    def __init__(self, message: str, *, summary: RunSummary | None = None) -> None:
        self.summary = summary
        super().__init__(message)


class AuthError(ExportError):
    """Authentication failed in a way only a person can fix."""

    exit_code = ExitCode.AUTH


class LoginRequired(AuthError):
    """No usable token: the user must run `confluence-export login`."""


class ScopeMissing(AuthError):
    """The token lacks a scope an endpoint needs; refreshing cannot fix it."""


class ApiError(ExportError):
    """Confluence answered with an error we do not retry."""

    def __init__(self, message: str, *, request: Any = None, response: Any = None) -> None:
        self.request = request
        self.response = response
        super().__init__(message)

    @property
    def status_code(self) -> int | None:
        return getattr(self.response, "status_code", None)


class NetworkUnavailable(ApiError):
    """A host could not be reached (DNS, connect, dropped connections) through every retry.

    Nothing is wrong with the configuration as far as it can tell, so the run ends as
    "retry later": the state is saved and the next run resumes.
    """

    exit_code = ExitCode.RETRY_LATER

    def __init__(self, message: str, *, host: str) -> None:
        self.host = host
        super().__init__(message)


class RateLimited(ExportError):
    """Atlassian's rate limit or points budget is exhausted; retry after ``retry_after`` s."""

    exit_code = ExitCode.RETRY_LATER

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ConversionError(ExportError):
    """A page body could not be converted."""

    def __init__(self, message: str, *, page_id: str | None = None, macro: str | None = None):
        self.page_id = page_id
        self.macro = macro
        super().__init__(message)


class OutputError(ExportError):
    """The output directory cannot be written (permissions, disk full, unsafe path)."""


class PartialExport(ExportError):
    """The export finished but some pages or attachments failed (each listed).

    ``summary`` is the run's summary (what was written, what failed).
    """

    exit_code = ExitCode.PARTIAL

    def __init__(
        self,
        message: str,
        failures: list[str] | None = None,
        *,
        summary: RunSummary | None = None,
    ) -> None:
        self.failures = list(failures or [])
        self.summary = summary
        super().__init__(message)


class LockHeld(ExportError):
    """Another export is running on the same output."""

    exit_code = ExitCode.RETRY_LATER
