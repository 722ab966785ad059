"""The export report beside the docs: ``OUT/export-report.md`` and ``OUT/export-report.json``.

Every warning of the last run (the summary's ``warning_list``: the warnings of every page the
docs folder holds), grouped by page, each page linked to its exported file and to Confluence.
Written at the end of every run that is not a dry run, only when the bytes change (no date in
them, so a run that changes nothing leaves ``git status`` clean). The ``site`` command reads
the JSON back to give the site its ``report.html``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from exporter._fs import atomic_write
from exporter.errors import OutputError
from exporter.warnings import PageWarning, sort_warnings

__all__ = [
    "REPORT_JSON",
    "REPORT_MD",
    "load_report",
    "report_json",
    "report_markdown",
    "write_report_files",
]

REPORT_MD = "export-report.md"
REPORT_JSON = "export-report.json"
FORMAT = 1


def _by_page(warnings: Sequence[PageWarning]) -> list[list[PageWarning]]:
    groups: dict[tuple[str, str], list[PageWarning]] = {}
    for w in sort_warnings(warnings):
        groups.setdefault((w.path, w.page_id), []).append(w)
    return list(groups.values())


def report_json(warnings: Sequence[PageWarning]) -> dict[str, Any]:
    """The JSON document: counts by code, then each page with its warnings (path order)."""
    pages = _by_page(warnings)
    return {
        "format": FORMAT,
        "warnings": sum(len(p) for p in pages),
        "codes": dict(sorted(Counter(w.code for p in pages for w in p).items())),
        "pages": [
            {
                "page_id": p[0].page_id,
                "title": p[0].title,
                "path": p[0].path,
                "url": p[0].url,
                "warnings": [{"code": w.code, "message": w.message} for w in p],
            }
            for p in pages
        ],
    }


def _md(text: str) -> str:
    """Text safe in a Markdown line (no link, emphasis or HTML of its own)."""
    out = text.replace("\\", "\\\\")
    for char in "[]*_`<>|":
        out = out.replace(char, "\\" + char)
    return " ".join(out.split())


def report_markdown(warnings: Sequence[PageWarning]) -> str:
    """The Markdown report: a line per code, then a section per page with its links."""
    pages = _by_page(warnings)
    total = sum(len(p) for p in pages)
    lines = ["# Export report", ""]
    if not pages:
        lines += ["The last export left no warnings.", ""]
        return "\n".join(lines)
    lines += [
        f"The last export left {total} warning{'' if total == 1 else 's'} on {len(pages)} "
        f"page{'' if len(pages) == 1 else 's'}: what it could not carry over faithfully. "
        "Each page was still written.",
        "",
    ]
    for code, count in sorted(Counter(w.code for p in pages for w in p).items()):
        lines.append(f"- `{code}`: {count}")
    lines.append("")
    for page in pages:
        first = page[0]
        lines += [f"## {_md(first.title or first.page_id or first.path)}", ""]
        links = [f"[{_md(first.path)}]({quote(first.path)})"] if first.path else []
        if first.url.lower().startswith(("https://", "http://")):
            links.append(f"[View in Confluence]({first.url})")
        if links:
            lines += [" · ".join(links), ""]
        lines += [f"- `{w.code}`: {_md(w.message)}" for w in page]
        lines.append("")
    return "\n".join(lines)


def write_report_files(out: Path, warnings: Sequence[PageWarning]) -> None:
    """Write both files into ``out`` (each only when its bytes changed)."""
    files = {
        REPORT_MD: report_markdown(warnings).encode("utf-8"),
        REPORT_JSON: (
            json.dumps(report_json(warnings), ensure_ascii=False, indent=1) + "\n"
        ).encode("utf-8"),
    }
    for name, data in files.items():
        target = out / name
        try:
            if target.is_file() and target.read_bytes() == data:
                continue
            atomic_write(target, data)
        except OSError as exc:
            raise OutputError(
                f"Cannot write {target}: {exc}. Check the folder's permissions and free space."
            ) from exc


def load_report(out: Path) -> list[PageWarning] | None:
    """The warnings ``OUT/export-report.json`` lists; None when there is none or it is unreadable."""
    try:
        data = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
        return [
            PageWarning(
                code=str(w["code"]),
                message=str(w["message"]),
                page_id=str(p.get("page_id", "")),
                title=str(p.get("title", "")),
                path=str(p.get("path", "")),
                url=str(p.get("url", "")),
            )
            for p in data["pages"]
            for w in p["warnings"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
