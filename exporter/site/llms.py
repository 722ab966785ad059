"""``llms.txt`` and ``llms-full.txt``: the export as AI tools and RAG pipelines read it.

``llms.txt`` follows the llmstxt.org convention: an H1 with the site's name, a blockquote
summary, a line of prose, then one H2 section per space (named by the space's name) listing
its pages as ``- [title](url): description`` in Confluence's order, the description being the
page's first sentence; a last ``## Optional`` section links the full text (and the export
report). ``llms-full.txt`` holds every page's Markdown, front matter dropped, in the same order.

Both are capped so a huge export stays usable: a section lists at most ``LINKS_PER_SPACE``
pages, then one link to the space's first page saying how many more it has; ``llms-full.txt``
stops before the page that would take it over ``FULL_MAX_BYTES`` and says, at its top, which
pages of which spaces were left out. Both files depend only on the docs folder and the names
given, so two renders write the same bytes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from exporter.site.links import relative_url
from exporter.site.output import SiteWriter
from exporter.site.source import DocPage, DocsTree, page_body

__all__ = [
    "DESCRIPTION_CHARS",
    "FULL_MAX_BYTES",
    "FULL_NAME",
    "INDEX_NAME",
    "LINKS_PER_SPACE",
    "LlmsFiles",
    "first_sentence",
    "llms_files",
    "write_llms",
]

INDEX_NAME = "llms.txt"
FULL_NAME = "llms-full.txt"
LINKS_PER_SPACE = 1000  # links one section of llms.txt lists before a "more pages" link
FULL_MAX_BYTES = 20 * 1024 * 1024  # llms-full.txt stops before the page that would pass this
DESCRIPTION_CHARS = 160

_FENCE = re.compile(r"^\s*(```|~~~)")
_SKIP = re.compile(r"^\s*(#|\||<|!!!|\?\?\?|:::|\{%|-{3,}\s*$|\*{3,}\s*$|={3,}|> *\[!)")
_BULLET = re.compile(r"^\s*(?:>\s*)*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)?")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[\[[^\]]*\]\]")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_WIKILINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_TAG = re.compile(r"<[^>]*>")
_ATTRS = re.compile(r"\{[:#.]?[^{}]*\}")  # attribute lists: ![x](y){ width="1800" }
_MARKS = re.compile(r"(\*\*|__|~~|`|(?<!\w)[*_]|[*_](?!\w))")
_SENTENCE = re.compile(r"^(.+?[.!?。！？])(?=\s|$)")


@dataclass(frozen=True, slots=True)
class LlmsFiles:
    """The two files' texts, and what the caps left out (for the render's report)."""

    index: str
    full: str
    unlisted: dict[str, int] = field(default_factory=dict)  # section -> pages not in llms.txt
    left_out: dict[str, int] = field(default_factory=dict)  # section -> pages not in llms-full


@dataclass(slots=True)
class _Section:
    title: str
    first: DocPage
    links: list[str] = field(default_factory=list)
    pages: int = 0
    left_out: int = 0
    first_left_out: str = ""


def write_llms(
    writer: SiteWriter,
    tree: DocsTree,
    docs_dir: Path,
    site_name: str,
    *,
    report: bool,
    unchanged: bool = False,
) -> LlmsFiles | None:
    """Write both files at the site's root (only when their bytes changed). ``unchanged``: no
    page and nothing else the render fingerprints changed, so the files on disk are kept
    without reading every page again (None)."""
    if unchanged and all((writer.site_dir / n).is_file() for n in (INDEX_NAME, FULL_NAME)):
        writer.keep(INDEX_NAME)
        writer.keep(FULL_NAME)
        return None
    files = llms_files(tree, docs_dir, site_name, report=report)
    writer.add(INDEX_NAME, files.index)
    writer.add(FULL_NAME, files.full)
    return files


def first_sentence(markdown: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The first sentence of a page's prose as plain text (headings, code, tables, images and
    admonition markers skipped), cut at a word boundary to ``limit`` characters; "" if none."""
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or not line.strip() or _SKIP.match(line):
            continue
        text = _plain(_BULLET.sub("", line, count=1))
        if not any(char.isalnum() for char in text):
            continue
        match = _SENTENCE.match(text)
        text = match.group(1) if match else text
        if len(text) > limit:
            text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        return text
    return ""


def _plain(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _WIKILINK.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _ATTRS.sub("", text)
    text = _MARKS.sub("", text)
    return " ".join(html.unescape(text.replace("\\", "")).split())


def _label(text: str) -> str:
    """A link text safe inside ``[...]``."""
    return " ".join(text.replace("[", "(").replace("]", ")").split()) or "Untitled"


def llms_files(
    tree: DocsTree,
    docs_dir: Path,
    site_name: str,
    *,
    report: bool = False,
    links_per_space: int = LINKS_PER_SPACE,
    full_max_bytes: int = FULL_MAX_BYTES,
) -> LlmsFiles:
    """Both files for the site rendered from ``tree`` (its top-level nodes are the spaces,
    already titled by their names); ``report``: the site has ``report.html`` to link."""
    sections: list[_Section] = []
    owner: dict[str, _Section] = {}  # page source -> its space's section
    for node in tree.root.children:
        pages = [n.page for n in node.walk() if n.page is not None]
        if pages:
            sections.append(_Section(node.title, pages[0]))
            owner.update((p.source, sections[-1]) for p in pages)
    chunks: list[str] = []
    size = 0
    full_stopped = False
    for page in tree.pages:
        section = owner.get(page.source)
        body = page_body(docs_dir, page).strip()
        if section is not None:
            section.pages += 1
            if section.pages <= links_per_space:
                url = relative_url(page.output, INDEX_NAME)
                line = f"- [{_label(page.title)}]({url})"
                description = first_sentence(body)
                section.links.append(f"{line}: {description}" if description else line)
        chunk = _full_chunk(page, body)
        if not full_stopped and size + len(chunk.encode("utf-8")) <= full_max_bytes:
            chunks.append(chunk)
            size += len(chunk.encode("utf-8"))
        else:
            full_stopped = True
            if section is not None:
                section.left_out += 1
                section.first_left_out = section.first_left_out or page.title
    total = sum(s.pages for s in sections)
    summary = (
        f"{site_name}: {total} page{'' if total == 1 else 's'} in {len(sections)} "
        f"space{'' if len(sections) == 1 else 's'}"
        + (f" ({', '.join(s.title for s in sections)})" if sections else "")
        + ", exported from Confluence as a static site."
    )
    return LlmsFiles(
        index=_index_text(site_name, summary, sections, links_per_space, report),
        full=_full_text(site_name, summary, sections, chunks, full_max_bytes),
        unlisted={s.title: s.pages - len(s.links) for s in sections if s.pages > len(s.links)},
        left_out={s.title: s.left_out for s in sections if s.left_out},
    )


def _full_chunk(page: DocPage, body: str) -> str:
    source = f"Source: {page.source_url}\n\n" if page.source_url else ""
    return f"# {page.title}\n\n{source}{body}\n\n" if body else f"# {page.title}\n\n{source}"


def _index_text(name: str, summary: str, sections: list[_Section], cap: int, report: bool) -> str:
    lines = [f"# {name}", "", f"> {summary}", ""]
    lines += [
        "Each link is a page of this site in Confluence's order, with its first sentence. "
        f"{FULL_NAME} holds every page's Markdown in one file.",
        "",
    ]
    for section in sections:
        lines += [f"## {section.title}", "", *section.links]
        more = section.pages - len(section.links)
        if more:
            url = relative_url(section.first.output, INDEX_NAME)
            lines.append(
                f"- [More of {_label(section.title)}]({url}): {more} more page"
                f"{'' if more == 1 else 's'} not listed ({INDEX_NAME} lists {cap} per space); "
                "the site's navigation has them all"
            )
        lines.append("")
    lines += ["## Optional", "", f"- [Full text]({FULL_NAME}): every page's Markdown, one file"]
    if report:
        lines.append("- [Export report](report.html): what the export could not carry over")
    return "\n".join(lines) + "\n"


def _full_text(
    name: str, summary: str, sections: list[_Section], chunks: list[str], cap: int
) -> str:
    head = [f"# {name}", "", f"> {summary}", ""]
    left = [s for s in sections if s.left_out]
    if left:
        parts = [
            f"{s.title}: {s.left_out} of {s.pages} page{'' if s.pages == 1 else 's'}, "
            f"from \u201c{s.first_left_out}\u201d on"
            for s in left
        ]
        head += [
            f"> This file stops at {_size(cap)}; left out: {'; '.join(parts)}. "
            f"The site (see {INDEX_NAME}) has every page.",
            "",
        ]
    return "\n".join(head) + "\n" + "".join(chunks).rstrip("\n") + "\n"


def _size(n: int) -> str:
    mb = 1024 * 1024
    return f"{n // mb} MB" if n % mb == 0 else f"{n:,} bytes"
