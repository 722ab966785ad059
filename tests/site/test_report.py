"""report.html: the export's warnings, by page, each linking to the page and to Confluence,
from the warnings ``render_site`` is given (the site never reads the run)."""

from __future__ import annotations

from pathlib import Path

from markupsafe import escape
from sitedocs import broken_links, build_docs

from exporter.site import render_site
from exporter.warnings import PageWarning

URL = "https://example.atlassian.net/wiki/spaces/ENG/pages/7/Guide"
WARNINGS = [
    PageWarning("unknown-macro", "unknown macro 'easy-heatmap'", "7", "Guide",
                "docs/eng/guide/index.md", URL),
    PageWarning("broken-anchor", "link to anchor '#nowhere' <b>that</b> no heading has", "7",
                "Guide", "docs/eng/guide/index.md", URL),
    PageWarning("link-to-unexported-page", "links to page 'Old', which is not exported", "9",
                "Runbook", "docs/ops/runbook.md", "javascript:alert(1)"),
    PageWarning("missing-attachment", "file 'gone.png' is not in Confluence", "11", "Removed",
                "docs/ops/removed.md", ""),
]  # fmt: skip


def test_report_page_lists_every_warning_by_page_with_links_to_the_page_and_confluence(
    tmp_path: Path,
) -> None:
    docs = build_docs(tmp_path, "mkdocs")
    site = tmp_path / "site"
    render_site(docs, site, flavor="mkdocs", site_name="Acme", warnings=WARNINGS)
    report = (site / "report.html").read_text(encoding="utf-8")
    for w in WARNINGS:
        assert f"<code>{w.code}</code> {escape(w.message)}</li>" in report
    assert report.count('<section class="report-page">') == 3
    assert '<a href="eng/guide/index.html">Guide</a>' in report
    assert '<a href="ops/runbook.html">Runbook</a>' in report
    assert f'href="{URL}"' in report and "javascript:" not in report  # only web links
    assert "<h2>Removed</h2>" in report  # no such page in the site: named, not linked
    assert "4 warnings on 3 pages" in report
    assert broken_links(site) == []
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="report.html">Export report</a>' in home
    assert "- [Export report](report.html)" in (site / "llms.txt").read_text(encoding="utf-8")


def test_no_warnings_make_a_report_saying_so_and_none_given_make_no_report(
    tmp_path: Path,
) -> None:
    docs = build_docs(tmp_path, "gfm")
    site = tmp_path / "site"
    render_site(docs, site, flavor="gfm", warnings=[])
    assert "left no warnings" in (site / "report.html").read_text(encoding="utf-8")
    render_site(docs, site, flavor="gfm")
    assert not (site / "report.html").exists()
    assert "report.html" not in (site / "index.html").read_text(encoding="utf-8")
