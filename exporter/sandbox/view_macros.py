"""Macro renderers for ``body.view``: each turns one ``ac:structured-macro`` into the HTML
Confluence Cloud serves for it (panels, code, expand, status, TOC, Jira, include, children,
attachments, diagrams, page properties and their report, file previews).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol
from urllib.parse import quote_plus

from lxml import etree

from exporter.sandbox.storage import ac, attr, esc, parse_storage, ri
from exporter.sandbox.store import AttachmentRecord, ContentRecord, Store

__all__ = ["MACROS", "PANELS", "Renderer", "info", "param"]


class Renderer(Protocol):
    """What a macro needs of the page renderer (``view.Renderer``), so this module need not
    import it: the renderer imports the macros, never the other way round."""

    store: Store
    page: ContentRecord
    ctx: str
    depth: int
    export: bool

    def body(self, el: etree._Element) -> str: ...
    def find_page(self, title: str | None, space_key: str | None) -> ContentRecord | None: ...
    def find_attachment(
        self, page: ContentRecord | None, filename: str | None
    ) -> AttachmentRecord | None: ...
    def download(self, att: AttachmentRecord) -> str: ...
    def page_link(self, rec: ContentRecord, body: str | None) -> str: ...
    def attachment_link(self, att: AttachmentRecord, body: str | None) -> str: ...
    def nested(self, page: ContentRecord) -> str:
        """``page``'s body rendered one level deeper (include macros)."""
        ...

    def report_rows(self, query: str) -> list[tuple[ContentRecord, dict[str, str]]]:
        """Pages matching ``query`` holding a ``details`` macro, each property as HTML."""
        ...


Params = dict[str, etree._Element]
PANELS = {"info": "information", "note": "note", "tip": "tip", "warning": "warning"}
PANEL_ICONS = {
    "info": "info-filled",
    "note": "warning-filled",
    "tip": "check-circle-filled",
    "warning": "error",
}
LOZENGES = {
    "green": "success",
    "red": "error",
    "yellow": "current",
    "blue": "complete",
    "purple": "progress",
}


def param(params: Params, name: str, default: str = "") -> str:
    """A macro parameter's text, or ``default``."""
    p = params.get(name)
    return "".join(p.itertext()).strip() if p is not None else default


def info(r: Renderer, el: etree._Element, name: str, mid: str, params: Params) -> str:
    """info/note/tip/warning panels as ``confluence-information-macro`` divs."""
    title = param(params, "title")
    head = f'<p class="title conf-macro-render">{esc(title)}</p>' if title else ""
    return (
        f'<div class="confluence-information-macro confluence-information-macro-{PANELS[name]} conf-macro output-block" '
        f'data-hasbody="true" data-macro-name="{name}" data-macro-id="{attr(mid)}">{head}'
        f'<span class="aui-icon aui-icon-small aui-iconfont-{PANEL_ICONS[name]} confluence-information-macro-icon"></span>'
        f'<div class="confluence-information-macro-body">{r.body(el)}</div></div>'
    )


def panel(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """A custom panel with its background colour."""
    bg = param(params, "bgColor")
    style = f' style="background-color: {attr(bg)};"' if bg else ""
    return (
        f'<div class="panel conf-macro output-block" data-macro-name="panel" data-macro-id="{attr(mid)}"{style}>'
        f'<div class="panelContent">{r.body(el)}</div></div>'
    )


def code(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """code and noformat as ``pre.syntaxhighlighter-pre`` with a ``brush`` parameter."""
    lang = param(params, "language", "none" if el.get(ac("name")) == "code" else "")
    brush = f"brush: {lang or 'text'}; gutter: false; theme: Confluence"
    name = attr(el.get(ac("name")))
    return (
        f'<div class="code panel pdl conf-macro output-block" data-macro-name="{name}" data-macro-id="{attr(mid)}">'
        f'<div class="codeContent panelContent pdl"><pre class="syntaxhighlighter-pre" '
        f'data-syntaxhighlighter-params="{brush}" data-theme="Confluence">{r.body(el)}</pre></div></div>'
    )


def expand(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """An ``expand-container`` with its title and hidden content."""
    title = param(params, "title", "Click here to expand...")
    return (
        f'<div class="expand-container conf-macro output-block" data-macro-name="expand" data-macro-id="{attr(mid)}">'
        '<div class="expand-control"><span class="expand-icon aui-icon aui-icon-small aui-iconfont-chevron-right"></span>'
        f'<span class="expand-control-text conf-macro-render">{esc(title)}</span></div>'
        f'<div class="expand-content expand-hidden">{r.body(el)}</div></div>'
    )


def status(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """A status lozenge (``aui-lozenge-<colour>``)."""
    colour = LOZENGES.get(param(params, "colour").lower(), "")
    cls = f"status-macro aui-lozenge{' aui-lozenge-' + colour if colour else ''}"
    if param(params, "subtle") == "true":
        cls += " aui-lozenge-subtle"
    title = param(params, "title")
    return f'<span class="{cls} conf-macro output-inline" data-macro-name="status" data-macro-id="{attr(mid)}">{esc(title)}</span>'


def toc(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """View: Cloud's empty client-side TOC. Export view: the rendered list, no macro name."""
    if not r.export:
        return (
            f'<div class="toc-macro client-side-toc-macro conf-macro output-block" data-macro-name="toc" '
            f'data-macro-id="{attr(mid)}" data-headerelements="H1,H2,H3,H4,H5,H6,H7"></div>'
        )
    items = []
    for h in parse_storage(r.page.body).iter("h1", "h2", "h3", "h4", "h5", "h6"):
        text = "".join(h.itertext()).strip()
        anchor = re.sub(r"[^\w-]", "", r.page.title) + "-" + re.sub(r"[^\w-]", "", text)
        items.append(
            f'<li><span class="toc-item-body"><a href="#{attr(anchor)}">{esc(text)}</a></span></li>'
        )
    return f'<div class="toc-macro rbtoc{r.page.id}"><ul class="toc-indentation">{"".join(items)}</ul></div>'


def jira(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """One issue as a link; a JQL table lives in the export view only."""
    key = param(params, "key")
    if not key:
        jql = attr(param(params, "jqlQuery"))
        if r.export:  # the issue table lives in the export view only, without a macro name
            return f'<div class="jira-table" data-jql="{jql}"><table><tbody><tr><th>Key</th><th>Summary</th></tr></tbody></table></div>'
        return f'<div class="conf-macro output-block" data-macro-name="jira" data-macro-id="{attr(mid)}" data-jql="{jql}"></div>'
    return (
        f'<span class="confluence-jim-macro jira-issue conf-macro output-block" data-jira-key="{attr(key)}" '
        f'data-macro-name="jira" data-macro-id="{attr(mid)}"><a href="https://jira.example.com/browse/{attr(key)}" '
        f'class="jira-issue-key">{esc(key)}</a></span>'
    )


def anchor(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """An anchor target span."""
    name = param(params, "")
    return f'<span class="confluence-anchor-link conf-macro output-inline" id="{attr(name)}" data-macro-name="anchor"></span>'


def include(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """include/excerpt-include: the target page's body rendered inline."""
    name = el.get(ac("name")) or "include"
    target = None
    p = params.get("")
    ref = p.find(f".//{ri('page')}") if p is not None else None
    if ref is not None:
        target = r.find_page(ref.get(ri("content-title")), ref.get(ri("space-key")))
    inner = ""
    if target is not None and r.depth < 2:
        inner = r.nested(target)
    return f'<div class="conf-macro output-block" data-macro-name="{name}" data-macro-id="{attr(mid)}">{inner}</div>'


def children(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """The page's children as a list of page links."""
    items = "".join(
        f"<li>{r.page_link(r.store.content[c], None)}</li>"
        for c in r.page.children
        if r.store.content[c].status == "current"
    )
    return f'<ul class="childpages-macro conf-macro output-block" data-macro-name="children">{items}</ul>'


def attachments(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """The page's attachments as a table of links."""
    rows = "".join(
        f"<tr><td>{r.attachment_link(r.store.attachments[a], None)}</td></tr>"
        for a in r.page.attachments
    )
    return (
        '<div class="plugin_attachments_container conf-macro output-block" data-macro-name="attachments">'
        f'<table class="attachments aui">{rows}</table></div>'
    )


def diagram(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """draw.io/Gliffy: the PNG preview attachment named after the diagram."""
    name = el.get(ac("name")) or "drawio"
    diagram = param(params, "diagramName") or param(params, "name")
    img = ""
    preview = r.find_attachment(r.page, f"{diagram}.png")
    if preview is not None:
        img = f'<img class="drawio-diagram-image" src="{r.download(preview)}" alt="{attr(diagram)}" />'
    return (
        f'<div class="conf-macro output-block" data-macro-name="{name}" data-macro-id="{attr(mid)}" '
        f'data-diagram-name="{attr(diagram)}">{img}</div>'
    )


def details(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """Page properties: the key/value table in a ``details`` div."""
    return (
        f'<div class="plugin-tabmeta-details conf-macro output-block" data-macro-name="details" '
        f'data-macro-id="{attr(mid)}">{r.body(el)}</div>'
    )


def view_file(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """File previews carry the attachment on the wrapper, as Cloud's client-side widget does."""
    p = params.get("name")
    ref = p.find(ri("attachment")) if p is not None else None
    att = r.find_attachment(r.page, ref.get(ri("filename")) if ref is not None else None)
    if att is None:
        return '<div class="conf-macro output-block" data-macro-name="view-file"></div>'
    name = "viewpdf" if att.media_type == "application/pdf" else "view-file"
    return (
        f'<div class="conf-macro output-block" data-macro-name="{name}" data-macro-id="{attr(mid)}" '
        f'data-attachment-id="{att.id}" data-attachment="{attr(quote_plus(att.title))}">'
        f"{r.attachment_link(att, None)}</div>"
    )


def report(r: Renderer, el: etree._Element, mid: str, params: Params) -> str:
    """Page Properties Report: one row per page (matching the CQL) with a details macro."""
    query = param(params, "cql")
    given = param(params, "headings")
    rows = r.report_rows(query)
    headings = [h.strip() for h in given.split(",") if h.strip()]
    if not headings:
        headings = list(dict.fromkeys(k for _, props in rows for k in props))
    head = "".join(f"<th>{esc(h)}</th>" for h in ["Title", *headings])
    body = "".join(
        f"<tr><td>{r.page_link(rec, None)}</td>"
        + "".join(f"<td>{props.get(h, '')}</td>" for h in headings)
        + "</tr>"
        for rec, props in rows
    )
    return (
        f'<div class="table-wrap"><table class="metadata-summary-macro" data-cql="{attr(query)}" '
        f'data-headings="{attr(given)}" data-current-space-key="{attr(r.page.space_key)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


Macro = Callable[[Renderer, etree._Element, str, Params], str]
MACROS: dict[str, Macro] = {
    "code": code,
    "noformat": code,
    "expand": expand,
    "status": status,
    "toc": toc,
    "panel": panel,
    "jira": jira,
    "anchor": anchor,
    "include": include,
    "excerpt-include": include,
    "children": children,
    "attachments": attachments,
    "drawio": diagram,
    "gliffy": diagram,
    "details": details,
    "detailssummary": report,
    "view-file": view_file,
    "viewpdf": view_file,
}
