"""Per-flavor navigation: front matter keys, generated index pages and nav files.

Each flavor is an emitter behind one small interface (``NavEmitter``) so the writer never asks
``if flavor == ...``: MkDocs gets an explicit ``nav:`` in ``OUT/mkdocs.yml``, Docusaurus
``sidebar_position`` and a ``_category_.json`` per folder, gfm ``README.md`` indexes, Obsidian an
``index.md`` home. Everything keeps Confluence's order from the ``Layout``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import PurePosixPath
from typing import Any

import yaml

from exporter.docs.layout import Entry, Layout
from exporter.docs.resolver import href_between

__all__ = [
    "MKDOCS_EXTENSIONS",
    "NavEmitter",
    "emitter_for",
    "listing_markdown",
    "render_front_matter",
]

MKDOCS_EXTENSIONS: list[Any] = [
    "admonition",
    "attr_list",
    "footnotes",
    "md_in_html",
    "tables",
    {"toc": {"permalink": True}},
    "pymdownx.details",
    {"pymdownx.highlight": {"use_pygments": True}},
    "pymdownx.inlinehilite",
    "pymdownx.superfences",
    {"pymdownx.tasklist": {"custom_checkbox": True}},
    "pymdownx.tilde",
]


def _dump_yaml(data: object) -> str:
    """YAML in a stable form: given key order, unicode kept, no line folding."""
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10_000
    )


def _plain(value: object) -> object:
    """Page property values reduced to what YAML can hold without Python tags."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


_PLAIN = re.compile(r"[A-Za-z_][\w .,/()+@-]*")
_YAML_WORDS = frozenset(["true", "false", "yes", "no", "on", "off", "null", "y", "n"])
# YAML refuses these raw even inside double quotes; JSON leaves them raw (ensure_ascii=False).
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def _scalar(value: object) -> str | None:
    """One YAML scalar, plain when unambiguous, else JSON-quoted; None for collections."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return _float(value)
    if not isinstance(value, str):
        return None
    if _PLAIN.fullmatch(value) and value == value.strip() and value.lower() not in _YAML_WORDS:
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _float(value: float) -> str:
    """A float as YAML 1.1 reads it back (``1e+16`` needs a dot: ``1.0e+16``)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text:
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def render_front_matter(data: dict[str, object]) -> str:
    """The ``---`` YAML block that opens every page.

    Common values are emitted directly (PyYAML costs about a millisecond a page); nested page
    properties fall back to PyYAML. ``yaml.safe_load`` reads back exactly ``data``.
    """
    lines = ["---"]
    for key, raw in data.items():
        value, name = _plain(raw), _scalar(str(key))
        text = _scalar(value)
        if text is not None:
            lines.append(f"{name}: {text}")
        elif isinstance(value, list) and all(_scalar(v) is not None for v in value):
            lines.append(f"{name}: []" if not value else f"{name}:")
            lines.extend(f"- {_scalar(v)}" for v in value)
        else:
            lines.append(_dump_yaml({str(key): value}).rstrip("\n"))
    return "\n".join(lines) + "\n---\n"


def listing_markdown(layout: Layout, entry: Entry) -> str:
    """A generated index page's body: links to its children in order."""
    lines = []
    for child in layout.children_of(entry.key):
        href = href_between(entry.path, child.path)
        day = ""
        if child.kind == "blogpost" and child.page is not None:
            stamp = child.page.created or child.page.updated
            day = f"{stamp[:10]} " if stamp else ""
        lines.append(f"- {day}[{_link_text(child.title)}]({href})")
    return "\n".join(lines) + "\n" if lines else "_No pages yet._\n"


def _link_text(title: str) -> str:
    """A title escaped for use as Markdown link text."""
    out = title.replace("\\", "\\\\")
    for ch in "[]*_`<>":
        out = out.replace(ch, "\\" + ch)
    return out or "Untitled"


class NavEmitter:
    """The flavor-specific part of the docs folder; the base is the plain gfm behaviour."""

    name = "gfm"

    def front_matter(self, entry: Entry) -> dict[str, object]:
        """Keys added after the common ones, to order the page in the flavor's tool."""
        return {}

    def nav_files(self, layout: Layout, docs_dir: str = "docs") -> dict[PurePosixPath, bytes]:
        """Extra files, relative to the output root (``OUT``), e.g. ``mkdocs.yml``."""
        return {}


class MkDocsEmitter(NavEmitter):
    """``OUT/mkdocs.yml`` with Material, our Markdown extensions and an explicit ``nav:``."""

    name = "mkdocs"

    def __init__(self, site_name: str) -> None:
        self.site_name = site_name

    def nav_files(self, layout: Layout, docs_dir: str = "docs") -> dict[PurePosixPath, bytes]:
        config = {
            "site_name": self.site_name,
            "docs_dir": docs_dir,
            "use_directory_urls": False,
            "theme": {"name": "material", "features": ["navigation.indexes"]},
            "markdown_extensions": MKDOCS_EXTENSIONS,
            "nav": self._nav(layout, layout.root, top=True),
        }
        return {PurePosixPath("mkdocs.yml"): _dump_yaml(config).encode("utf-8")}

    def _nav(self, layout: Layout, entry: Entry, *, top: bool = False) -> list[object]:
        items: list[object] = [{"Home": str(entry.path)}] if top else [str(entry.path)]
        for child in layout.children_of(entry.key):
            if child.children or child.is_index:
                items.append({child.title: self._nav(layout, child)})
            else:
                items.append({child.title: str(child.path)})
        return items


class DocusaurusEmitter(NavEmitter):
    """``sidebar_position`` on every doc and a ``_category_.json`` in every folder."""

    name = "docusaurus"

    def front_matter(self, entry: Entry) -> dict[str, object]:
        return {"sidebar_position": entry.position}

    def nav_files(self, layout: Layout, docs_dir: str = "docs") -> dict[PurePosixPath, bytes]:
        files: dict[PurePosixPath, bytes] = {}
        for entry in layout.walk():
            if not entry.is_index or entry.parent is None:
                continue
            doc_id = str(entry.path.with_suffix(""))
            category = {
                "label": entry.title,
                "position": entry.position,
                "link": {"type": "doc", "id": doc_id},
            }
            text = json.dumps(category, indent=2, ensure_ascii=False) + "\n"
            files[PurePosixPath(docs_dir) / entry.path.parent / "_category_.json"] = text.encode()
        return files


class ObsidianEmitter(NavEmitter):
    """Obsidian properties: labels as ``tags`` and the title as an alias for ``[[Title]]``."""

    name = "obsidian"

    def front_matter(self, entry: Entry) -> dict[str, object]:
        extra: dict[str, object] = {"aliases": [entry.title]}
        if entry.page is not None and entry.page.labels:
            extra["tags"] = list(entry.page.labels)
        return extra


def emitter_for(flavor: str, *, site_name: str = "Documentation") -> NavEmitter:
    """The emitter of one flavor (``gfm``, ``mkdocs``, ``docusaurus``, ``obsidian``)."""
    if flavor == "mkdocs":
        return MkDocsEmitter(site_name)
    if flavor == "docusaurus":
        return DocusaurusEmitter()
    if flavor == "obsidian":
        return ObsidianEmitter()
    return NavEmitter()
