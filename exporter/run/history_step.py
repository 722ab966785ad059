"""The run's side of ``output.history: git``: set up the history step, list what it commits.

The history room (``exporter.history``) writes the commits; this module only hands it the
run's settings and records, so the pipeline stays a sequence of stages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from exporter.config.settings import Config
from exporter.history.run import Exported, History, HistorySettings
from exporter.run.manifest import State

__all__ = ["exported_pages", "history_step"]


def history_step(config: Config, out: Path, state: State, site_url: str) -> History:
    """The run's history step (``output.history: git``; exporter.history.run)."""
    h = config.history
    settings = HistorySettings(since=h.since, max_versions=h.max_versions, authors=h.authors)
    started = datetime.now(UTC).replace(microsecond=0)
    return History(out, state.dir, settings, site_url=site_url, started=started)


def exported_pages(state: State) -> list[Exported]:
    """Every exported page as its record has it, for the history step."""
    return [
        Exported(rec.to_page(), rec.path, tuple(a.filename for a in rec.attachments))
        for rec in state.pages.values()
        if rec.path and rec.kind == "page"
    ]
