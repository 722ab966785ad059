"""What an export run hands back: progress callbacks while it works, the summary when it ends.

``export()`` returns an ``ExportSummary`` (a ``PartialExport`` carries one as ``summary``); the
CLI prints it through ``report``. These are library API, importable from ``exporter.run.pipeline``
too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from exporter.models import Change
from exporter.warnings import PageWarning

__all__ = ["ExportSummary", "Failure", "PageWarning", "PlanItem", "ProgressFn"]

ProgressFn = Callable[[str, int, int | None], None]  # (stage, done, total)


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    """One page, attachment or whole space that could not be exported, and why.

    A space's failure (``kind`` "space") has no page id; its ``title`` is the space key.
    """

    page_id: str
    title: str
    reason: str
    kind: Literal["page", "space"] = "page"


@dataclasses.dataclass(frozen=True, slots=True)
class PlanItem:
    """One change a run makes (or, with ``--dry-run``, would make); paths relative to OUT."""

    action: Literal["add", "change", "move", "delete"]
    page_id: str
    title: str
    path: str
    old_path: str = ""


@dataclasses.dataclass
class ExportSummary:
    """The run's counts (CONTRACT ``--summary-json``), its failures and what it changed.

    ``warning_list`` describes the output as it stands after the run: the warnings of every
    page the docs folder holds, the ones this run rendered and the ones it kept unchanged, so a
    resumed or a no-change run reports the same list as the full export it equals.
    ``changes`` is what this run changed in the docs folder (``exporter.run.changes``), in
    path order; a dry run lists none (its ``plan`` says what it would do).
    """

    pages_exported: int = 0
    pages_unchanged: int = 0
    pages_deleted: int = 0
    pages_failed: int = 0
    attachments_downloaded: int = 0
    attachments_unchanged: int = 0
    attachments_failed: int = 0
    spaces_failed: int = 0
    requests: int = 0  # Confluence API requests (a download's redirect is one)
    media_requests: int = 0  # requests to the media host that downloads redirect to
    retries: int = 0
    points: int = 0
    duration_s: float = 0.0
    warnings: int = 0  # len(warning_list): CONTRACT keeps the count an integer
    warning_list: list[PageWarning] = dataclasses.field(default_factory=list)
    failures: list[Failure] = dataclasses.field(default_factory=list)
    plan: list[PlanItem] = dataclasses.field(default_factory=list)
    dry_run: bool = False
    changes: list[Change] = dataclasses.field(default_factory=list)  # what the run changed

    def as_dict(self) -> dict[str, Any]:
        """The ``--summary-json`` document."""
        return {
            "pages": {
                "exported": self.pages_exported,
                "unchanged": self.pages_unchanged,
                "deleted": self.pages_deleted,
                "failed": self.pages_failed,
            },
            "attachments": {
                "downloaded": self.attachments_downloaded,
                "unchanged": self.attachments_unchanged,
                "failed": self.attachments_failed,
            },
            "spaces": {"failed": self.spaces_failed},
            "requests": self.requests,
            "media_requests": self.media_requests,
            "retries": self.retries,
            "points": self.points,
            "duration_s": round(self.duration_s, 3),
            "warnings": self.warnings,
            "warning_list": [w.to_json() for w in self.warning_list],
            "failures": [dataclasses.asdict(f) for f in self.failures],
            "dry_run": self.dry_run,
            "plan": [dataclasses.asdict(p) for p in self.plan],
            "changes": [c.to_json() for c in self.changes],
        }
