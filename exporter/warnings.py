"""Warnings as data: what a run could not carry over faithfully, each naming its page.

A warning is not a failure: the page was written, but something in it is missing or degraded
(a macro without a static rendering, a link to an attachment that does not exist). The
converter collects them per page, the attachment stage adds its own, the state keeps them with
the page's record (so a resumed or a no-change run reports the same list), and the CLI prints
them once each, deduplicated by code (:func:`condense`).

Codes are stable (kebab case) so scripts and the export report can group by them:

- ``unknown-macro``: a macro the converter does not know; its body is kept, with a placeholder.
- ``macro-not-exported``: a macro Confluence computes on view (Page Properties Report, Recently
  Updated, ...); the page shows a placeholder saying so.
- ``missing-attachment``: the page embeds or links a file that Confluence does not have (never
  uploaded, or deleted: its download answers 404 and the listing no longer has it).
- ``link-to-unexported-page``: a link to a page this export does not hold (another space, a
  filtered or deleted page); it points at Confluence instead.
- ``broken-anchor``: a link to an anchor on the page that no heading or anchor macro has.
- ``malformed-storage``: the body is not well-formed XML; a recovering parser read it, so some
  of its content may be missing.
- ``nesting-flattened``: lists or quotes nested deeper than Markdown renderers parse were
  flattened so their text still shows.
- ``invalid-macro-parameter``: a macro parameter the export cannot use (a toc pattern that is
  not a regular expression); the macro renders as if it were not set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ATTACHMENT_CODES",
    "BROKEN_ANCHOR",
    "INVALID_PARAMETER",
    "LINK_TO_UNEXPORTED_PAGE",
    "MALFORMED_STORAGE",
    "MACRO_NOT_EXPORTED",
    "MISSING_ATTACHMENT",
    "NESTING_FLATTENED",
    "PER_CODE",
    "UNKNOWN_MACRO",
    "Condensed",
    "PageWarning",
    "condense",
    "for_page",
    "sort_warnings",
]

UNKNOWN_MACRO = "unknown-macro"
MACRO_NOT_EXPORTED = "macro-not-exported"
MISSING_ATTACHMENT = "missing-attachment"
LINK_TO_UNEXPORTED_PAGE = "link-to-unexported-page"
BROKEN_ANCHOR = "broken-anchor"
MALFORMED_STORAGE = "malformed-storage"
NESTING_FLATTENED = "nesting-flattened"
INVALID_PARAMETER = "invalid-macro-parameter"
ATTACHMENT_CODES = frozenset({MISSING_ATTACHMENT})  # set by the attachment stage, not the converter
PER_CODE = 5  # warnings of one code printed in full; the rest of that code as one count line


@dataclass(frozen=True, slots=True)
class PageWarning:
    """One warning: a stable code, the page it is about (empty for a lone body) and a message.

    ``path`` is the page's Markdown file relative to the output folder (``docs/...``, as in the
    summary's ``plan``); ``url`` its Confluence address when known.
    """

    code: str
    message: str
    page_id: str = ""
    title: str = ""
    path: str = ""
    url: str = ""

    def where(self) -> str:
        """The page, as a reader finds it: ``Title (id, docs/path.md)``; "" without a page."""
        if not (self.page_id or self.title):
            return ""
        details = ", ".join(x for x in (self.page_id, self.path) if x)
        return f"{self.title or 'page'} ({details})" if details else self.title

    def line(self) -> str:
        """One line for logs and stderr: ``[code] Page (id, path): message``."""
        where = self.where()
        return (
            f"[{self.code}] {where}: {self.message}" if where else f"[{self.code}] {self.message}"
        )

    def to_json(self) -> dict[str, str]:
        """The ``warning_list`` entry of ``--summary-json`` (and the state's form)."""
        return {
            "code": self.code,
            "page_id": self.page_id,
            "title": self.title,
            "path": self.path,
            "url": self.url,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PageWarning:
        return cls(
            code=str(data.get("code", "")),
            message=str(data.get("message", "")),
            page_id=str(data.get("page_id", "")),
            title=str(data.get("title", "")),
            path=str(data.get("path", "")),
            url=str(data.get("url", "")),
        )

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.path, self.page_id, self.code, self.message)


def for_page(
    notes: Iterable[tuple[str, str]], page_id: str, title: str, path: str, url: str
) -> tuple[PageWarning, ...]:
    """``(code, message)`` pairs as warnings naming one page."""
    return tuple(PageWarning(code, message, page_id, title, path, url) for code, message in notes)


def sort_warnings(warnings: Iterable[PageWarning]) -> list[PageWarning]:
    """Distinct warnings in a deterministic order: by page path, page id, code, message."""
    return sorted(set(warnings), key=PageWarning.sort_key)


@dataclass(frozen=True, slots=True)
class Condensed:
    """What to print: the warnings shown in full, and per code how many more there are."""

    shown: tuple[PageWarning, ...]
    more: tuple[tuple[str, int], ...]  # (code, count not shown), in code order


def condense(warnings: Iterable[PageWarning], per_code: int = PER_CODE) -> Condensed:
    """The first ``per_code`` warnings of each code, and a count of the rest of each code."""
    seen: dict[str, int] = {}
    shown = []
    for w in warnings:
        seen[w.code] = seen.get(w.code, 0) + 1
        if seen[w.code] <= per_code:
            shown.append(w)
    more = tuple((code, n - per_code) for code, n in sorted(seen.items()) if n > per_code)
    return Condensed(shown=tuple(shown), more=more)
