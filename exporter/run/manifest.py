"""The export's memory between runs: ``OUT/.confluence-export/``.

``manifest.json`` records, per space, when its last change scan started, and per page what was
exported (version, title, parent, position, labels, the files written, attachment versions,
link dependencies, its warnings), so an incremental run fetches only what changed, can rebuild
the whole tree without listing every page, and reports the warnings of the pages it keeps.
Storage bodies are cached compressed under ``bodies/`` so pages whose links change can be
re-rendered without fetching them again.

The manifest is only ever written atomically, and a page's record is set only after its file is
written, so a killed run leaves a manifest that never claims a file that is not there.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from exporter.errors import OutputError
from exporter.models import Page
from exporter.run.scantimes import Times, adopt_local_times, file_digest, save_with_stable_times
from exporter.warnings import PageWarning, for_page

__all__ = ["FORMAT", "STATE_DIR", "AttachmentRecord", "PageRecord", "SpaceRecord", "State"]

FORMAT = 1
STATE_DIR = ".confluence-export"
_PAGES_OPEN = '"pages":{\n'  # the manifest's first line ends here; then one page per line


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """One downloaded attachment: which version, and where it was written (relative to OUT)."""

    id: str
    filename: str
    version: int
    size: int = 0
    path: str = ""  # "" while listed but not downloaded (not referenced, or it failed)
    media_type: str = ""
    download_path: str = ""


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What the last run exported for one page, folder or blog post."""

    id: str
    space_key: str
    title: str
    kind: str = "page"
    parent_id: str | None = None
    position: int | None = None
    version: int = 1
    created: str = ""
    updated: str = ""
    author_id: str | None = None
    labels: tuple[str, ...] = ()
    url: str = ""
    path: str = ""  # the page's Markdown file, relative to OUT
    files: tuple[str, ...] = ()  # every file this page owns, relative to OUT
    attachments: tuple[AttachmentRecord, ...] = ()
    links: tuple[str, ...] = ()  # dependency keys (exporter.docs.deps) its Markdown was built from
    seen: str = ""  # digest of what those dependencies looked like when it was rendered
    slot: int = 0  # 1-based place among its siblings in the docs folder (front matter order)
    children: tuple[str, ...] = ()  # keys listed under it in the docs folder, in order
    warnings: tuple[PageWarning, ...] = ()  # what the last render (and downloads) warned about

    @classmethod
    def from_page(cls, page: Page, **extra: Any) -> PageRecord:
        """The record of ``page``'s metadata (without the files, given in ``extra``)."""
        return cls(
            id=page.id,
            space_key=page.space_key,
            title=page.title,
            kind=page.kind,
            parent_id=page.parent_id,
            position=page.position,
            version=page.version,
            created=page.created,
            updated=page.updated,
            author_id=page.author_id,
            labels=page.labels,
            url=page.url,
            **extra,
        )

    def to_page(self) -> Page:
        """The page's metadata as a model (no body), for rebuilding the tree."""
        return Page(
            id=self.id,
            space_key=self.space_key,
            title=self.title,
            kind=self.kind,  # type: ignore[arg-type]
            parent_id=self.parent_id,
            position=self.position,
            version=self.version,
            created=self.created,
            updated=self.updated,
            author_id=self.author_id,
            labels=self.labels,
            url=self.url,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (built by hand: ``asdict`` is slow for 20,000 records)."""
        data = {name: getattr(self, name) for name in _PAGE_FIELDS}
        data["attachments"] = [
            {name: getattr(a, name) for name in _ATTACHMENT_FIELDS} for a in self.attachments
        ]
        if self.warnings:  # absent when none: the records of clean pages stay as they were
            data["warnings"] = [{"code": w.code, "message": w.message} for w in self.warnings]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageRecord:
        data = dict(data)
        data["labels"] = tuple(data.get("labels", ()))
        data["files"] = tuple(data.get("files", ()))
        data["links"] = tuple(data.get("links", ()))
        data["children"] = tuple(data.get("children", ()))
        data["attachments"] = tuple(AttachmentRecord(**a) for a in data.get("attachments", ()))
        if data.get("warnings"):  # stored as code and message; the page's fields are the record's
            notes = ((str(w.get("code", "")), str(w.get("message", ""))) for w in data["warnings"])
            data["warnings"] = for_page(notes, *(str(data.get(k, "")) for k in _PAGE_KEYS))
        else:
            data.pop("warnings", None)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_NESTED = ("attachments", "warnings")
_PAGE_FIELDS = tuple(f.name for f in dataclasses.fields(PageRecord) if f.name not in _NESTED)
_PAGE_KEYS = ("id", "title", "path", "url")  # what a stored warning takes from its record
_ATTACHMENT_FIELDS = tuple(f.name for f in dataclasses.fields(AttachmentRecord))


@dataclass(frozen=True, slots=True)
class SpaceRecord:
    """Per space: its id and when the last successful change scan and full reconcile started."""

    key: str
    id: str = ""
    name: str = ""
    last_scan: str | None = None  # ISO 8601 UTC
    last_full: str | None = None  # ISO 8601 UTC
    settings: str = ""  # fingerprint of the selection; a change forces a full run
    homepage_id: str | None = None  # rebuilds its tree as laid out when it is not scanned
    trash: tuple[str, ...] = ()  # ids in the trash at the last change scan (to see restores)
    # the newest trashed attachment ids of the site at that scan: the next one reads back to them
    attachment_trash: tuple[str, ...] = ()


@dataclass
class State:
    """The manifest of one output directory, plus the compressed body cache beside it."""

    out: Path
    pages: dict[str, PageRecord] = field(default_factory=dict)
    spaces: dict[str, SpaceRecord] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # flavor etc.: a change forces --full
    users: dict[str, str] = field(default_factory=dict)  # account id -> display name
    managed: list[str] = field(default_factory=list)  # files the writer owns, relative to OUT
    _dirty: bool = False
    _flushed: float = field(default_factory=time.monotonic)
    _journal: list[str] = field(default_factory=list)  # page changes not yet appended
    _tracked: dict[str, Times] = field(default_factory=dict)  # scan times manifest.json holds
    _baseline: str | None = None  # manifest.json's digest as loaded or last written

    @property
    def dir(self) -> Path:
        """``OUT/.confluence-export``."""
        return self.out / STATE_DIR

    @property
    def manifest_path(self) -> Path:
        return self.dir / "manifest.json"

    @classmethod
    def load(cls, out: Path) -> State:
        """The saved state of ``out``, or an empty one when there is none (or it is unreadable).

        Reads the manifest a line at a time (one page per line), so loading 20,000 pages never
        holds the whole document's parsed form in memory.
        """
        state = cls(out=out)
        try:
            with open(state.manifest_path, encoding="utf-8") as fh:
                head = fh.readline()
                if head.endswith(_PAGES_OPEN):
                    raw = json.loads(head[: -len(_PAGES_OPEN)].rstrip(",") + "}")
                    pages = (json.loads("{" + line.rstrip().rstrip(",") + "}") for line in fh
                             if line.strip() not in ("", "}}"))  # fmt: skip
                    items = (item for chunk in pages for item in chunk.items())
                else:
                    raw = json.loads(head + fh.read())
                    items = iter(raw.get("pages", {}).items())
                if raw.get("format") != FORMAT:
                    return state
                state.pages = {k: PageRecord.from_json(v) for k, v in items}
        except FileNotFoundError:
            state._replay_journal()
            return state
        except (OSError, ValueError, TypeError, AttributeError):
            return cls(out=out)  # a damaged manifest means a full export, never a crash
        state.options = dict(raw.get("options", {}))
        state.users = dict(raw.get("users", {}))
        state.managed = list(raw.get("managed", []))
        state.spaces = {
            k: SpaceRecord(
                **{
                    **v,
                    "trash": tuple(v.get("trash", ())),
                    "attachment_trash": tuple(v.get("attachment_trash", ())),
                }
            )
            for k, v in raw.get("spaces", {}).items()
        }
        state._baseline, state._tracked = adopt_local_times(state.manifest_path, state.spaces)
        state._replay_journal()
        return state

    @property
    def journal_path(self) -> Path:
        return self.dir / "manifest.journal"

    def _replay_journal(self) -> None:
        """Apply page changes a run appended after the last full save (a killed run's work).

        A torn last line (the process died mid-write) is ignored: that page is redone.
        """
        try:
            with open(self.journal_path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        entry = json.loads(line)
                        if "drop" in entry:
                            self.pages.pop(str(entry["drop"]), None)
                        else:
                            record = PageRecord.from_json(entry["page"])
                            self.pages[record.id] = record
                    except (ValueError, KeyError, TypeError):
                        continue
        except OSError:
            return

    # -- updates ------------------------------------------------------------------------------

    def set_page(self, record: PageRecord) -> None:
        """Record an exported page; call only after its files are on disk."""
        self.pages[record.id] = record
        self._journal.append(json.dumps({"page": record.to_json()}, ensure_ascii=False))
        self._dirty = True

    def drop_page(self, page_id: str) -> PageRecord | None:
        """Forget a page (deleted or no longer selected), before its files are removed."""
        self._journal.append(json.dumps({"drop": page_id}))
        self._dirty = True
        return self.pages.pop(page_id, None)

    def set_space(self, record: SpaceRecord) -> None:
        self.spaces[record.key] = record
        self._dirty = True

    def maybe_flush(self, every_s: float = 5.0) -> None:
        """Append page changes to the journal when ``every_s`` seconds have passed.

        Appending costs only the changed pages, where rewriting a 20,000-page manifest every
        few seconds would cost the run most of its time; ``save`` folds the journal in.
        """
        if self._journal and time.monotonic() - self._flushed >= every_s:
            self.flush_journal()

    def flush_journal(self) -> None:
        """Make the recorded pages' files durable, then append their records and fsync.

        Page files are written without an fsync each (one per file cost ~9 ms, most of a big
        export's write time); one sync of the output's file system here covers all of them,
        so even after a power cut the journal never names a file whose bytes are not on disk.
        """
        if not self._journal:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            sync_filesystem(self.dir)
            with open(self.journal_path, "a", encoding="utf-8") as fh:
                fh.write("\n".join(self._journal) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise OutputError(
                f"Cannot write {self.journal_path}: {exc.strerror}. Check permissions and space."
            ) from exc
        self._journal.clear()
        self._flushed = time.monotonic()

    def save(self) -> None:
        """Write the manifest atomically (temp file, fsync, rename), one page per line.

        Its scan times move only when its content changed (else they go to ``scans.json``
        alone, see ``exporter/run/scantimes.py``), so a no-change run leaves it byte-identical.
        """
        sync_filesystem(self.out)  # the files the manifest names, before it names them
        self._baseline, self._tracked = save_with_stable_times(
            self.manifest_path, self.spaces, self._tracked, self._baseline, self._write_manifest
        )
        self.journal_path.unlink(missing_ok=True)  # folded into the manifest just written
        self._journal.clear()
        self._dirty = False
        self._flushed = time.monotonic()

    def _write_manifest(self, times: dict[str, Times]) -> str | None:
        """One JSON document (``{"format", ..., "pages": {id: record}}``) written a record at
        a time, so saving never builds it in memory; returns the written file's digest."""
        head = {
            "format": FORMAT,
            "options": self.options,
            "users": dict(sorted(self.users.items())),
            "managed": sorted(self.managed),
            "spaces": {
                k: {**dataclasses.asdict(v), "last_scan": times[k][0], "last_full": times[k][1]}
                for k, v in sorted(self.spaces.items())
            },
        }
        compact = {"separators": (",", ":"), "ensure_ascii": False}

        def write(fh: TextIO) -> None:
            fh.write(json.dumps(head, **compact)[:-1] + "," + _PAGES_OPEN)  # type: ignore[arg-type]
            for n, page_id in enumerate(sorted(self.pages)):
                record = json.dumps({page_id: self.pages[page_id].to_json()}, **compact)  # type: ignore[arg-type]
                fh.write(("" if n == 0 else ",\n") + record[1:-1])
            fh.write("\n}}\n")

        _atomic_write(self.manifest_path, write, text=True)
        return file_digest(self.manifest_path)

    # -- body cache ---------------------------------------------------------------------------

    def _body_path(self, page_id: str) -> Path:
        return self.dir / "bodies" / page_id[-2:].rjust(2, "0") / f"{page_id}.xml.z"

    def put_body(self, page_id: str, version: int, body: str) -> None:
        """Cache a page's storage body (compressed, tagged with its version)."""
        blob = f"{version}\n{body}".encode()
        data = zlib.compress(blob, 6)
        _atomic_write(self._body_path(page_id), lambda fh: fh.write(data), sync=False)

    def get_body(self, page_id: str, version: int | None = None) -> str | None:
        """The cached body, or None when missing, damaged, or of another version."""
        try:
            text = zlib.decompress(self._body_path(page_id).read_bytes()).decode()
        except (OSError, zlib.error, UnicodeDecodeError):
            return None
        head, _, body = text.partition("\n")
        if version is not None and head != str(version):
            return None
        return body

    def drop_body(self, page_id: str) -> None:
        self._body_path(page_id).unlink(missing_ok=True)


def _load_syncfs() -> Callable[[int], int] | None:
    """``syncfs(fd)`` from the C library this process runs on (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # dlopen(NULL): the symbols already loaded, libc's among them (glibc and musl)
        syncfs: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return syncfs


_SYNCFS = _load_syncfs()


def sync_filesystem(path: Path) -> None:
    """Flush every written file on ``path``'s file system to disk (``syncfs``; else ``sync``)."""
    if _SYNCFS is not None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            fd = -1
        if fd >= 0:
            try:
                if _SYNCFS(fd) == 0:
                    return
            finally:
                os.close(fd)
    sync = getattr(os, "sync", None)  # not on Windows, where NTFS journals metadata only
    if sync is not None:
        sync()


def _atomic_write(
    path: Path, write: Callable[[Any], object], *, text: bool = False, sync: bool = True
) -> None:
    """Write a file through ``write(fh)`` into a temp file (fsync'd unless ``sync`` is False),
    then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w" if text else "wb", encoding="utf-8" if text else None) as fh:
            write(fh)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(
            f"Cannot write {path}: {exc.strerror}. Check permissions and free space."
        ) from exc
    except BaseException:  # Ctrl-C or SIGTERM mid-write: leave no temp file behind
        tmp.unlink(missing_ok=True)
        raise
