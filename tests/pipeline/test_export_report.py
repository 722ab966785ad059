"""The export report of a real export against the sandbox: ``OUT/export-report.json`` and
``.md`` and the site's ``report.html`` list exactly the warnings ``--summary-json`` lists, and
the site's ``llms.txt`` links every exported page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from markupsafe import escape

from exporter.sandbox import SandboxOptions, start_sandbox
from exporter.site.source import split_front_matter

ROOT = Path(__file__).parents[2]
ENV = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")} | {
    "PYTHONPATH": str(ROOT)
}


def cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--config", "config.yaml", *args],
        capture_output=True, text=True, cwd=folder, env=ENV,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """The sample seed exported once, docs and site, with its summary JSON."""
    folder = tmp_path_factory.mktemp("report")
    with start_sandbox(SandboxOptions(seed="sample")) as sandbox:
        sandbox.write_config(folder / "config.yaml")
        cli(folder, "export", "--out", "out", "--format", "both", "--summary-json", "s.json")
        yield folder, json.loads((folder / "s.json").read_text(encoding="utf-8"))


def flattened(report: dict) -> list[dict[str, str]]:
    """The report's warnings as ``--summary-json``'s ``warning_list`` entries, in its order."""
    return [
        {"code": w["code"], "page_id": p["page_id"], "title": p["title"], "path": p["path"],
         "url": p["url"], "message": w["message"]}
        for p in report["pages"] for w in p["warnings"]
    ]  # fmt: skip


def test_export_report_json_lists_exactly_the_warnings_summary_json_lists(exported) -> None:
    folder, summary = exported
    report = json.loads((folder / "out/export-report.json").read_text(encoding="utf-8"))
    assert summary["warnings"] > 0  # the sample has unknown macros and unexported links
    assert {w["code"] for w in summary["warning_list"]} >= {
        "unknown-macro",
        "link-to-unexported-page",
    }
    assert flattened(report) == summary["warning_list"]
    assert report["warnings"] == summary["warnings"] == sum(report["codes"].values())
    assert not (folder / "out/docs/export-report.json").exists()  # beside the docs, not in


def test_export_report_markdown_links_each_page_file_and_confluence(exported) -> None:
    folder, summary = exported
    text = (folder / "out/export-report.md").read_text(encoding="utf-8")
    assert f"left {summary['warnings']} warnings" in text
    for w in summary["warning_list"]:
        assert f"({w['path']})" in text and (folder / "out" / w["path"]).is_file()
        assert f"[View in Confluence]({w['url']})" in text
        assert f"- `{w['code']}`: " in text
    items = [line for line in text.splitlines() if line.startswith("- `") and "`: " in line]
    assert len(items) == summary["warnings"] + len({w["code"] for w in summary["warning_list"]})


def test_site_report_page_shows_every_warning_with_its_page_and_confluence_links(exported):
    folder, summary = exported
    site = folder / "out/site"
    page = (site / "report.html").read_text(encoding="utf-8")
    assert page.count('<li class="report-warning">') == summary["warnings"]
    for w in summary["warning_list"]:
        assert f"<code>{w['code']}</code> {escape(w['message'])}</li>" in page
        assert f'href="{escape(w["url"])}"' in page
        target = w["path"].removeprefix("docs/").removesuffix(".md")
        html = (
            target[: -len("index")] + "index.html"
            if target.endswith("/index")
            else target + ".html"
        )
        assert f'<a href="{html}">' in page and (site / html).is_file()
    assert '<a href="report.html">Export report</a>' in (site / "index.html").read_text("utf-8")


def test_a_run_that_changes_nothing_leaves_the_report_files_untouched(exported) -> None:
    folder, summary = exported
    files = [folder / "out/export-report.md", folder / "out/export-report.json"]
    before = [(f.read_bytes(), f.stat().st_mtime_ns) for f in files]
    cli(folder, "export", "--out", "out", "--format", "docs", "--summary-json", "again.json")
    again = json.loads((folder / "again.json").read_text(encoding="utf-8"))
    assert again["warning_list"] == summary["warning_list"]
    assert [(f.read_bytes(), f.stat().st_mtime_ns) for f in files] == before


def test_site_command_renders_the_report_the_export_left_beside_the_docs(exported) -> None:
    folder, summary = exported
    cli(folder, "site", "out/docs", "--out", "again-site")
    page = (folder / "again-site/report.html").read_text(encoding="utf-8")
    assert page.count('<li class="report-warning">') == summary["warnings"]


def test_llms_txt_of_the_export_links_every_exported_page(exported) -> None:
    folder, summary = exported
    site = folder / "out/site"
    text = (site / "llms.txt").read_text(encoding="utf-8")
    links = [
        line.split("](", 1)[1].split(")", 1)[0]
        for line in text.splitlines()
        if line.startswith("- [")
    ]
    assert all((site / unquote(url)).is_file() for url in links)
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    pages -= {"index.html", "404.html", "report.html", "changes.html"}  # site pages, no docs
    assert pages <= set(links)
    full = (site / "llms-full.txt").read_text(encoding="utf-8")
    assert "confluence_id:" not in full and "\nversion: " not in full  # no front matter
    docs = sorted((folder / "out/docs").rglob("*.md"))
    assert len(docs) == summary["pages"]["exported"] + 1  # and the top index
    for path in docs:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        assert f"\n# {meta['title']}\n" in full
        assert body.strip().splitlines()[-1] in full
