"""Links from one exported page to everything else: ``ExportResolver``.

It implements ``exporter.convert.resolve.Resolver`` over the planned ``Layout``: a target that
is part of the export becomes a relative, percent-encoded path from the current page's file; a
target that is not becomes an absolute Confluence URL. It records everything it was asked
about (``exporter.docs.deps``), so the pipeline can re-render a page when any of it changes.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePosixPath
from urllib.parse import parse_qs, quote, unquote, unquote_plus, urlsplit

from exporter.convert.resolve import Link, PageRef, TreeItem, jql_url
from exporter.docs.deps import home_key, resolve_title
from exporter.docs.layout import ROOT_KEY, Entry, Layout
from exporter.models import Page

__all__ = ["ExportResolver", "href_between", "page_id_from_tiny", "title_key"]

_PAGES = re.compile(r"^(?:/wiki)?/spaces/([^/]+)/pages/(\d+)(?:/.*)?$")
_SPACE = re.compile(r"^(?:/wiki)?/spaces/([^/]+)(?:/overview)?/?$")
_BLOG = re.compile(r"^(?:/wiki)?/spaces/([^/]+)/blog/(?:\d{4}/\d\d/\d\d/)?(\d+)(?:/.*)?$")
_DISPLAY = re.compile(r"^(?:/wiki)?/display/([^/]+)/(?:(\d{4}/\d\d/\d\d)/)?([^/]+)/?$")
_TINY = re.compile(r"^(?:/wiki)?/x/([A-Za-z0-9_-]+)/?$")
_VIEWPAGE = re.compile(r"^(?:/wiki)?/pages/viewpage\.action$")
_DOWNLOAD = re.compile(r"^(?:/wiki)?/download/(?:attachments|thumbnails)/(\d+)/([^/]+)$")

BodyProvider = Callable[[str], "str | None"]
AttachmentPath = Callable[[str, str], PurePosixPath]
AttachmentNames = Callable[[str], Iterable[str]]


def title_key(space_key: str, title: str) -> str:
    """The dependency key of a link by title that may resolve later (``ENG:Setup guide``)."""
    return f"{space_key}:{title}"


def page_id_from_tiny(code: str) -> str | None:
    """The page id in a ``/wiki/x/<code>`` tiny link (little-endian id, URL-safe base64)."""
    text = code.replace("-", "/").replace("_", "+")
    text += "A" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    value = int.from_bytes(raw, "little")
    return str(value) if value else None


def href_between(source: PurePosixPath, target: PurePosixPath) -> str:
    """The percent-encoded relative link from file ``source`` to file ``target``."""
    rel = posixpath.relpath(str(target), str(source.parent) or ".")
    return quote(rel, safe="/-_.~")


class ExportResolver:
    """Resolves references in one page (``current``) against the planned export.

    ``attachment_path(page_id, filename)`` gives an attachment's file (the writer's rule);
    ``body_provider(page_id)`` returns another page's storage body for include macros;
    ``attachment_names(page_id)`` the file names a page has (for the attachments macro).
    ``dependencies`` collects the keys of everything it was asked about (``exporter.docs.deps``);
    ``attachment_refs`` the ``(page id, filename)`` pairs linked, to download them.
    """

    def __init__(
        self,
        layout: Layout,
        current: Page,
        *,
        site_url: str,
        attachment_path: AttachmentPath,
        users: Mapping[str, str] | None = None,
        body_provider: BodyProvider | None = None,
        attachments_exported: bool = True,
        attachment_names: AttachmentNames | None = None,
    ) -> None:
        self.layout = layout
        self.current = current
        self.site_url = site_url.rstrip("/")
        self.users = users or {}
        self.body_provider = body_provider
        self.attachments_exported = attachments_exported
        self._attachment_path = attachment_path
        self._attachment_names = attachment_names
        entry = layout.get(current.id)
        self.source = entry.path if entry else PurePosixPath(f"{current.id}.md")
        self.dependencies: set[str] = set()
        self.attachment_refs: set[tuple[str, str]] = set()

    # -- lookups -------------------------------------------------------------------------

    def _find(self, ref: PageRef) -> Entry | None:
        """The entry a reference names, recording it as a dependency either way."""
        if ref.page_id:
            self.dependencies.add(f"e:{ref.page_id}")
            return self.layout.get(ref.page_id)
        if not ref.title:
            return self.layout.get(self.current.id)
        space = ref.space_key or self.current.space_key
        self.dependencies.add(
            "r:" + json.dumps([ref.kind, space, ref.title, ref.posting_day], ensure_ascii=False)
        )
        key = resolve_title(self.layout, ref.kind, space, ref.title, ref.posting_day)
        if key is None:
            return None
        self.dependencies.add(f"e:{key}")
        return self.layout.get(key)

    def _local(self, entry: Entry, anchor: str | None = None) -> Link:
        fragment = f"#{quote(anchor, safe='-_.~')}" if anchor else ""
        if entry.path == self.source and fragment:
            return Link(href=fragment, exported=True, target_title=entry.title)
        href = href_between(self.source, entry.path) + fragment
        return Link(href=href, exported=True, target_title=entry.title)

    def _remote_page(self, ref: PageRef, anchor: str | None) -> Link:
        space = ref.space_key or self.current.space_key
        fragment = f"#{quote(anchor, safe='-_.~')}" if anchor else ""
        if ref.page_id:
            url = f"{self.site_url}/wiki/spaces/{quote(space)}/pages/{ref.page_id}"
        else:
            title = quote((ref.title or "").replace(" ", "+"), safe="+")
            day = f"{ref.posting_day.replace('-', '/')}/" if ref.posting_day else ""
            url = f"{self.site_url}/wiki/display/{quote(space)}/{day}{title}"
        return Link(href=url + fragment, exported=False, target_title=ref.title)

    # -- the Resolver protocol --------------------------------------------------------------

    def page(self, ref: PageRef, anchor: str | None = None) -> Link:
        """A relative link when the page is exported, else its Confluence URL."""
        entry = self._find(ref)
        if entry is None:
            return self._remote_page(ref, anchor)
        return self._local(entry, anchor)

    def attachment(self, filename: str, owner: PageRef | None = None) -> Link:
        """A relative link to ``<page>.assets/<file>``, else the Confluence download URL."""
        return self._attachment(filename, owner, record=True)

    def _attachment(self, filename: str, owner: PageRef | None, *, record: bool) -> Link:
        entry = self._find(owner) if owner else self.layout.get(self.current.id)
        page_id = entry.key if entry else (owner.page_id if owner else self.current.id)
        if entry is None or entry.page is None or not self.attachments_exported:
            if page_id is None:
                return self._remote_page(owner or PageRef(), None)
            url = f"{self.site_url}/wiki/download/attachments/{page_id}/{quote(filename)}"
            return Link(href=url, exported=False, target_title=filename)
        # the link depends on that one file being listed, not on the page's whole file list
        self.dependencies.add("f:" + json.dumps([entry.key, filename], ensure_ascii=False))
        if record:
            self.attachment_refs.add((entry.key, filename))
        target = self._attachment_path(entry.key, filename)
        return Link(href=href_between(self.source, target), exported=True, target_title=filename)

    def space(self, key: str) -> Link:
        """The space's index page, else the space's Confluence URL."""
        self.dependencies.add(f"h:{key}")
        home = home_key(self.layout, key)
        entry = self.layout.get(home) if home is not None else None
        if entry is None:
            return Link(href=f"{self.site_url}/wiki/spaces/{quote(key)}", exported=False)
        self.dependencies.add(f"e:{entry.key}")
        return self._local(entry)

    def user(self, account_id: str) -> str:
        """The user's display name, else the account id."""
        return self.users.get(account_id, account_id)

    def url(self, href: str) -> Link:
        """Confluence site URLs to exported pages become local links; others stay as they are."""
        parts = urlsplit(href.strip())
        other_host = parts.netloc and parts.netloc.lower() != urlsplit(self.site_url).netloc.lower()
        if other_host or parts.scheme not in ("", "http", "https"):
            return Link(href=href, exported=False)
        if not parts.netloc and not parts.path.startswith("/"):
            return Link(href=href, exported=False)
        anchor = unquote(parts.fragment) or None
        path = parts.path
        ref: PageRef | None = None
        if m := _PAGES.match(path) or _BLOG.match(path):
            ref = PageRef(space_key=unquote(m.group(1)), page_id=m.group(2))
        elif m := _DISPLAY.match(path):
            title, space = unquote_plus(m.group(3)), unquote(m.group(1))
            if m.group(2):
                ref = PageRef(title, space, kind="blogpost", posting_day=m.group(2))
            else:
                ref = PageRef(title, space)
        elif m := _TINY.match(path):
            page_id = page_id_from_tiny(m.group(1))
            ref = PageRef(page_id=page_id) if page_id else None
        elif _VIEWPAGE.match(path):
            ids = parse_qs(parts.query).get("pageId")
            ref = PageRef(page_id=ids[0]) if ids and ids[0].isdigit() else None
        elif m := _DOWNLOAD.match(path):
            entry = self.layout.get(m.group(1))
            if entry is not None and entry.page is not None and self.attachments_exported:
                return self.attachment(unquote(m.group(2)), PageRef(page_id=m.group(1)))
        elif m := _SPACE.match(path):
            link = self.space(unquote(m.group(1)))
            if link.exported:
                return link
        if ref is not None:
            entry = self._find(ref)
            if entry is not None:
                return self._local(entry, anchor)
        if not parts.netloc:
            return Link(href=self.site_url + href, exported=False)
        return Link(href=href, exported=False)

    def page_body(self, ref: PageRef) -> str | None:
        """Another page's storage body for include/excerpt macros, when a provider is given."""
        entry = self._find(ref)
        if entry is None or entry.page is None or self.body_provider is None:
            return None
        self.dependencies.add(f"b:{entry.key}")
        return self.body_provider(entry.key)

    def children(self, ref: PageRef | None, depth: int | None = None) -> tuple[TreeItem, ...]:
        """The exported children of ``ref`` (the current page when None), ``depth`` levels.

        Confluence's root aliases work too: ``@self``, ``@parent`` (the current page's parent)
        and ``@home`` (the homepage of ``ref.space_key``, else of the current page's space).
        """
        entry = self._root_entry(ref)
        if entry is None:
            return ()
        return self._items(entry, depth)

    def _root_entry(self, ref: PageRef | None) -> Entry | None:
        alias = ref.title if ref is not None and not ref.page_id else None
        if ref is None or alias == "@self":
            return self.layout.get(self.current.id)
        if alias == "@parent":
            self.dependencies.add(f"u:{self.current.id}")
            entry = self.layout.get(self.current.id)
            parent = entry.parent if entry is not None else None
            return self.layout.get(parent) if parent not in (None, ROOT_KEY) else None
        if alias == "@home":
            space = ref.space_key or self.current.space_key
            self.dependencies.add(f"h:{space}")
            home = home_key(self.layout, space)
            return self.layout.get(home) if home is not None else None
        return self._find(ref)

    def _items(self, entry: Entry, depth: int | None) -> tuple[TreeItem, ...]:
        if depth is not None and depth <= 0:
            return ()
        below = None if depth is None else depth - 1
        self.dependencies.add(f"c:{entry.key}")
        items = []
        for child in self.layout.children_of(entry.key):
            self.dependencies.add(f"e:{child.key}")
            items.append(
                TreeItem(
                    child.title,
                    self._local(child),
                    children=self._items(child, below),
                    created=child.page.created if child.page is not None else "",
                    updated=child.page.updated if child.page is not None else "",
                )
            )
        return tuple(items)

    def jira(self, key: str, server: str | None = None) -> str:
        """The issue's browse URL on ``server`` when it is a URL, else on this site."""
        return f"{self._jira_base(server)}/browse/{quote(key)}"

    def jira_query(self, jql: str, server: str | None = None) -> str:
        """The issue search for a JQL query on ``server`` when it is a URL, else on this site."""
        return jql_url(self._jira_base(server), jql)

    def _jira_base(self, server: str | None) -> str:
        base = server if server and server.startswith(("http://", "https://")) else self.site_url
        return base.rstrip("/")

    def attachments(self, owner: PageRef | None = None) -> tuple[tuple[str, Link], ...]:
        """The files of ``owner`` (the current page when None) by name, each with its link.

        The names come from ``attachment_names`` (what the pipeline listed for the page); the
        links are not recorded as references here: the converter resolves those it renders.
        """
        entry = self._find(owner) if owner else self.layout.get(self.current.id)
        if entry is None or entry.page is None or self._attachment_names is None:
            return ()
        self.dependencies.add(f"a:{entry.key}")
        names = sorted(set(self._attachment_names(entry.key)))
        return tuple((name, self._attachment(name, owner, record=False)) for name in names)
