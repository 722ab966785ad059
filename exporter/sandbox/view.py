"""``body.view``: storage format rendered to the HTML Confluence Cloud serves, closely enough that
a third-party converter working on view HTML (confluence-markdown-exporter 5.5.0) recognises
panels, code, tasks, expands, status lozenges, mentions, emoticons, images, page links and layouts
(reference peers.md section (c) "What body.view must look like").
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

from lxml import etree

from exporter.sandbox.cql import CQLError, search
from exporter.sandbox.storage import (
    AC,
    RI,
    VOID,
    ac,
    attr,
    esc,
    friendly_date,
    local_name,
    parse_storage,
    ri,
)
from exporter.sandbox.store import AttachmentRecord, ContentRecord, Store
from exporter.sandbox.view_macros import MACROS, PANELS, info

__all__ = ["Renderer", "parse_storage", "render_view", "report_rows"]

_LAYOUT_CLASS = {
    "single": "single",
    "two_equal": "two-equal",
    "two_left_sidebar": "two-left-sidebar",
    "two_right_sidebar": "two-right-sidebar",
    "three_equal": "three-equal",
    "three_with_sidebars": "three-with-sidebars",
}


class Renderer:
    """Renders one page's storage as view HTML (``export=True``: the export view)."""

    def __init__(
        self, store: Store, page: ContentRecord, context: str, depth: int = 0, export: bool = False
    ) -> None:
        self.export = export
        self.store = store
        self.page = page
        self.ctx = context
        self.depth = depth

    # ---- tree walking -------------------------------------------------------------------

    def children_html(self, el: etree._Element) -> str:
        out = [esc(el.text)]
        for child in el:
            out.append(self.node(child))
            out.append(esc(child.tail))
        return "".join(out)

    def node(self, el: etree._Element) -> str:
        if not isinstance(el.tag, str):
            return ""  # comments, processing instructions
        if el.tag.startswith(f"{{{AC}}}"):
            return self.ac_element(el, local_name(el))
        if el.tag.startswith(f"{{{RI}}}"):
            return ""
        tag = el.tag
        attrs = dict(el.attrib)
        if tag == "table":
            inner = "".join(self.node(c) + esc(c.tail) for c in el if local_name(c) != "colgroup")
            cls = attrs.pop("class", "confluenceTable")
            extra = "".join(f' {k}="{attr(v)}"' for k, v in attrs.items())
            return (
                f'<div class="table-wrap"><table class="{attr(cls)}"{extra}>{inner}</table></div>'
            )
        if tag == "time" and not (el.text or len(el)):
            return f'<time datetime="{attr(attrs.get("datetime"))}">{esc(friendly_date(attrs.get("datetime")))}</time>'
        if tag in ("th", "td"):
            attrs["class"] = "confluenceTh" if tag == "th" else "confluenceTd"
        if re.fullmatch(r"h[1-6]", tag) and "id" not in attrs:
            text = "".join(el.itertext())
            attrs["id"] = re.sub(r"[^\w-]", "", self.page.title) + "-" + re.sub(r"[^\w-]", "", text)
        attr_html = "".join(f' {k}="{attr(v)}"' for k, v in attrs.items() if not k.startswith("{"))
        if tag in VOID:
            return f"<{tag}{attr_html} />"
        return f"<{tag}{attr_html}>{self.children_html(el)}</{tag}>"

    def ac_element(self, el: etree._Element, name: str) -> str:
        if name in ("structured-macro", "macro"):
            return self.macro(el)
        if name == "link":
            return self.link(el)
        if name == "image":
            return self.image(el)
        if name == "task-list":
            return self.tasks(el)
        if name == "emoticon":
            return self.emoticon(el)
        if name == "layout":
            return f'<div class="contentLayout2">{"".join(self.node(c) for c in el)}</div>'
        if name == "layout-section":
            kind = _LAYOUT_CLASS.get(el.get(ac("type")) or "single", "single")
            cells = "".join(self.node(c) for c in el)
            return f'<div class="columnLayout {kind}" data-layout="{kind}">{cells}</div>'
        if name == "layout-cell":
            return f'<div class="cell normal" data-type="normal"><div class="innerCell">{self.children_html(el)}</div></div>'
        if name == "inline-comment-marker":
            ref = attr(el.get(ac("ref")))
            return f'<span class="inline-comment-marker" data-ref="{ref}">{self.children_html(el)}</span>'
        if name == "adf-extension":
            fallback = el.find(ac("adf-fallback"))
            if fallback is not None:
                return self.children_html(fallback)
            return "".join(self.adf(c) for c in el)
        if name in ("placeholder", "parameter", "adf-fallback"):
            return ""
        return self.children_html(el)

    def adf(self, el: etree._Element) -> str:
        if local_name(el) == "adf-content":
            return self.children_html(el)
        if local_name(el) != "adf-node":
            return ""
        inner = "".join(self.adf(c) for c in el)
        kind = el.get("type") or ""
        if kind == "decision-list":
            return f'<ul class="decision-list">{inner}</ul>'
        if kind == "decision-item":
            return f'<li data-decision-state="DECIDED">{inner}</li>'
        if kind == "panel":
            return f'<div class="panel" data-macro-name="panel"><div class="panelContent">{inner}</div></div>'
        return inner

    # ---- macros -------------------------------------------------------------------------

    def macro(self, el: etree._Element) -> str:
        name = el.get(ac("name")) or ""
        macro_id = el.get(ac("macro-id")) or ""
        params: dict[str, etree._Element] = {}
        for p in el.findall(ac("parameter")) + el.findall(ac("default-parameter")):
            params[p.get(ac("name")) or ""] = p
        if name in PANELS:
            return info(self, el, name, macro_id, params)
        handler = MACROS.get(name)
        if handler is not None:
            return handler(self, el, macro_id, params)
        body = self.body(el)
        return f'<div class="conf-macro output-block" data-macro-name="{attr(name)}" data-macro-id="{attr(macro_id)}">{body}</div>'

    def body(self, el: etree._Element) -> str:
        rich = el.find(ac("rich-text-body"))
        if rich is not None:
            return self.children_html(rich)
        plain = el.find(ac("plain-text-body"))
        return esc(plain.text) if plain is not None else ""

    # ---- links, images, tasks, emoticons ------------------------------------------------

    def find_page(self, title: str | None, space_key: str | None) -> ContentRecord | None:
        key = space_key or self.page.space_key
        for rec in self.store.content.values():
            if (
                rec.title == title
                and rec.space_key == key
                and rec.status in ("current", "archived")
            ):
                return rec
        return None

    def find_attachment(
        self, page: ContentRecord | None, filename: str | None
    ) -> AttachmentRecord | None:
        if page is None:
            return None
        for att_id in page.attachments:
            att = self.store.attachments[att_id]
            if att.title == filename:
                return att
        return None

    def download(self, att: AttachmentRecord) -> str:
        return self.ctx + att.download_path()

    def page_link(self, rec: ContentRecord, body: str | None) -> str:
        kind = "blogpost" if rec.type == "blogpost" else "page"
        return (
            f'<a href="{self.ctx}{attr(rec.webui())}" data-linked-resource-id="{rec.id}" '
            f'data-linked-resource-version="{rec.version.number}" data-linked-resource-type="{kind}">'
            f"{body if body is not None else esc(rec.title)}</a>"
        )

    def attachment_link(self, att: AttachmentRecord, body: str | None) -> str:
        return (
            f'<a href="{attr(self.download(att))}" data-linked-resource-id="{att.id.removeprefix("att")}" '
            f'data-linked-resource-version="{att.current.number}" data-linked-resource-type="attachment" '
            f'data-linked-resource-default-alias="{attr(att.title)}" data-linked-resource-content-type="{attr(att.media_type)}" '
            f'data-linked-resource-container-id="{att.container_id}" data-media-id="{att.file_id}" '
            f'class="confluence-embedded-file">{body if body is not None else esc(att.title)}</a>'
        )

    def link(self, el: etree._Element) -> str:
        body_el = el.find(ac("link-body"))
        plain = el.find(ac("plain-text-link-body"))
        body = (
            self.children_html(body_el)
            if body_el is not None
            else (esc(plain.text) if plain is not None else None)
        )
        anchor = el.get(ac("anchor"))
        ref = next(
            (c for c in el if isinstance(c.tag, str) and c.tag.startswith(f"{{{RI}}}")), None
        )
        if ref is None:
            return f'<a href="#{attr(anchor)}">{body or esc(anchor)}</a>'
        kind = local_name(ref)
        if kind in ("page", "blog-post"):
            title = ref.get(ri("content-title"))
            target = self.find_page(title, ref.get(ri("space-key")))
            if target is None:
                key = ref.get(ri("space-key")) or self.page.space_key
                href = f"{self.ctx}/pages/createpage.action?spaceKey={quote(key)}&title={quote_plus(title or '')}"
                return f'<a class="createlink" href="{attr(href)}">{body or esc(title)}</a>'
            return self.page_link(target, body)
        if kind == "attachment":
            owner_ref = ref.find(ri("page"))
            owner = self.page
            if owner_ref is not None:
                owner = (
                    self.find_page(
                        owner_ref.get(ri("content-title")), owner_ref.get(ri("space-key"))
                    )
                    or owner
                )
            att = self.find_attachment(owner, ref.get(ri("filename")))
            if att is None:
                return f"<span>{body or esc(ref.get(ri('filename')))}</span>"
            return self.attachment_link(att, body)
        if kind == "user":
            account = ref.get(ri("account-id")) or ""
            user = self.store.users.get(account)
            name = user.display_name if user else "Unknown User"
            return (
                f'<a class="confluence-userlink user-mention" data-account-id="{attr(account)}" '
                f'href="{self.ctx}/people/{attr(account)}" data-linked-resource-type="userinfo">@{esc(name)}</a>'
            )
        if kind == "space":
            key = ref.get(ri("space-key")) or ""
            space = self.store.spaces.get(key)
            return f'<a href="{self.ctx}/spaces/{attr(key)}" data-linked-resource-type="space">{body or esc(space.name if space else key)}</a>'
        if kind == "url":
            url = ref.get(ri("value")) or ""
            return f'<a href="{attr(url)}">{body or esc(url)}</a>'
        return body or ""

    def image(self, el: etree._Element) -> str:
        ref = next(
            (c for c in el if isinstance(c.tag, str) and c.tag.startswith(f"{{{RI}}}")), None
        )
        attrs = []
        for name in ("width", "height", "alt", "title"):
            if el.get(ac(name)):
                attrs.append(f' {name}="{attr(el.get(ac(name)))}"')
        extra = "".join(attrs)
        align = el.get(ac("align")) or "center"
        if ref is not None and local_name(ref) == "url":
            src = attr(ref.get(ri("value")))
            img = f'<img class="confluence-embedded-image confluence-external-resource" src="{src}" data-image-src="{src}"{extra} />'
        elif ref is not None and local_name(ref) == "attachment":
            owner = self.page
            owner_ref = ref.find(ri("page"))
            if owner_ref is not None:
                owner = (
                    self.find_page(
                        owner_ref.get(ri("content-title")), owner_ref.get(ri("space-key"))
                    )
                    or owner
                )
            att = self.find_attachment(owner, ref.get(ri("filename")))
            if att is None:
                return f'<span class="confluence-embedded-file-wrapper">{esc(ref.get(ri("filename")))}</span>'
            src = attr(self.download(att))
            img = (
                f'<img class="confluence-embedded-image" draggable="false" src="{src}" data-image-src="{src}" '
                f'data-linked-resource-id="{att.id.removeprefix("att")}" data-linked-resource-version="{att.current.number}" '
                f'data-linked-resource-type="attachment" data-linked-resource-default-alias="{attr(att.title)}" '
                f'data-linked-resource-content-type="{attr(att.media_type)}" data-linked-resource-container-id="{att.container_id}" '
                f'data-media-id="{att.file_id}" data-media-type="file"{extra} />'
            )
        else:
            return ""
        caption = el.find(ac("caption"))
        cap = (
            f'<span class="confluence-embedded-file-caption">{self.children_html(caption)}</span>'
            if caption is not None
            else ""
        )
        return f'<span class="confluence-embedded-file-wrapper image-{attr(align)}-wrapper">{img}{cap}</span>'

    def tasks(self, el: etree._Element) -> str:
        items = []
        for task in el.findall(ac("task")):
            status = (task.findtext(ac("task-status")) or "").strip()
            task_id = (task.findtext(ac("task-id")) or "").strip()
            body_el = task.find(ac("task-body"))
            body = self.children_html(body_el) if body_el is not None else ""
            nested = "".join(self.tasks(sub) for sub in task.findall(ac("task-list")))
            checked = ' class="checked"' if status == "complete" else ""
            items.append(f'<li data-inline-task-id="{attr(task_id)}"{checked}>{body}{nested}</li>')
        return f'<ul class="inline-task-list" data-inline-tasks-content-id="{self.page.id}">{"".join(items)}</ul>'

    def emoticon(self, el: etree._Element) -> str:
        name = el.get(ac("name")) or "blue-star"
        emoji_id = el.get(ac("emoji-id")) or ""
        fallback = el.get(ac("emoji-fallback")) or el.get(ac("emoji-shortname")) or f":{name}:"
        short = el.get(ac("emoji-shortname")) or ""
        return (
            f'<img class="emoticon emoticon-{attr(name)}" data-emoji-id="{attr(emoji_id)}" '
            f'data-emoji-shortname="{attr(short)}" data-emoji-fallback="{attr(fallback)}" '
            f'src="{self.ctx}/images/icons/emoticons/{attr(name)}.svg" width="16" height="16" alt="{attr(fallback)}" />'
        )

    def render(self, storage: str) -> str:
        return self.children_html(parse_storage(storage))

    def nested(self, page: ContentRecord) -> str:
        return Renderer(self.store, page, self.ctx, self.depth + 1, self.export).render(page.body)

    def report_rows(self, query: str) -> list[tuple[ContentRecord, dict[str, str]]]:
        return report_rows(self.store, query, self.page, self.ctx, self.export)


def render_view(
    store: Store, page: ContentRecord, context: str = "/wiki", export: bool = False
) -> str:
    """The page's current body as view (or export view) HTML; cached per page version."""
    key = (page.id, page.version.number, context + ("#export" if export else ""))
    cache = store.view_cache
    cached = cache.get(key)
    if cached is None:
        cached = Renderer(store, page, context, export=export).render(page.body)
        if len(cache) > 20000:
            cache.clear()
        cache[key] = cached
    return cached


def report_rows(
    store: Store, query: str, page: ContentRecord, context: str = "/wiki", export: bool = False
) -> list[tuple[ContentRecord, dict[str, str]]]:
    """Pages matching ``query`` that hold a ``details`` macro, with each property as HTML."""
    try:
        found = search(store, query, space_key=page.space_key) if query else []
    except CQLError:
        return []
    rows: list[tuple[ContentRecord, dict[str, str]]] = []
    for item in found:
        if not isinstance(item, ContentRecord) or item.id == page.id:
            continue
        props: dict[str, str] = {}
        cell_renderer = Renderer(store, item, context, 2, export)
        for macro in parse_storage(item.body).iter(ac("structured-macro")):
            if macro.get(ac("name")) != "details":
                continue
            for tr in macro.iter("tr"):
                cells = [c for c in tr if local_name(c) in ("th", "td")]
                if len(cells) >= 2:
                    props["".join(cells[0].itertext()).strip()] = cell_renderer.children_html(
                        cells[1]
                    )
        if props:
            rows.append((item, props))
    return rows
