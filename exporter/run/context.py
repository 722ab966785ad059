"""What a stage of the run may see of it: ``RunContext``.

The pipeline builds one context per run and hands it to its stages (``pages``, ``attachments``);
they never see the ``Run`` itself, so a stage cannot reach into its caller's attributes and the
run's modules import in one direction (pipeline → pages → attachments → context).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TypedDict

import httpx

from exporter.models import Page
from exporter.run.manifest import State
from exporter.run.summary import ExportSummary, Failure, ProgressFn

__all__ = ["ClientOptions", "RunContext"]

# The run logs under one name, as it did before its stages had modules (JSON lines show it).
log = logging.getLogger("exporter.run.pipeline")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunContext:
    """The settings a stage needs, the run's summary counters and ``fail()``.

    ``state`` (the manifest and body cache) and ``summary`` are the run's own objects, shared:
    stages record pages and count outcomes in them. The rest is fixed for the run.
    """

    out: Path  # the output root (OUT): docs/ and the state dir are under it
    flavor: str
    attachments: str  # the ``output.attachments`` mode: "none", "referenced" or "all"
    dry_run: bool
    started: float  # time.monotonic() when the run started, for log lines
    state: State
    summary: ExportSummary
    progress: ProgressFn

    def fail(self, page: Page, reason: str, *, attachment: bool = False) -> None:
        """Record one failure (a page's, or one of its attachments'); the run ends partial."""
        log.warning("%s %s (%s) failed: %s", page.kind, page.title, page.id, reason)
        self.summary.failures.append(Failure(page.id, page.title, reason))
        if attachment:
            self.summary.attachments_failed += 1
        else:
            self.summary.pages_failed += 1


class ClientOptions(TypedDict, total=False):
    """Overrides of the API client's settings (``ConfluenceClient``): tests and benchmarks
    use them for a transport and fast backoff; the config gives the rest."""

    concurrency: int
    timeout: float
    transport: httpx.AsyncBaseTransport
    max_attempts: int
    max_wait: float
    backoff_base: float
    backoff_cap: float
    retry_budget: float
