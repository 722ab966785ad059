"""Scan times that do not churn a tracked state folder.

Every run advances each space's ``last_scan`` (and a reconcile its ``last_full``). Kept only in
``manifest.json``, that made every no-change run a change for anyone who commits the state
folder (the GitHub Action does). So the manifest's times move only when its content changes,
and the latest times live in ``scans.json`` beside it, which the state folder's ``.gitignore``
(written by the exporter) keeps out of git.

``scans.json`` remembers which manifest times it was written against; it is used only while
the manifest still holds those (a checkout of another manifest, or a crash between the two
writes, falls back to the manifest's own, older times: a longer scan, never a missed change).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from exporter._fs import atomic_write
from exporter.errors import OutputError

__all__ = [
    "GITIGNORE",
    "SCANS_NAME",
    "Times",
    "adopt_local_times",
    "file_digest",
    "read_local_times",
    "save_with_stable_times",
    "write_local_times",
]

SCANS_NAME = "scans.json"
Times = tuple[str | None, str | None]  # (last_scan, last_full), ISO 8601 UTC

_HEADER = "# Written by confluence-export: files that change on every run; git need not track them."
# Only the manifest is content; the rest (scans.json, the cache, the site cache, the lock,
# temp files) is local or restored from a cache (docs/output.md, "The state folder").
GITIGNORE = "\n".join([_HEADER, "*", "!.gitignore", "!manifest.json", "!changes.jsonl", ""])


def adopt_local_times(
    manifest: Path, spaces: MutableMapping[str, Any]
) -> tuple[str | None, dict[str, Times]]:
    """After loading ``manifest``: put the latest valid times from ``scans.json`` into
    ``spaces`` (space records, changed in place); returns the manifest's digest and times."""
    tracked = {k: (v.last_scan, v.last_full) for k, v in spaces.items()}
    for key, (scan, full) in read_local_times(manifest.parent, tracked).items():
        spaces[key] = dataclasses.replace(spaces[key], last_scan=scan, last_full=full)
    return file_digest(manifest), tracked


def save_with_stable_times(
    manifest: Path,
    spaces: Mapping[str, Any],
    tracked: Mapping[str, Times],
    baseline: str | None,
    write: Callable[[dict[str, Times]], str | None],
) -> tuple[str | None, dict[str, Times]]:
    """Save the manifest through ``write(times)`` (it returns the file's digest) with the
    times it already holds; only when that changed its bytes (content changed) is it written
    again with the current times. Then ``scans.json``. Returns the new digest and times."""
    current = {k: (v.last_scan, v.last_full) for k, v in spaces.items()}
    kept = {k: tracked.get(k, times) for k, times in current.items()}
    digest = write(kept)
    held = dict(kept)
    if digest != baseline:  # content changed: the times go with it
        if kept != current:
            digest = write(current)
        held = current
    try:
        write_local_times(manifest.parent, current, held)
    except OSError as exc:
        raise OutputError(
            f"Cannot write {manifest.parent / SCANS_NAME}: {exc.strerror}. Check permissions "
            "and free space."
        ) from exc
    return digest, held


def file_digest(path: Path) -> str | None:
    """sha256 of a file's bytes (read in chunks), or None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def read_local_times(state_dir: Path, tracked: Mapping[str, Times]) -> dict[str, Times]:
    """The latest scan times per space, for the spaces whose manifest times (``tracked``) are
    still those ``scans.json`` was written against; other spaces are left out."""
    try:
        data = json.loads((state_dir / SCANS_NAME).read_text(encoding="utf-8"))
        spaces = data["spaces"]
        found: dict[str, Times] = {}
        for key, entry in spaces.items():
            if key in tracked and (entry["tracked_scan"], entry["tracked_full"]) == tracked[key]:
                found[key] = (entry["last_scan"], entry["last_full"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # missing or damaged: the manifest's times serve
    return found


def write_local_times(
    state_dir: Path, current: Mapping[str, Times], tracked: Mapping[str, Times]
) -> None:
    """Write ``scans.json`` (the current times and the manifest's they go with) and make sure
    the state folder's ``.gitignore`` keeps it out of git. Called after the manifest is saved."""
    spaces: dict[str, Any] = {}
    for key, (last_scan, last_full) in sorted(current.items()):
        tracked_scan, tracked_full = tracked.get(key, (None, None))
        spaces[key] = {
            "last_scan": last_scan,
            "last_full": last_full,
            "tracked_scan": tracked_scan,
            "tracked_full": tracked_full,
        }
    _replace(state_dir / SCANS_NAME, json.dumps({"spaces": spaces}, indent=1, sort_keys=True))
    ignore = state_dir / ".gitignore"
    try:
        existing = ignore.read_text(encoding="utf-8")
    except OSError:
        existing = None
    # Ours (missing, or written by an older version) is kept current; a user's own is left.
    if existing != GITIGNORE and (existing is None or existing.startswith(_HEADER)):
        _replace(ignore, GITIGNORE)


def _replace(path: Path, text: str) -> None:
    # Not fsync'd: a lost or torn scans.json only means the manifest's older times are used.
    atomic_write(path, text + ("" if text.endswith("\n") else "\n"))
