"""Readable slugs and file names that are safe on Linux, macOS and Windows.

Titles and attachment names come from Confluence users, so anything may be in them:
``../../etc/passwd``, ``CON``, ``a/b``, 300 characters of CJK. Everything here turns such
strings into one path component that cannot escape its folder, is not reserved on Windows,
has no trailing dot or space, and stays short enough for every file system.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath

from anyascii import anyascii

from exporter.errors import OutputError

__all__ = [
    "MAX_COMPONENT",
    "MAX_RELPATH",
    "MAX_SLUG",
    "ensure_inside",
    "is_reserved",
    "missing_extension",
    "safe_filename",
    "short_hash",
    "slugify",
    "truncate_component",
    "with_suffix_id",
]

MAX_COMPONENT = 100  # characters per path component (file or folder name)
MAX_RELPATH = 240  # characters of a whole path relative to the output root
MAX_SLUG = 72  # room left for "-<id>" and ".assets" within MAX_COMPONENT
MAX_COMPONENT_BYTES = 200  # UTF-8 bytes; ext4 and APFS stop at 255

_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in range(10)]
    + [f"LPT{i}" for i in range(10)]
)
_SYLLABIC = re.compile(
    "[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]"
)
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def slugify(title: str, *, max_length: int = MAX_SLUG) -> str:
    """Turn a title into a stable, readable, lowercase ASCII slug with dashes.

    Unicode is transliterated (``Übersicht`` → ``ubersicht``, ``日本`` → ``ri-ben``); the result
    is never empty (``page``) and never a Windows reserved name (``con`` → ``con-page``).
    Memoised: planning a layout asks for each title's slug twice (depth, then names).
    """
    return _slugify(title, max_length)


@functools.lru_cache(maxsize=1 << 16)
def _slugify(title: str, max_length: int) -> str:
    text = unicodedata.normalize("NFKC", title)
    # Ideographs and kana transliterate to syllables; keep them apart so slugs stay readable.
    text = _SYLLABIC.sub(r" \g<0> ", text)
    text = anyascii(text).lower()
    slug = _NON_SLUG.sub("-", text).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        # Prefer cutting at a word boundary when it keeps most of the text.
        dash = cut.rfind("-")
        slug = cut[:dash] if dash >= max_length // 2 else cut
        slug = slug.strip("-")
    if not slug:
        return "page"
    if is_reserved(slug):
        return f"{slug}-page"
    return slug


def is_reserved(name: str) -> bool:
    """True when Windows refuses ``name`` as a file name (``CON``, ``nul.txt``, ``COM1.tar.gz``)."""
    stem = name.split(".", 1)[0].rstrip(" ").upper()
    return stem in _RESERVED


def short_hash(text: str, length: int = 8) -> str:
    """A short, stable hex digest used to tell apart names that sanitize to the same string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def with_suffix_id(slug: str, ident: str) -> str:
    """``slug`` disambiguated by an id (``setup`` + ``123`` → ``setup-123``), kept short."""
    tail = "-" + slugify(ident, max_length=40)
    return slug[: MAX_COMPONENT - len(tail) - len(".assets")].rstrip("-") + tail


def _split_ext(name: str) -> tuple[str, str]:
    """Split off a plausible extension (``.png``, ``.tar.gz`` keeps only ``.gz``)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16 or not ext.isalnum():
        return name, ""
    return stem, "." + ext


def truncate_component(name: str, max_chars: int = MAX_COMPONENT) -> str:
    """Shorten ``name`` to ``max_chars`` characters and the byte cap, keeping its extension."""
    stem, ext = _split_ext(name)
    limit = max(1, max_chars - len(ext))
    while stem and (len(stem) > limit or len((stem + ext).encode("utf-8")) > MAX_COMPONENT_BYTES):
        stem = stem[:-1]
    stem = stem.rstrip(" .")
    return (stem or "file") + ext


# Media types of Confluence files whose names carry no extension (diagram apps store their
# source that way); tools like Docusaurus treat a link without an extension as a page route.
_EXTENSIONS = {
    "application/vnd.jgraph.mxfile": ".drawio",
    "application/vnd.jgraph.mxfile.realtime": ".drawio",
    "application/drawio": ".drawio",
    "application/gliffy+json": ".gliffy",
    "application/json": ".json",
    "application/pdf": ".pdf",
    "application/xml": ".xml",
    "application/zip": ".zip",
    "image/gif": ".gif",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/svg+xml": ".svg",
    "text/csv": ".csv",
    "text/plain": ".txt",
    "text/xml": ".xml",
}


def missing_extension(name: str, media_type: str) -> str:
    """The extension to add on disk to a file name that has none (``""`` when it has one)."""
    if _split_ext(name)[1] or not media_type:
        return ""
    kind = media_type.split(";", 1)[0].strip().lower()
    if kind in _EXTENSIONS:
        return _EXTENSIONS[kind]
    return ".gliffy" if "gliffy" in kind else ".bin"


def safe_filename(name: str, *, fallback: str = "file", max_chars: int = MAX_COMPONENT) -> str:
    """Make an attachment file name safe as one path component, keeping it when already safe.

    Only the last path segment is kept (``../x.png`` → ``x.png``); characters Windows forbids
    become ``_``; trailing dots and spaces go; a leading dot becomes ``_`` (hidden files are
    skipped by MkDocs and most site tools); reserved names get ``_`` (``CON.txt`` →
    ``CON_.txt``); long names are cut, keeping the extension.
    """
    text = unicodedata.normalize("NFC", name)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _FORBIDDEN.sub("_", text).strip(" ").rstrip(". ")
    if text in ("", ".", ".."):
        text = fallback
    if text.startswith("."):
        text = "_" + text[1:]
    if is_reserved(text):
        stem, ext = _split_ext(text)
        head, dot, rest = stem.partition(".")
        text = head + "_" + dot + rest + ext
    return truncate_component(text, max_chars)


def ensure_inside(root: Path, relpath: PurePosixPath | str) -> Path:
    """The absolute path of ``relpath`` under ``root``, proven not to escape it.

    Rejects absolute paths, ``..`` segments and symlinked folders that lead outside ``root``
    (the final component may be a symlink: writers replace it rather than follow it).
    """
    rel = PurePosixPath(relpath)
    if rel.is_absolute() or any(part in ("", ".", "..") for part in rel.parts) or not rel.parts:
        raise OutputError(
            f"Refusing to write {str(rel)!r}: it is not a plain path inside the output folder. "
            "This is a bug in confluence-export; please report it with the page title."
        )
    base = root.resolve()
    target = base.joinpath(*rel.parts)
    parent = Path(os.path.realpath(target.parent))
    if parent != base and base not in parent.parents:
        raise OutputError(
            f"Refusing to write {target}: a symlink inside {base} leads outside it. "
            "Remove the symlink or choose another --out folder."
        )
    return parent / target.name
