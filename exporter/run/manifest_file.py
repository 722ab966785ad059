"""Reading ``manifest.json`` in full, and taking over what older versions left in the state
folder: the ``bodies/`` folder (one file per page) and ``manifest.journal``.

Only needed when the cache (``cache.sqlite``) does not match the manifest on disk: no cache
yet (an older version's output, an Action run whose cache was not restored), a damaged one, or
another manifest (a checkout). Each costs one pass over the manifest, once.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from exporter.run.pagetable import PageTable
from exporter.run.records import PageRecord, decode_line
from exporter.run.store import Store, blob_version, unpack_body

__all__ = [
    "FORMAT",
    "PAGES_OPEN",
    "legacy_body",
    "migrate_bodies",
    "read_manifest",
    "replay_legacy_journal",
]

FORMAT = 1
PAGES_OPEN = '"pages":{\n'  # the manifest's first line ends here; then one page per line


def read_manifest(path: Path) -> tuple[dict[str, Any] | None, PageTable]:
    """Parse ``manifest.json`` (a line at a time: one page per line): its head and records;
    (None, empty) when it is missing, damaged or of another format (a full export follows)."""
    try:
        with open(path, encoding="utf-8") as fh:
            first = fh.readline()
            if first.endswith(PAGES_OPEN):
                raw = json.loads(first[: -len(PAGES_OPEN)].rstrip(",") + "}")
                records = {}
                for line in fh:
                    if line.strip() not in ("", "}}"):
                        record = decode_line(line)
                        records[record.id] = record
            else:
                raw = json.loads(first + fh.read())
                records = {k: PageRecord.from_json(v) for k, v in raw.get("pages", {}).items()}
        if raw.get("format") != FORMAT:
            return None, PageTable.of({})
        raw.pop("pages", None)
        return raw, PageTable.of(records)
    except FileNotFoundError:
        return None, PageTable.of({})
    except (OSError, ValueError, TypeError, AttributeError):
        return None, PageTable.of({})  # a damaged manifest means a full export, never a crash


def replay_legacy_journal(journal: Path, table: PageTable) -> bool:
    """Apply the page changes an older version appended after its last save (a killed run's
    work); a torn last line (the process died mid-write) is ignored: that page is redone."""
    try:
        with open(journal, encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    if "drop" in entry:
                        table.pop(str(entry["drop"]), None)
                    else:
                        record = PageRecord.from_json(entry["page"])
                        table[record.id] = record
                except (ValueError, KeyError, TypeError):
                    continue
    except OSError:
        return False
    return bool(table.pending)


def legacy_body(state_dir: Path, page_id: str) -> tuple[int, str] | None:
    """(version, body) from an older version's ``bodies/`` folder, until it is migrated."""
    path = state_dir / "bodies" / page_id[-2:].rjust(2, "0") / f"{page_id}.xml.z"
    try:
        return unpack_body(path.read_bytes())
    except OSError:
        return None


def migrate_bodies(state_dir: Path, store: Store) -> None:
    """Move an older version's body cache (``bodies/NN/<id>.xml.z``, one file per page, in the
    form the cache stores) into ``store``, then delete the folder. Runs once per output."""
    folder = state_dir / "bodies"
    if not folder.is_dir():
        return
    batch: list[tuple[str, int, bytes]] = []
    for path in folder.glob("*/*.xml.z"):
        try:
            blob = path.read_bytes()
        except OSError:
            continue
        version = blob_version(blob)
        if version is not None:  # damaged: fetched again when needed
            batch.append((path.name.removesuffix(".xml.z"), version, blob))
        if len(batch) >= 2000:
            store.put_blobs(batch)
            batch.clear()
    store.put_blobs(batch)
    shutil.rmtree(folder, ignore_errors=True)
