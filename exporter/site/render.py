"""``render_site``: the navigable static site, rendered from an exported docs folder.

Reads the docs tree (``source``), renders each page's Markdown to sanitized HTML (``markdown``),
wraps it in the jinja2 templates of ``templates/site`` with the sidebar, breadcrumbs,
previous/next and table of contents (``nav``), writes the search index (``search``) and copies
attachments. Output bytes depend only on the docs, so two renders are byte-identical.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2
from markupsafe import Markup

import exporter
from exporter.errors import ConfigError, OutputError
from exporter.site.links import LinkIndex, relative_url
from exporter.site.markdown import MarkdownRenderer, pygments_css
from exporter.site.nav import NavContext, Sidebar
from exporter.site.output import MARKER, SiteWriter
from exporter.site.search import SearchDoc, search_index_js
from exporter.site.source import FLAVORS, DocPage, DocsTree, detect_flavor, read_docs

__all__ = ["CONTENT_SECURITY_POLICY", "SiteReport", "render_site", "templates_dir"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "media-src 'self'; font-src 'self'; connect-src 'none'; object-src 'none'; frame-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
STATIC_FILES = ("site.css", "site.js", "search.js")


@dataclass(frozen=True, slots=True)
class SiteReport:
    """What a render produced."""

    site_dir: Path
    flavor: str
    pages: int
    files: int  # attachments and other files copied from the docs folder
    written: int  # site files whose bytes changed
    removed: int  # stale site files deleted
    broken_links: tuple[str, ...] = ()  # "source.md: url" for links that resolve to nothing


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
    docs_dir: Path, site_dir: Path, *, flavor: str | None = None, site_name: str | None = None
) -> SiteReport:
    """Render the docs folder ``docs_dir`` into a static site in ``site_dir``.

    ``flavor`` is detected from the docs folder when not given; ``site_name`` defaults to the
    title of the top index page.
    """
    if flavor is not None and flavor not in FLAVORS:
        raise ConfigError(f"Unknown flavor {flavor!r}. Use one of: {', '.join(FLAVORS)}.")
    docs_dir, site_dir = Path(docs_dir), Path(site_dir)
    tree = read_docs(docs_dir)
    flavor = flavor or detect_flavor(docs_dir)
    name = site_name or (tree.root.page.title if tree.root.page else "") or "Documentation"
    tree = _with_home(tree, name)
    writer = SiteWriter(site_dir)
    writer.check_target(docs_dir)

    links = LinkIndex.build(tree)
    renderer = MarkdownRenderer(flavor)
    nav = NavContext(tree)
    sidebar = Sidebar(nav)
    templates = _environment()
    page_template = templates.get_template("page.html")
    # Theme files first: they also mark the folder as ours if this render stops half-way.
    static = templates_dir() / "static"
    for filename in STATIC_FILES:
        writer.add(f"_static/{filename}", static / filename)
    writer.add("_static/pygments.css", pygments_css())
    writer.add(".nojekyll", b"")
    not_found = templates.get_template("404.html").render(
        site_name=name,
        root="",
        home_href="index.html",
        csp=CONTENT_SECURITY_POLICY,
        page=tree.pages[0],
    )
    writer.add("404.html", not_found)
    search_docs: list[SearchDoc] = []
    for page in tree.pages:
        body = renderer.render(page, links)
        context = _page_context(page, body, nav, name, docs_dir)
        html = page_template.render(nav_html=Markup(sidebar.html(page)), **context)
        writer.add(page.output, html)
        crumbs = [c.title for c in nav.breadcrumbs(page)[1:]]
        search_docs.append(SearchDoc(page.title, page.output, " › ".join(crumbs), body.text))

    for rel in tree.files:
        writer.add(rel, docs_dir / rel)
    writer.add(MARKER, search_index_js(search_docs))
    writer.finish()
    return SiteReport(
        site_dir=site_dir,
        flavor=flavor,
        pages=len(tree.pages),
        files=len(tree.files),
        written=writer.written,
        removed=writer.removed,
        broken_links=tuple(dict.fromkeys(links.broken)),
    )


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
