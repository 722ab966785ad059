"""``report.html``: the last export's warnings, by page, as a page of the site.

The site never sees the run: the caller passes the warnings (``PageWarning``, the kernel's data,
as ``--summary-json`` lists them) to ``render_site``. Each page's entry links to the page in
the site (when the site has it) and to Confluence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import jinja2

from exporter.site.links import relative_url
from exporter.site.output import SiteWriter
from exporter.site.source import DocsTree, output_path
from exporter.warnings import PageWarning, sort_warnings

__all__ = ["REPORT_PAGE", "ReportGroup", "report_groups", "report_html", "write_report"]

REPORT_PAGE = "report.html"
_DOCS = "docs/"  # a warning's path is relative to the output folder: docs/<space>/<page>.md


@dataclass(frozen=True, slots=True)
class ReportGroup:
    """One page's warnings, with its links."""

    title: str
    path: str  # the Markdown file, relative to the output folder
    href: str  # the page in the site, relative to report.html; "" when the site lacks it
    confluence: str  # the page in Confluence; "" when unknown
    warnings: tuple[PageWarning, ...]


def report_groups(warnings: Sequence[PageWarning], tree: DocsTree) -> list[ReportGroup]:
    """The warnings grouped by page, pages in path order, each page's in code order."""
    outputs = {page.output for page in tree.pages}
    groups: dict[tuple[str, str], list[PageWarning]] = {}
    for w in sort_warnings(warnings):
        groups.setdefault((w.path, w.page_id), []).append(w)
    result = []
    for (path, page_id), items in groups.items():
        docs_path = path.removeprefix(_DOCS) if path.startswith(_DOCS) else ""
        target = output_path(docs_path) if docs_path else ""
        url = items[0].url
        result.append(
            ReportGroup(
                title=items[0].title or page_id or path or "(no page)",
                path=path,
                href=relative_url(target, REPORT_PAGE) if target in outputs else "",
                confluence=url if url.lower().startswith(("https://", "http://")) else "",
                warnings=tuple(items),
            )
        )
    return result


def report_html(
    templates: jinja2.Environment,
    warnings: Sequence[PageWarning],
    tree: DocsTree,
    site_name: str,
    csp: str,
) -> str:
    """The report page, rendered with the site's templates."""
    groups = report_groups(warnings, tree)
    codes = sorted(Counter(w.code for g in groups for w in g.warnings).items())
    return templates.get_template("report.html").render(
        site_name=site_name,
        root="",
        home_href="index.html",
        csp=csp,
        groups=groups,
        codes=codes,
        total=sum(len(g.warnings) for g in groups),
    )


def write_report(
    writer: SiteWriter,
    templates: jinja2.Environment,
    warnings: Sequence[PageWarning],
    tree: DocsTree,
    site_name: str,
    csp: str,
) -> None:
    """Write ``report.html`` at the site's root (only when its bytes changed)."""
    writer.add(REPORT_PAGE, report_html(templates, warnings, tree, site_name, csp))
