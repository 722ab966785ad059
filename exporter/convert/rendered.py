"""HTML that Confluence renders (the ``html`` macro's body, a page's ``export_view``) to Markdown.

Storage format is walked by :mod:`exporter.convert.converter`; plain rendered HTML is what
markdownify is made for, so this module is markdownify spelled in one flavor: text escaped by the
flavor's emitter (MDX needs ``{``/``<`` escaped, Python-Markdown ``&``), code fenced, headings
shifted, list items indented as the flavor's renderer wants, every URL vetted like the storage
converter's (script URLs dropped, relative ones resolved or dropped), scripts, styles and frames
left out.
"""

from __future__ import annotations

import re
from typing import Any

from markdownify import ATX, BACKSLASH, SPACES, MarkdownConverter

from exporter.convert.emitter import Emitter
from exporter.convert.flavors import FLAVORS, emitter_for
from exporter.convert.resolve import Link, OfflineResolver, Resolver, vetted_url
from exporter.errors import ConfigError

__all__ = ["RenderedHtml", "convert_rendered_html"]

_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
_BLANK_RUNS = re.compile(r"\n{3,}")


def convert_rendered_html(
    html: str, flavor: str, *, resolver: Resolver | None = None, base_url: str = ""
) -> str:
    """Markdown of rendered HTML in one flavor; links through ``resolver`` (offline: kept
    only when they cannot climb out of the docs), relative ones against ``base_url``."""
    if flavor not in FLAVORS:
        raise ConfigError(f"Unknown flavor {flavor!r}. Use one of: {', '.join(FLAVORS)}.")
    converter = RenderedHtml(emitter_for(flavor), resolver or OfflineResolver(), base_url)
    text = converter.convert(html).strip("\n")
    return text + "\n" if text else ""


class RenderedHtml(MarkdownConverter):
    """markdownify with the flavor's spelling and the export's URL rules."""

    def __init__(self, emitter: Emitter, resolver: Resolver, base_url: str = "") -> None:
        super().__init__(
            heading_style=ATX,
            bullets="-",
            # MDX reads "<https://...>" as JSX: links always in brackets.
            autolinks=False,
            newline_style=SPACES if emitter.hard_break == "  \n" else BACKSLASH,
            escape_asterisks=False,
            escape_underscores=False,
            keep_inline_images_in=["td", "th"],
        )
        self.emit = emitter
        self.resolver = resolver
        self.base_url = base_url
        self.dropped: set[str] = set()  # tags left out, for the caller's warning

    def _base(self) -> Any:
        """markdownify's own handlers (its type stubs declare only ``convert``)."""
        return super()

    def escape(self, text: str, parent_tags: set[str]) -> str:
        if not text:
            return ""
        text = self.emit.escape(text)
        return text.replace("|", "\\|") if "td" in parent_tags or "th" in parent_tags else text

    def _link(self, href: str, *, image: bool = False) -> Link | None:
        if href.startswith("#") or href.startswith(("mailto:", "tel:")):
            return Link(href, False)
        return vetted_url(self.resolver, href, self.base_url, image=image)

    # --- markdownify's handlers, re-spelled (signature: element, converted text, parents) ----
    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        if "_noformat" in parent_tags:
            return text
        prefix, suffix, text = _chomp(text)
        href = (el.get("href") or "").strip()
        link = self._link(href) if href else None
        if not text or link is None:
            return prefix + text + suffix
        return prefix + self.emit.link(text, link) + suffix

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        alt = el.get("alt") or ""
        src = (el.get("src") or "").strip()
        link = self._link(src, image=True) if src else None
        if link is None or ("_inline" in parent_tags and el.parent.name not in ("td", "th")):
            return self.emit.escape(alt)
        return self.emit.image(link, alt, el.get("title"), el.get("width"))

    def convert_pre(self, el: Any, text: str, parent_tags: set[str]) -> str:
        code = text.strip("\n")
        if not code.strip():
            return ""
        if "_inline" in parent_tags:
            return " " + self.convert_code(el, code.replace("\n", " "), set()) + " "
        return "\n\n" + self.emit.code_block(code, _language(el)) + "\n\n"

    def convert_code(self, el: Any, text: str, parent_tags: set[str]) -> str:
        span = str(self._base().convert_code(el, text, parent_tags))
        if "_noformat" in parent_tags:
            return span
        return span.replace("|", "\\|") if "td" in parent_tags or "th" in parent_tags else span

    convert_kbd = convert_samp = convert_code

    def convert_hN(self, n: int, el: Any, text: str, parent_tags: set[str]) -> str:
        return str(
            self._base().convert_hN(min(6, n + self.emit.heading_shift), el, text, parent_tags)
        )

    def convert_p(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return self.emit.escape_line_starts(str(self._base().convert_p(el, text, parent_tags)))

    def convert_div(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return self.emit.escape_line_starts(str(self._base().convert_div(el, text, parent_tags)))

    convert_article = convert_section = convert_div

    def convert_li(self, el: Any, text: str, parent_tags: set[str]) -> str:
        body = (text or "").strip()
        if not body:
            return "\n"
        parent = el.parent
        if parent is not None and parent.name == "ol":
            start = str(parent.get("start") or "1")
            first = int(start) if start.isdigit() else 1
            marker = f"{first + len(el.find_previous_siblings('li'))}."
        else:
            marker = "-"
        return self.emit.list_item(marker, body) + "\n"

    def convert_iframe(self, el: Any, text: str, parent_tags: set[str]) -> str:
        """A frame (a video, a form) as a link to what it showed, when that is a web URL."""
        self.dropped.add("iframe")
        src = (el.get("src") or "").strip()
        link = self._link(src) if src.lower().startswith(("https://", "http://")) else None
        return self.emit.link(self.emit.escape(src), link) if link is not None else ""

    def _dropped(self, el: Any, text: str, parent_tags: set[str]) -> str:
        self.dropped.add(el.name)
        return ""

    convert_script = convert_style = convert_noscript = convert_template = _dropped
    convert_head = convert_title = convert_object = convert_embed = _dropped

    def convert__document_(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return _BLANK_RUNS.sub("\n\n", str(self._base().convert__document_(el, text, parent_tags)))


def _chomp(text: str) -> tuple[str, str, str]:
    """(space before, space after, text): spaces move outside the link's brackets."""
    prefix = " " if text.startswith(" ") else ""
    suffix = " " if text.endswith(" ") else ""
    return prefix, suffix, text.strip()


def _language(el: Any) -> str:
    """The code language a rendered ``<pre>`` names in its (or its ``<code>``'s) class."""
    for node in (el, el.find("code")):
        if node is None:
            continue
        classes = node.get("class") or []
        match = _LANGUAGE.search(" ".join(classes if isinstance(classes, list) else [classes]))
        if match:
            return match.group(1).lower()
    return ""
