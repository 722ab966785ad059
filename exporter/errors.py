"""The one exception hierarchy of confluence-export.

    ExportError                 root; every message says what happened and what to do next
    ├── ConfigError             config.yaml or a flag is wrong                 (exit 2)
    │   └── DeletionRefused     the run would delete too much, unconfirmed
    ├── AuthError               authentication needs a person                  (exit 4)
    │   ├── LoginRequired       no token file, or the refresh token was rejected
    │   └── ScopeMissing        the app or token lacks a scope the export needs
    ├── ApiError                Confluence answered with an unexpected error   (exit 1)
    │   └── NetworkUnavailable  a host stayed unreachable through the retries  (exit 75)
    ├── RateLimited             the rate-limit budget is exhausted: retry later (exit 75)
    ├── ConversionError         one page could not be converted (page id, macro)
    ├── OutputError             the output directory cannot be written        (exit 1)
    ├── PartialExport           some pages or attachments failed               (exit 3)
    └── LockHeld                another export holds the output's lock         (exit 75)

Only ``cli.py`` maps these to exit codes (``ExportError.exit_code``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
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
    "ScopeMissing",
]


class ExportError(Exception):
    """Root of every error the product raises on purpose."""

    exit_code = 1


class ConfigError(ExportError):
    """The configuration or a command-line value is invalid."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)


class DeletionRefused(ConfigError):
    """The run would delete more of the exported pages than allowed; nothing was changed.

    Confirm with ``--allow-deletions`` (``export(..., allow_deletions=True)``) or
    ``output.allow_deletions: true``.
    """


class AuthError(ExportError):
    """Authentication failed in a way only a person can fix."""

    exit_code = 4


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

    exit_code = 75

    def __init__(self, message: str, *, host: str) -> None:
        self.host = host
        super().__init__(message)


class RateLimited(ExportError):
    """Atlassian's rate limit or points budget is exhausted; retry after ``retry_after`` s."""

    exit_code = 75

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
    """The export finished but some pages or attachments failed (each listed)."""

    exit_code = 3

    def __init__(self, message: str, failures: list[str] | None = None) -> None:
        self.failures = list(failures or [])
        super().__init__(message)


class LockHeld(ExportError):
    """Another export is running on the same output."""

    exit_code = 75
