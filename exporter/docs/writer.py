"""The git-ready docs folder: ``DocsWriter``.

The writer carries out decisions made elsewhere: the run's plan (``exporter.run.plan``) says
which pages to write and which records go, ``exporter.docs.layout`` where each page lives. It
adds front matter, writes each file atomically and only when its bytes change (so ``git
status`` after a no-change run is clean), writes the flavor's nav files, and removes the files
it wrote earlier that are no longer expected, never touching files a person added by hand.

    writer = DocsWriter(out / "docs", tree, "mkdocs", site_url=connection.site_url,
                        managed=state.managed_files)
    resolver = writer.resolver(page)            # links for convert_page(..., resolver=resolver)
    writer.write_page(converted)                # "added" | "changed" | "unchanged"
    with writer.open_attachment(page.id, "diagram.png") as fh: ...   # stream a download
    report = writer.finish()                    # nav files, stale removal; save report.managed
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from exporter._fs import atomic_write, temp_path
from exporter.docs.files import WriteStatus, compare_bytes, compare_files
from exporter.docs.layout import Entry, Layout, plan_layout
from exporter.docs.nav import emitter_for, listing_markdown, render_front_matter
from exporter.docs.resolver import ExportResolver
from exporter.errors import OutputError
from exporter.models import ConvertedPage, NavTree, Page
from exporter.slugs import (
    MAX_COMPONENT,
    MAX_RELPATH,
    ensure_inside,
    missing_extension,
    safe_filename,
    short_hash,
)

__all__ = ["DocsWriter", "ExportResolver", "WriteReport", "WriteStatus"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What ``finish`` did; paths are relative to the output root (``docs/eng/index.md``).

    ``managed`` lists every file the export now owns: store it in the state dir and pass it
    back as ``DocsWriter(managed=...)`` next run, so stale removal spares hand-added files.
    """

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    managed: tuple[str, ...]


class DocsWriter:
    """Writes one export's docs folder (``docs_root``, normally ``OUT/docs``).

    ``tree`` is the walker's ``NavTree`` in Confluence's order; ``flavor`` one of gfm, mkdocs,
    docusaurus, obsidian; ``users`` maps account ids to display names; ``managed`` is the
    previous run's ``WriteReport.managed``. With ``dry_run`` nothing is written or removed but
    every status is reported as if it had been.
    """

    def __init__(
        self,
        docs_root: Path,
        tree: NavTree,
        flavor: str,
        *,
        site_url: str,
        users: Mapping[str, str] | None = None,
        managed: Iterable[str] = (),
        body_provider: Callable[[str], str | None] | None = None,
        attachments: bool = True,
        site_name: str = "Documentation",
        dry_run: bool = False,
        media_types: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.docs_root = Path(docs_root)
        # (page id, file name) -> media type, for names without an extension (see
        # attachment_path); the same for every page of a run, so paths never depend on order
        self.media_types = dict(media_types or {})
        self.out_root = self.docs_root.parent
        self.flavor = flavor
        self.site_url = site_url.rstrip("/")
        self.users = dict(users or {})
        self.body_provider = body_provider
        self.attachments = attachments
        self.dry_run = dry_run
        self.layout: Layout = plan_layout(tree, flavor, title=site_name)
        self.emitter = emitter_for(flavor, site_name=site_name)
        self._prefix = PurePosixPath(self.docs_root.name)
        self._previous = frozenset(managed)
        self._status: dict[str, WriteStatus] = {}
        self._kept: set[str] = set()
        self._attachment_names: dict[tuple[str, str], str] = {}
        self._claimed: dict[tuple[str, str], str] = {}
        self._checked: dict[PurePosixPath, Path] = {}
        self._listed: dict[str, tuple[str, ...]] = {}  # page id -> its attachments' names

    # -- paths ---------------------------------------------------------------------------

    def entry(self, page_id: str) -> Entry:
        """The planned entry of an exported page; OutputError when it is not in the tree."""
        entry = self.layout.get(page_id)
        if entry is None:
            raise OutputError(
                f"Page {page_id} is not in the exported page tree, so it has no place in the "
                "docs folder. This is a bug in confluence-export; please report it."
            )
        return entry

    def path_for(self, page_id: str) -> PurePosixPath:
        """The page's Markdown file, relative to ``docs_root``."""
        return self.entry(page_id).path

    def register_attachments(self, page_id: str, filenames: Iterable[str]) -> None:
        """Claim a page's attachment names in sorted order, so name clashes resolve stably.

        The names are also what the page's ``attachments`` macro lists.
        """
        names = sorted(filenames)
        self._listed[page_id] = tuple(names)
        for name in names:
            self.attachment_path(page_id, name)

    def attachment_path(self, page_id: str, filename: str) -> PurePosixPath:
        """Where an attachment of ``page_id`` lives: ``<page stem>.assets/<safe filename>``.

        Safe names are kept; a name that had to change, or that clashes case-insensitively
        with another attachment of the page, gets a short hash of the original name. A name
        without an extension gets the one of its media type (``org-chart`` →
        ``org-chart.drawio``).
        """
        key = (page_id, filename)
        if key in self._attachment_names:
            return self.entry(page_id).assets_dir / self._attachment_names[key]
        folder = self.entry(page_id).assets_dir
        room = min(MAX_COMPONENT, MAX_RELPATH - len(str(self._prefix / folder)) - 1)
        if room < 16:
            raise OutputError(
                f"No room for attachment {filename!r} of page {page_id} within {MAX_RELPATH} "
                "characters. Export that subtree on its own (spaces: [{key, root}])."
            )
        # A name without an extension (draw.io and Gliffy sources) gets the one its media type
        # implies, so every tool treats the link as a file, not as a page route.
        on_disk = filename + missing_extension(filename, self.media_types.get(key, ""))
        name = safe_filename(on_disk, max_chars=room)
        clash = self._claimed.get((page_id, name.casefold()))
        if name != on_disk or (clash is not None and clash != filename):
            stem, dot, ext = name.rpartition(".")
            stem, ext = (stem, dot + ext) if stem else (name, "")
            name = safe_filename(f"{stem}-{short_hash(filename)}{ext}", max_chars=room)
        self._claimed.setdefault((page_id, name.casefold()), filename)
        self._attachment_names[key] = name
        return folder / name

    def resolver(self, page: Page) -> ExportResolver:
        """The link resolver for converting ``page`` (implements ``Resolver``)."""
        return ExportResolver(
            self.layout,
            page,
            site_url=self.site_url,
            attachment_path=self.attachment_path,
            users=self.users,
            body_provider=self.body_provider,
            attachments_exported=self.attachments,
            attachment_names=lambda page_id: self._listed.get(page_id, ()),
        )

    # -- pages ---------------------------------------------------------------------------

    def front_matter(self, entry: Entry, extra: Mapping[str, object] | None = None) -> str:
        """The YAML front matter of an entry: common keys, flavor keys, then page properties."""
        data: dict[str, object] = {"title": entry.title}
        page = entry.page
        if page is not None:
            data["confluence_id"] = page.id
            data["space"] = page.space_key
            data["version"] = page.version
            data["updated"] = page.updated
            data["source_url"] = page.url or (
                f"{self.site_url}/wiki/spaces/{page.space_key}/pages/{page.id}"
            )
            data["labels"] = list(page.labels)
            if page.author_id and page.author_id in self.users:
                data["author"] = self.users[page.author_id]
        data["position"] = entry.position
        data.update(self.emitter.front_matter(entry))
        for key, value in (extra or {}).items():
            data.setdefault(key, value)
        return render_front_matter(data)

    def render(self, entry: Entry, body: str, extra: Mapping[str, object] | None = None) -> bytes:
        """A whole Markdown file: front matter, body, ``\\n`` endings, one trailing newline."""
        text = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if entry.page is None or entry.kind == "folder":
            listing = listing_markdown(self.layout, entry).rstrip("\n")
            text = f"{text}\n\n{listing}" if text else listing
        head = self.front_matter(entry, extra)
        # Lone surrogates (from JSON escapes in Confluence data) cannot be UTF-8: replace them.
        return (head + ("\n" + text + "\n" if text else "")).encode("utf-8", "replace")

    def write_page(self, converted: ConvertedPage) -> WriteStatus:
        """Write one converted page (with front matter) where the layout planned it."""
        entry = self.entry(converted.page.id)
        if entry.page is not None and entry.page != converted.page:
            entry = _with_page(entry, converted.page)
        data = self.render(entry, converted.markdown, converted.front_matter)
        return self.write_bytes(entry.path, data)

    # -- files ---------------------------------------------------------------------------

    def _rel(self, relpath: PurePosixPath | str) -> str:
        return str(self._prefix / PurePosixPath(relpath))

    def write_bytes(self, relpath: PurePosixPath | str, data: bytes) -> WriteStatus:
        """Write ``data`` to ``docs_root/relpath`` atomically, only when the bytes differ."""
        return self._write_out(PurePosixPath(self._rel(relpath)), data)

    def _write_out(self, out_rel: PurePosixPath, data: bytes) -> WriteStatus:
        target = self._target(out_rel)
        status = compare_bytes(target, data)
        if status != "unchanged" and not self.dry_run:
            _atomic_write(target, data)
        self._status[str(out_rel)] = status
        return status

    def _target(self, out_rel: PurePosixPath) -> Path:
        """``ensure_inside`` for a file under the output root, remembering checked folders."""
        folder = self._checked.get(out_rel.parent)
        if folder is None or out_rel.name in ("", ".", ".."):
            target = ensure_inside(self.out_root, out_rel)
            self._checked[out_rel.parent] = target.parent
            return target
        return folder / out_rel.name

    @contextlib.contextmanager
    def open_attachment(self, page_id: str, filename: str) -> Iterator[BinaryIO]:
        """A binary file to stream an attachment into, renamed into place on success.

        The old file is kept (same inode and mtime) when the new bytes are identical.
        """
        relpath = self.attachment_path(page_id, filename)
        out_rel = self._rel(relpath)
        target = self._target(PurePosixPath(out_rel))
        if not self.dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
        folder = None if self.dry_run else target.parent
        tmp = temp_path((folder or Path(tempfile.gettempdir())) / target.name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as fh:
                yield fh
            status = compare_files(target, Path(tmp))
            if status != "unchanged" and not self.dry_run:
                os.chmod(tmp, _FILE_MODE)
                os.replace(tmp, target)
            self._status[out_rel] = status
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def keep(self, relpath: PurePosixPath | str) -> None:
        """Mark a file under ``docs_root`` as still expected though not rewritten this run."""
        self._kept.add(self._rel(relpath))

    # -- finishing -----------------------------------------------------------------------

    def finish(self, expected: Iterable[PurePosixPath | str] | None = None) -> WriteReport:
        """Write generated index pages and nav files, then remove stale managed files.

        A previously managed file stays when it is a planned page, was written or kept this
        run, or is in ``expected`` (paths under ``docs_root``). Without ``expected``,
        attachments in the assets folder of a still-planned page are kept too.
        """
        for entry in self.layout.walk():
            if self._rel(entry.path) in self._status:
                continue
            if entry.page is None or entry.kind == "folder":
                self.write_bytes(entry.path, self.render(entry, ""))
        for out_rel, data in self.emitter.nav_files(self.layout, self._prefix.name).items():
            self._write_out(out_rel, data)
        keep = set(self._status) | self._kept
        keep |= {self._rel(e.path) for e in self.layout.walk()}
        if expected is not None:
            keep |= {self._rel(p) for p in expected}
        else:
            assets = {self._rel(e.assets_dir) for e in self.layout.walk()}
            keep |= {p for p in self._previous if p.rpartition("/")[0] in assets}
        folded = {p.casefold(): p for p in keep}
        stale = (p for p in sorted(self._previous - keep) if not self._is_kept_twin(p, folded))
        removed = [p for p in stale if self._remove(p)]
        managed = sorted(p for p in keep if p in self._status or (self.out_root / p).is_file())
        done = sorted(self._status.items())
        return WriteReport(
            added=tuple(p for p, s in done if s == "added"),
            changed=tuple(p for p, s in done if s == "changed"),
            unchanged=tuple(p for p, s in done if s == "unchanged"),
            removed=tuple(removed),
            managed=tuple(managed),
        )

    def _is_kept_twin(self, out_rel: str, folded: Mapping[str, str]) -> bool:
        """True when a case-insensitive file system shows a kept file under this old name."""
        twin = folded.get(out_rel.casefold())
        if twin is None:
            return False
        try:
            return os.path.samefile(self.out_root / out_rel, self.out_root / twin)
        except OSError:
            return False

    def _remove(self, out_rel: str) -> bool:
        """Delete one stale file and the folders it leaves empty; False when already gone."""
        try:
            target = ensure_inside(self.out_root, out_rel)
        except OutputError:
            return False
        if not target.is_file() and not target.is_symlink():
            return False
        if not self.dry_run:
            target.unlink()
            root = self.out_root.resolve()
            folder = target.parent
            while folder != root and root in folder.parents:
                try:
                    folder.rmdir()
                except OSError:
                    break
                folder = folder.parent
        return True


def _with_page(entry: Entry, page: Page) -> Entry:
    """The entry with fresher page metadata (version, labels) from the converted page."""
    return dataclasses.replace(entry, title=page.title, page=page)


def _atomic_write(target: Path, data: bytes) -> None:
    """Write via ``_fs.atomic_write`` (temp file in the same folder, then ``os.replace``).

    No fsync per file: the state makes a batch of written files durable with one file-system
    sync before its journal or manifest records them (``State.flush_journal``).
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise OutputError(
            f"Cannot create folder {target.parent}: a file is in the way. Move it aside."
        ) from exc
    atomic_write(target, data, mode=_FILE_MODE)
