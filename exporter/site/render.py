"""``render_site``: the navigable static site, rendered from an exported docs folder.

Reads the docs tree (``source``), renders each page's Markdown to sanitized HTML (``markdown``),
wraps it in the jinja2 templates of ``templates/site`` with the sidebar, breadcrumbs,
previous/next and table of contents (``nav``), writes the search index (``search``) and copies
attachments. Output bytes depend only on the docs, so two renders are byte-identical; pages whose
Markdown and site structure are unchanged since the last render are reused (``cache``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import multiprocessing as mp
import os
import posixpath
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2
from markupsafe import Markup

import exporter
from exporter.errors import ConfigError, OutputError
from exporter.models import FLAVORS, Flavor, RunChanges, Space
from exporter.signals import worker_signals
from exporter.site.cache import CachedPage, RenderCache, cache_path, fingerprint, load_cache
from exporter.site.changes import write_changes
from exporter.site.home import (
    SiteInfo,
    home_cards,
    is_plain_listing,
    load_info,
    name_spaces,
    recent_pages,
    save_info,
)
from exporter.site.links import LinkIndex, relative_url
from exporter.site.llms import write_llms
from exporter.site.markdown import MarkdownRenderer, pygments_css
from exporter.site.nav import NavContext, Sidebar
from exporter.site.output import MARKER, SiteWriter
from exporter.site.report import REPORT_PAGE, write_report
from exporter.site.search import SearchDoc, body_share, search_entry
from exporter.site.source import DocPage, DocsTree, page_body, read_docs
from exporter.warnings import PageWarning

__all__ = ["CONTENT_SECURITY_POLICY", "SiteReport", "render_site", "templates_dir"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "media-src 'self'; font-src 'self'; connect-src 'none'; object-src 'none'; frame-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
STATIC_FILES = ("site.css", "site.js", "search.js", "theme.js")
POOL_MIN_PAGES = 200  # pages to render before rendering moves to worker processes
POOL_CHUNK = 8  # pages per task sent to a worker
MAX_WORKERS = 4


@dataclass(frozen=True, slots=True)
class SiteReport:
    """What a render produced."""

    site_dir: Path
    flavor: Flavor
    pages: int
    files: int  # attachments and other files copied from the docs folder
    written: int  # site files whose bytes changed
    removed: int  # stale site files deleted
    broken_links: tuple[str, ...] = ()  # "source.md: url" for links that resolve to nothing
    rendered: int = 0  # pages rendered from Markdown (the others were unchanged: reused)


def templates_dir() -> Path:
    """The site templates: inside the installed package first, then a source checkout's."""
    package = Path(exporter.__file__).resolve().parent
    for candidate in (package / "templates" / "site", package.parent / "templates" / "site"):
        if (candidate / "page.html").is_file():
            return candidate
    raise OutputError(
        "The site templates are missing from this installation. "
        "Reinstall confluence-export (`pip install --force-reinstall confluence-export`)."
    )


def render_site(
    docs_dir: Path,
    site_dir: Path,
    *,
    flavor: Flavor,
    site_name: str | None = None,
    spaces: Sequence[Space] | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    llms_txt: bool = True,
    warnings: Sequence[PageWarning] | None = None,
    changes: Sequence[RunChanges] | None = None,
) -> SiteReport:
    """Render the docs folder ``docs_dir``, written in ``flavor``, into a static site.

    The flavor is the one the docs were exported in (the caller knows it: the export's
    configuration or its recorded state), never guessed from the files. ``spaces`` (from
    Confluence) name the space folders and fill the home page's cards; they and ``site_name``
    are recorded in ``cache_dir``, and read from there when not given. ``site_name`` defaults
    to the title of the top index page. Unchanged pages are reused from the render cache kept
    in ``cache_dir`` (none kept without it). ``progress(done, total)`` is called as pages are
    rendered. ``llms_txt`` writes ``llms.txt`` and ``llms-full.txt`` (``llms``); ``warnings``,
    the last export's, make ``report.html`` (``report``), linked from the home page.
    ``changes`` (the export's recorded runs, oldest first) make the Recent changes
    page and the Atom feed (``exporter.site.changes``); without them the site has neither.
    """
    if flavor not in FLAVORS:
        raise ConfigError(f"Unknown flavor {flavor!r}. Use one of: {', '.join(FLAVORS)}.")
    docs_dir, site_dir = Path(docs_dir), Path(site_dir)
    info = _site_info(site_name, spaces, cache_dir)
    tree = name_spaces(read_docs(docs_dir), info.spaces)
    name = info.site_name or (tree.root.page.title if tree.root.page else "") or "Documentation"
    tree = _with_home(tree, name)
    tree = replace(tree, root=replace(tree.root, title=name))  # the first breadcrumb
    writer = SiteWriter(site_dir)
    writer.check_target(docs_dir)

    pages = _PageRenderer(tree, docs_dir, flavor, name, LinkIndex.build(tree))
    pages.home = {"cards": home_cards(tree, info.spaces), "recent": recent_pages(tree, info.spaces)}
    pages.home["report"] = REPORT_PAGE if warnings is not None else ""
    pages.home["changes"] = changes is not None
    _write_theme(writer, pages.templates, name, tree.pages[0])
    key = fingerprint(
        tree,
        docs_dir,
        flavor=flavor,
        site_name=name,
        templates=templates_dir(),
        extra=[*info.fingerprint(), warnings is not None, changes is not None],
    )
    path = cache_path(Path(cache_dir), site_dir) if cache_dir is not None else None
    cached = load_cache(path, key, site_dir / MARKER)
    with RenderCache(path, key) as cache:
        rendered, broken = _write_pages(tree, pages, writer, cache, cached, progress)
        for rel in tree.files:
            writer.add(rel, docs_dir / rel)
        if warnings is not None:
            write_report(writer, pages.templates, warnings, tree, name, CONTENT_SECURITY_POLICY)
        if llms_txt:
            write_llms(
                writer, tree, docs_dir, name, report=warnings is not None, unchanged=not rendered
            )
        if changes is not None:
            csp = CONTENT_SECURITY_POLICY
            write_changes(writer, pages.templates, changes, tree, site_name=name, csp=csp)
        writer.add(MARKER, cache.close_index())
        writer.finish()
        cache.commit()
    return SiteReport(
        site_dir=site_dir,
        flavor=flavor,
        pages=len(tree.pages),
        files=len(tree.files),
        written=writer.written,
        removed=writer.removed,
        broken_links=tuple(dict.fromkeys(broken)),
        rendered=rendered,
    )


def _site_info(
    site_name: str | None, spaces: Sequence[Space] | None, cache_dir: Path | None
) -> SiteInfo:
    """The names to show: as given (and then recorded), else as recorded in ``cache_dir``."""
    if spaces is not None:
        info = SiteInfo(site_name=site_name, spaces=tuple(spaces))
        if cache_dir is not None:
            # Unrecorded, only a later `site` command misses the names (it shows folder titles).
            with contextlib.suppress(OSError):
                save_info(Path(cache_dir), info)
        return info
    recorded = load_info(Path(cache_dir)) if cache_dir is not None else SiteInfo()
    return SiteInfo(site_name=site_name or recorded.site_name, spaces=recorded.spaces)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _write_theme(
    writer: SiteWriter, templates: jinja2.Environment, name: str, home: DocPage
) -> None:
    """The static files and the 404 page. Written first: they also mark the folder as ours if
    this render stops half-way."""
    static = templates_dir() / "static"
    for filename in STATIC_FILES:
        writer.add(f"_static/{filename}", static / filename)
    writer.add("_static/pygments.css", pygments_css())
    writer.add(".nojekyll", b"")
    # GitHub Pages answers a miss at any depth with this one file, so nothing relative can
    # load: the theme is inlined (allowed by its hash), and a script finds the site root.
    css = (static / "site.css").read_text(encoding="utf-8")
    script = (static / "404.js").read_text(encoding="utf-8")
    csp = (
        CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src {_csp_hash(script)}")
        .replace("style-src 'self'", f"style-src {_csp_hash(css)}")
        .replace("connect-src 'none'", "connect-src 'self'")
    )
    not_found = templates.get_template("404.html").render(
        site_name=name,
        root="",
        home_href="index.html",
        csp=csp,
        page=home,
        inline_css=Markup(css),
        inline_js=Markup(script),
    )
    writer.add("404.html", not_found)


def _write_pages(
    tree: DocsTree,
    pages: _PageRenderer,
    writer: SiteWriter,
    cache: RenderCache,
    cached: dict[str, CachedPage],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, list[str]]:
    """Write every page in tree order, reusing each cached page whose Markdown is unchanged and
    whose HTML is still there; returns how many were rendered and all pages' broken links."""
    reused = {
        page.source: hit
        for page in tree.pages
        if (hit := cached.pop(page.source, None))
        and hit.digest == page.digest
        and (writer.site_dir / page.output).is_file()
    }
    todo = [page for page in tree.pages if page.source not in reused]
    broken: list[str] = []
    count = 0
    with _rendering(pages, todo) as results:
        for page in tree.pages:
            done = reused.pop(page.source, None)
            if done is not None:
                writer.keep(page.output)  # same inputs, so the same bytes as a render
            else:
                html, done = next(results)
                writer.add(page.output, html)
                count += 1
                if progress is not None:
                    progress(count, len(todo))
            broken.extend(done.broken)
            cache.add(page.source, done)
    return len(todo), broken


class _PageRenderer:
    """Everything shared by the pages of one render: Markdown renderer, nav, templates."""

    def __init__(
        self, tree: DocsTree, docs_dir: Path, flavor: str, site_name: str, links: LinkIndex
    ) -> None:
        self.docs_dir = docs_dir
        self.site_name = site_name
        self.links = links
        self.renderer = MarkdownRenderer(flavor)
        self.nav = NavContext(tree)
        self.sidebar = Sidebar(self.nav)
        self.templates = _environment()
        self.page_template = self.templates.get_template("page.html")
        self.share = body_share(len(tree.pages))
        self.home: dict[str, object] = {"cards": [], "recent": []}

    def render(self, page: DocPage) -> tuple[str, CachedPage]:
        """The page's HTML, and what the cache keeps of it (broken links, search entry)."""
        before = len(self.links.broken)
        body = self.renderer.render(page, self.links, page_body(self.docs_dir, page))
        context = _page_context(page, body, self.nav, self.site_name, self.docs_dir)
        is_home = page.output == "index.html"
        context["home"] = self.home if is_home else {"cards": [], "recent": []}
        if is_home and self.home.get("cards") and is_plain_listing(body.html):
            context["body"] = Markup("")  # the docs' list of spaces: the cards show them
            context["children"] = []
        html = self.page_template.render(nav_html=Markup(self.sidebar.html(page)), **context)
        crumbs = " › ".join(c.title for c in self.nav.breadcrumbs(page)[1:])
        entry = search_entry(SearchDoc(page.title, page.output, crumbs, body.text), self.share)
        broken = tuple(self.links.broken[before:])
        del self.links.broken[before:]  # kept per page in the cache, not twice here
        return html, CachedPage(page.digest, broken, entry.encode("utf-8"))


_FORKED: dict[str, _PageRenderer] = {}  # the render a forked worker process inherits


@contextlib.contextmanager
def _rendering(
    pages: _PageRenderer, todo: list[DocPage]
) -> Iterator[Iterator[tuple[str, CachedPage]]]:
    """``pages.render`` over ``todo``, results in order: in forked worker processes when there
    are many pages (Markdown, Pygments and sanitizing are CPU-bound), else in this one."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(todo) < POOL_MIN_PAGES or workers < 2 or "fork" not in mp.get_all_start_methods():
        yield map(pages.render, todo)
        return
    # fork: workers inherit the renderer, nav and templates instead of rebuilding them.
    _FORKED["pages"] = pages
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=mp.get_context("fork"), initializer=worker_signals
    )
    try:
        yield pool.map(_render_forked, todo, chunksize=POOL_CHUNK)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # no worker outlives Ctrl-C or SIGTERM
        raise
    else:
        pool.shutdown()
    finally:
        _FORKED.clear()


def _render_forked(page: DocPage) -> tuple[str, CachedPage]:
    return _FORKED["pages"].render(page)


def _with_home(tree: DocsTree, name: str) -> DocsTree:
    """Give the tree a home page (``index.html``) when the docs folder has no top index."""
    if tree.root.page is not None:
        return tree
    home = DocPage(source="index.md", output="index.html", title=name, body="")
    root = replace(tree.root, title=name, key=home.source, page=home)
    parents = {k: (home.source if v == "" else v) for k, v in tree.parents.items()}
    return DocsTree(root=root, pages=(home, *tree.pages), files=tree.files, parents=parents)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _page_context(
    page: DocPage, body: object, nav: NavContext, site_name: str, docs_dir: Path
) -> dict[str, object]:
    """Everything ``page.html`` shows, with hrefs relative to this page."""
    prev, nxt = nav.neighbours(page)
    root = posixpath.relpath(".", posixpath.dirname(page.output) or ".")
    root = "" if root == "." else root + "/"
    attachments = [
        {
            "name": posixpath.relpath(rel, posixpath.splitext(page.source)[0] + ".assets"),
            "href": relative_url(rel, page.output),
            "size": _size((docs_dir / rel).stat().st_size),
        }
        for rel in page.assets
    ]
    return {
        "site_name": site_name,
        "page": page,
        "body": Markup(getattr(body, "html", "")),
        "toc": getattr(body, "toc", ()),
        "is_empty": not getattr(body, "text", ""),
        "breadcrumbs": nav.breadcrumbs(page),
        "children": nav.children(page),
        "prev": prev,
        "next": nxt,
        "attachments": attachments,
        "root": root,
        "home_href": relative_url("index.html", page.output),
        "csp": CONTENT_SECURITY_POLICY,
        "updated_date": page.updated[:10],
    }


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
