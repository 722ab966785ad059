"""The no-change shortcut: a run whose scan found nothing skips planning the docs folder.

After a run that ended clean (no failure, every attachment of every exported page on disk),
the cache keeps a *settled* mark (``meta`` row ``settled`` of ``cache.sqlite``): the manifest
it goes with (its digest), the options and spaces of that run, the file of every exported
page, the size and mtime of every other file the export owns (indexes, nav files), the
summary's counts and the pages with warnings. A later run whose scans were all *quiet*
(``exporter.run.scan``: nothing listed, fetched, removed, restored or trashed), with the same
options and spaces, and whose files are all still as marked, would plan every page unchanged,
download nothing and leave every file as it is: so it skips the layout, the plan and the
writer's finish, and costs what its scan costs, not what the space holds.

Anything the mark cannot vouch for takes the full path: no mark (a first run, a failure, a
run killed midway, a cache rebuilt from ``manifest.json``), ``--full``, other options,
``--space``, a gone space, ``output.history``, a dry run. A full run forgets the mark before
it changes anything, so a killed run never leaves one behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exporter.run.manifest import State
from exporter.run.scan import Scan

__all__ = ["Shortcut", "forget", "settle", "shortcut"]

MARK = "settled"


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A run that takes the shortcut: what its summary counts, and the mark it kept."""

    pages: int  # exported pages, all unchanged
    attachments: int  # their attachments, all unchanged
    warned: tuple[str, ...]  # ids of the exported pages that carry warnings
    mark: dict[str, Any]


def _spaces(scans: Sequence[Scan]) -> dict[str, list[str | None]]:
    return {
        s.selected.space.key: [
            s.selected.space.id,
            s.selected.space.name,
            s.selected.space.homepage_id,
        ]
        for s in scans
    }


def _stat(path: Path) -> list[Any] | None:
    """Size, mtime and digest of a file the writer owns; None when it is gone."""
    try:
        st = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, digest]


def _unchanged(path: Path, kept: list[Any]) -> bool:
    """Whether the file is as marked: the same size and mtime (nothing read), or else the
    same bytes (a fresh checkout, as in the GitHub Action, gives every file a new mtime)."""
    try:
        st = path.stat()
    except OSError:
        return False
    if [st.st_size, st.st_mtime_ns] == kept[:2]:
        return True
    now = _stat(path)
    return now is not None and now[0] == kept[0] and now[2] == kept[2]


def _read(state: State) -> tuple[dict[str, str], dict[str, Any] | None]:
    meta = state.store.meta()
    try:
        mark = json.loads(meta.get(MARK) or "null")
    except ValueError:
        mark = None
    return meta, mark if isinstance(mark, dict) else None


def shortcut(
    state: State, out: Path, options: dict[str, object], scans: Sequence[Scan]
) -> Shortcut | None:
    """The shortcut, when every scan was quiet and the settled mark still holds; else None."""
    if not scans or not all(s.quiet and not s.full for s in scans):
        return None
    table = state.table
    if state._rebuild is not None or table.pending or table.changed:
        return None
    meta, mark = _read(state)
    if mark is None or meta.get("ahead") != "0" or mark.get("digest") != meta.get("digest"):
        return None
    if mark.get("options") != json.loads(json.dumps(options)):
        return None
    spaces = json.loads(json.dumps(_spaces(scans)))
    if mark.get("spaces") != spaces or set(state.spaces) != set(spaces):
        return None
    # What the full plan asks of the disk: is each page's file there (else it is rendered
    # again), and are the writer's other files as it left them (else it rewrites them)?
    base = str(out)
    if not all(os.path.isfile(os.path.join(base, path)) for path in mark.get("pages", ())):
        return None
    managed = mark.get("managed", {})
    if sorted(managed) != sorted(state.managed):
        return None
    if not all(_unchanged(out / name, kept) for name, kept in managed.items()):
        return None
    return Shortcut(
        pages=len(mark["pages"]),
        attachments=int(mark.get("attachments", 0)),
        warned=tuple(mark.get("warned", ())),
        mark=mark,
    )


def forget(state: State) -> None:
    """Drop the mark before a full run changes anything (a no-op when there is none)."""
    if state.store.path.exists() and _read(state)[1] is not None:
        state.store.write({}, {MARK: ""})


def settle(
    state: State,
    out: Path,
    *,
    options: dict[str, object],
    scans: Sequence[Scan],
    attachments: bool,
    used: Shortcut | None,
) -> None:
    """After a clean, saved run: mark what the docs folder holds now (see the module doc).

    A full run reads every record for it (the run read them all already); a run that took
    the shortcut keeps its mark, following the manifest's digest (scan times, trash).
    """
    meta = state.store.meta()
    digest = meta.get("digest")
    if meta.get("ahead") != "0" or digest is None:
        return
    if used is not None:
        mark = dict(used.mark, digest=digest)
    else:
        pages, warned, count = [], [], 0
        for rec in state.pages.values():
            if not rec.path:
                continue
            if any(not a.path for a in rec.attachments):
                return  # fetched again by the next run (``stale_attachments``): no mark
            pages.append(rec.path)
            count += len(rec.attachments)
            if rec.warnings:
                warned.append(rec.id)
        managed = {}
        for name in state.managed:
            kept = _stat(out / name)
            if kept is None:
                return
            managed[name] = kept
        mark = {
            "digest": digest,
            "options": options,
            "spaces": _spaces(scans),
            "pages": pages,
            "attachments": count if attachments else 0,
            "warned": warned,
            "managed": managed,
        }
    text = json.dumps(mark, sort_keys=True, separators=(",", ":"))
    if text != meta.get(MARK):
        state.store.write({}, {MARK: text})
