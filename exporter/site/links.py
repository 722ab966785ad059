"""Turn links in the docs folder into relative site links that work from file:// and sub-paths.

Every internal href is computed relative to the page that holds it (never root-absolute), points
at a file (``index.html``, never a directory), and ``.md`` targets become ``.html`` with their
``#anchor`` kept (ecosystem.md section c).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from exporter.site.source import INDEX_NAMES, DocsTree

__all__ = ["URL_SAFE", "LinkIndex", "relative_path", "relative_url"]

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
URL_SAFE = "/!$&'()*+,;=:@-._~"  # kept as is in hrefs; everything else is percent-encoded


def relative_path(target: str, from_page: str) -> str:
    """The relative path from the site file ``from_page`` to the site file ``target``.

    Both are normalized site-relative POSIX paths, so plain string work is enough (and much
    faster than ``posixpath.relpath``, which the sidebar would call N² times).
    """
    here = from_page.split("/")[:-1]
    there = target.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "../" * (len(here) - common) + "/".join(there[common:])


def relative_url(target: str, from_page: str) -> str:
    """The percent-encoded relative URL from the site file ``from_page`` to ``target``."""
    return quote(relative_path(target, from_page), safe=URL_SAFE)


@dataclass(slots=True)
class LinkIndex:
    """What exists in the site: page outputs by source path, folders' index pages, copied files."""

    pages: dict[str, str] = field(default_factory=dict)  # docs path of .md -> site path of .html
    folders: dict[str, str] = field(default_factory=dict)  # docs folder -> its index .html
    files: set[str] = field(default_factory=set)  # docs paths copied verbatim
    by_name: dict[str, list[str]] = field(default_factory=dict)  # file name/stem -> docs paths
    broken: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, tree: DocsTree) -> LinkIndex:
        """Index every page and file of ``tree`` for link resolution."""
        index = cls()
        for page in tree.pages:
            index.pages[page.source] = page.output
            folder, name = posixpath.split(page.source)
            if name in INDEX_NAMES:
                index.folders[folder] = page.output
            index._add_name(page.source)
        index.files.update(tree.files)
        for path in tree.files:
            index._add_name(path)
        return index

    def _add_name(self, path: str) -> None:
        name = posixpath.basename(path)
        stem = posixpath.splitext(name)[0]
        keys: Iterable[str] = {name.casefold(), stem.casefold()}
        for key in keys:
            self.by_name.setdefault(key, []).append(path)

    def find(self, docs_path: str) -> str | None:
        """The site path for a docs-relative path (page, folder, page without .md, or file)."""
        path = posixpath.normpath(docs_path) if docs_path else "."
        path = "" if path == "." else path
        if path in self.pages:
            return self.pages[path]
        if path in self.folders:
            return self.folders[path]
        for suffix in (".md", ".mdx"):
            if path + suffix in self.pages:
                return self.pages[path + suffix]
        if path in self.files:
            return path
        return None

    def find_by_name(self, name: str) -> str | None:
        """Obsidian-style lookup: a vault path or a unique file name, ``.md`` optional."""
        direct = self.find(name.strip("/"))
        if direct is not None:
            return direct
        matches = sorted(self.by_name.get(posixpath.basename(name).casefold(), []))
        return self.find(matches[0]) if matches else None

    def rewrite(self, url: str, *, source: str, output: str) -> str:
        """Rewrite one href/src found in the page at docs path ``source`` (site path ``output``).

        External URLs and pure fragments stay as they are; links that resolve to nothing in the
        export are kept as written and recorded in :attr:`broken`.
        """
        url = url.strip()
        if not url or url.startswith(("#", "//")) or _SCHEME.match(url):
            return url
        path, hash_, fragment = url.partition("#")
        path, query_mark, query = path.partition("?")
        decoded = unquote(path)
        if decoded.startswith("/"):
            joined = decoded.lstrip("/")
        else:
            joined = posixpath.join(posixpath.dirname(source), decoded)
        normal = posixpath.normpath(joined) if joined else "."
        target = None if normal.startswith("..") else self.find(normal)
        if target is None:
            self.broken.append(f"{source}: {url}")
            return url
        rebuilt = relative_url(target, output)
        if query_mark:
            rebuilt += "?" + query
        if hash_:
            rebuilt += "#" + quote(unquote(fragment), safe=URL_SAFE)
        return rebuilt
