"""What a run changed: the summary's ``changes`` and the changes log the site's feed reads.

The render stage records each page it wrote (added, edited, moved) and deleted, and each
attachment whose file it added, replaced with a new version or dropped, as ``models.Change``.
After the run they go, in path order, into ``changes.jsonl`` in the state folder: one JSON line
per run that changed something, newest last, the last ``KEEP_RUNS`` kept. The site's "Recent
changes" page and Atom feed are rendered from it.

The log is tracked in git beside ``manifest.json`` (the state folder's ``.gitignore`` lets it
through), so a fresh runner renders the same feed; it is written only by a run that changed
something, so a no-change run leaves the tracked folder as it was.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from exporter._fs import atomic_write
from exporter.errors import OutputError
from exporter.models import Change, ChangeAction, Page, RunChanges
from exporter.run.records import AttachmentRecord, PageRecord
from exporter.run.summary import ExportSummary

__all__ = [
    "CHANGES_NAME",
    "KEEP_RUNS",
    "MAX_PER_RUN",
    "append_log",
    "attachment_changes",
    "deleted_page",
    "ordered",
    "page_change",
    "read_log",
    "record_run",
    "run_time",
]

CHANGES_NAME = "changes.jsonl"
KEEP_RUNS = 20  # runs the log keeps (the Recent changes page shows them all)
MAX_PER_RUN = 500  # changes the log keeps of one run (a first export adds every page)

log = logging.getLogger(__name__)


def page_change(
    page: Page, *, path: str, old_path: str, old_version: int, author: str = ""
) -> Change:
    """A page the run wrote: added (no file before), moved (``old_path`` elsewhere), edited
    (a new version) or updated (the same version re-rendered: a page it links to or includes
    changed). Author and message are the new version's, so an update names neither."""
    edited = page.version != old_version
    action: ChangeAction = "added" if not old_path else "moved" if old_path != path else "edited"
    if action == "edited" and not edited:
        action = "updated"
    if not edited and action != "added":
        author, page = "", dataclasses.replace(page, version_message="")
    return Change(
        kind="page",
        action=action,
        page_id=page.id,
        title=page.title,
        space_key=page.space_key,
        path=path,
        old_path=old_path if action == "moved" else "",
        version=page.version,
        updated=page.updated,
        author=author,
        message=page.version_message,
    )


def deleted_page(rec: PageRecord) -> Change:
    """A page whose file the run deleted."""
    return Change("page", "deleted", rec.id, rec.title, rec.space_key, old_path=rec.path)


def attachment_changes(
    rec: PageRecord, before: Iterable[AttachmentRecord], after: Iterable[AttachmentRecord]
) -> list[Change]:
    """The page's files added, changed (a new version on disk) or removed by the run."""
    old = {a.filename: a for a in before if a.path}
    new = {a.filename: a for a in after if a.path}
    found: list[Change] = []
    for name, att in sorted(new.items()):
        prev = old.get(name)
        if prev is None or prev.version != att.version:
            action = "added" if prev is None else "changed"
            found.append(_file(rec, action, name, att.path, att.version))
    for name in sorted(set(old) - set(new)):
        found.append(_file(rec, "removed", name, "", old[name].version, old[name].path))
    return found


def _file(
    rec: PageRecord, action: str, name: str, path: str, version: int, old_path: str = ""
) -> Change:
    return Change.from_json(
        {
            "kind": "attachment",
            "action": action,
            "page_id": rec.id,
            "title": rec.title,
            "space_key": rec.space_key,
            "path": path,
            "old_path": old_path,
            "filename": name,
            "version": version,
        }
    )


def ordered(changes: Iterable[Change]) -> list[Change]:
    """Changes in a stable order (downloads finish in any order): by page path, pages first."""
    return sorted(
        changes,
        key=lambda c: (c.path or c.old_path, c.kind != "page", c.filename, c.page_id, c.action),
    )


def run_time(now: datetime | None = None) -> str:
    """The run's time as the log records it (UTC, seconds): ``2026-12-02T05:00:00Z``."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_log(state_dir: Path) -> list[RunChanges]:
    """The runs the log holds, oldest first; a damaged line is skipped (logged), a missing log
    is an empty one."""
    try:
        text = (Path(state_dir) / CHANGES_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("Cannot read %s: %s; the site lists no recent changes", CHANGES_NAME, exc)
        return []
    runs: list[RunChanges] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            changes = tuple(Change.from_json(c) for c in data.get("changes", ()))
            runs.append(RunChanges(str(data["run"]), changes, int(data.get("more", 0))))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("%s line %d is damaged (%s); it is skipped", CHANGES_NAME, number, exc)
    return runs


def append_log(
    state_dir: Path, run: str, changes: Sequence[Change], keep: int = KEEP_RUNS
) -> list[RunChanges]:
    """Add one run's changes to the log (nothing when there are none) and keep the last
    ``keep`` runs; returns the runs the log now holds."""
    runs = read_log(state_dir)
    if not changes:
        return runs
    runs.append(RunChanges(run, tuple(changes[:MAX_PER_RUN]), max(0, len(changes) - MAX_PER_RUN)))
    runs = runs[-keep:]
    lines = [
        json.dumps(
            {"run": r.run, "changes": [c.to_json() for c in r.changes]}
            | ({"more": r.more} if r.more else {}),
            ensure_ascii=False,
            sort_keys=True,
        )
        for r in runs
    ]
    target = Path(state_dir) / CHANGES_NAME
    try:
        atomic_write(target, ("\n".join(lines) + "\n").encode("utf-8"))
    except OSError as exc:
        raise OutputError(
            f"Cannot write {target}: {exc}. Check that the output folder is writable."
        ) from exc
    return runs


def record_run(summary: ExportSummary, state_dir: Path, *, dry_run: bool) -> list[RunChanges]:
    """Put the summary's changes in order and, unless a dry run, add them to the log; returns
    the runs the log holds (for the site)."""
    summary.changes[:] = ordered(summary.changes)
    if dry_run:
        return []
    return append_log(state_dir, run_time(), summary.changes)
