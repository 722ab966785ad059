"""Every warning of an export names its page: in the logs, --summary-json and the state.

The sample space has 17: seven macros Confluence computes on view (each leaves a visible "not
exported" placeholder), one unknown macro, and nine links to pages the export does not hold
(blog posts, which are not exported by default, and archived or deleted pages). These tests run the real CLI against
the sandbox over loopback HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from exporter.sandbox import SandboxHandle, SandboxOptions, start_sandbox

ROOT = Path(__file__).parents[2]
ENV = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")} | {
    "PYTHONPATH": str(ROOT)
}

# (code, page title, what the message names) of every warning the sample export has.
SAMPLE = sorted(
    [
        ("macro-not-exported", "Acme Handbook", "contentbylabel"),
        ("macro-not-exported", "Acme Handbook", "recently-updated"),
        ("macro-not-exported", "Handbook templates", "detailssummary"),
        ("macro-not-exported", "Meeting notes template", "tasks-report-macro"),
        ("macro-not-exported", "Architecture", "detailssummary"),
        ("macro-not-exported", "Runbooks", "contentbylabel"),
        ("macro-not-exported", "Team rituals", "tasks-report-macro"),
        ("unknown-macro", "Partner integrations", "easy-heatmap"),
        # blog posts (not exported by default), archived and deleted pages
        ("link-to-unexported-page", "Acme Handbook", "Q4 2025 all-hands recap"),
        ("link-to-unexported-page", "Engineering", "Introducing the new deploy pipeline"),
        ("link-to-unexported-page", "Incident response", "Postmortem: checkout outage on 12 March"),
        ("link-to-unexported-page", "Legacy build notes", "Deploy checklist (old)"),
        ("link-to-unexported-page", "Legacy build notes", "Introducing the new deploy pipeline"),
        ("link-to-unexported-page", "Release 2026.1", "Deploy checklist (old)"),
        ("link-to-unexported-page", "Release notes", "Introducing the new deploy pipeline"),
        ("link-to-unexported-page", "Tokyo office (東京オフィス)", "Welcome our Tokyo team!"),
        ("link-to-unexported-page", "Travel and expenses", "Old expense rules (2022)"),
    ]
)
MORE = "more warning(s) of this kind (every one is listed by --summary-json)"


@dataclass
class Run:
    result: subprocess.CompletedProcess[str]
    summary: dict

    @property
    def warning_lines(self) -> list[str]:
        return [line for line in self.result.stderr.splitlines() if line.startswith("warning: [")]


def cli_export(folder: Path, *args: str, out: str = "out") -> Run:
    """``confluence-export export`` in ``folder`` (its config.yaml), summary JSON beside it."""
    summary = folder / f"summary-{len(list(folder.glob('summary-*.json')))}.json"
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--config", "config.yaml", "export", "--out", out,
         "--format", "docs", "--summary-json", str(summary), *args],
        capture_output=True, text=True, cwd=folder, env=ENV,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return Run(result, json.loads(summary.read_text()))


def triples(summary: dict) -> list[tuple[str, str, str]]:
    """(code, title, macro named in the message) of each listed warning."""
    return sorted(
        (w["code"], w["title"], w["message"].split("'")[1]) for w in summary["warning_list"]
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, Path]]:
    folder = tmp_path_factory.mktemp("sample")
    with start_sandbox(SandboxOptions(seed="sample")) as sandbox:
        sandbox.write_config(folder / "config.yaml")
        yield sandbox, folder


@pytest.fixture(scope="module")
def first(sample: tuple[SandboxHandle, Path]) -> Run:
    return cli_export(sample[1])


def test_summary_json_lists_every_warning_with_its_page_path_and_url(first: Run, sample):
    summary, folder = first.summary, sample[1]
    assert summary["warnings"] == len(summary["warning_list"]) == 17
    assert triples(summary) == SAMPLE
    for w in summary["warning_list"]:
        assert set(w) == {"code", "page_id", "title", "path", "url", "message"}
        assert w["page_id"].isdigit()
        assert (folder / "out" / w["path"]).is_file()
        assert f"/wiki/spaces/{w['path'].split('/')[1].upper()}/pages/{w['page_id']}/" in w["url"]
    keys = [(w["path"], w["page_id"], w["code"], w["message"]) for w in summary["warning_list"]]
    assert keys == sorted(keys)


def test_text_log_names_each_warning_with_its_page_five_per_code_then_a_count(first: Run):
    lines = first.warning_lines
    listed = {
        w["code"]: [x for x in first.summary["warning_list"] if x["code"] == w["code"]]
        for w in first.summary["warning_list"]
    }
    expected = []
    for code in sorted(listed):
        for w in listed[code][:5]:
            expected.append(
                f"warning: [{code}] {w['title']} ({w['page_id']}, {w['path']}): {w['message']}"
            )
    expected.append(f"warning: [link-to-unexported-page] 4 {MORE}")
    expected.append(f"warning: [macro-not-exported] 2 {MORE}")
    assert sorted(lines) == sorted(expected)
    assert any("Partner integrations (" in line and "easy-heatmap" in line for line in lines)


def test_placeholder_of_a_dropped_macro_is_visible_in_the_exported_page(first: Run, sample):
    page = (sample[1] / "out" / "docs" / "eng" / "architecture" / "index.md").read_text()
    assert '!!! info "Page Properties Report: not exported"' in page
    assert "Confluence computes this content when the page is viewed" in page


def test_no_change_run_reports_the_warnings_of_the_pages_it_keeps(first: Run, sample):
    again = cli_export(sample[1])
    assert again.summary["pages"]["exported"] == 0
    assert again.summary["warning_list"] == first.summary["warning_list"]
    assert sorted(again.warning_lines) == sorted(first.warning_lines)


def test_github_format_emits_titled_annotations_up_to_githubs_cap(first: Run, sample):
    run = cli_export(sample[1], "--log-format", "github")
    lines = run.result.stderr.splitlines()
    annotations = [line for line in lines if line.startswith("::warning")]
    assert len(annotations) == 10  # 11 shown (5 + 5 + 1); GitHub shows 10 per step
    assert all(line.startswith("::warning title=") for line in annotations)
    shown = [line.split("::", 2)[2] for line in annotations]
    shown += [line.removeprefix("warning: ") for line in lines if line.startswith("warning: [")]
    assert sorted(shown) == sorted(line.removeprefix("warning: ") for line in first.warning_lines)
    heatmap = next(line for line in lines if "easy-heatmap" in line)
    assert heatmap in (
        "::warning title=unknown-macro%3A Partner integrations::[unknown-macro] Partner "
        "integrations (65797, docs/eng/partner-integrations.md): unknown macro 'easy-heatmap'",
        "warning: [unknown-macro] Partner integrations (65797, docs/eng/partner-integrations.md): "
        "unknown macro 'easy-heatmap'",
    )


def test_json_log_summary_line_lists_the_warnings(first: Run, sample):
    run = cli_export(sample[1], "--log-format", "json")
    last = json.loads(run.result.stderr.splitlines()[-1])
    assert last["event"].startswith("summary:")
    assert last["warnings"] == 17
    assert last["warning_list"] == first.summary["warning_list"]
    assert json.loads(run.result.stdout)["warning_list"] == first.summary["warning_list"]


def test_more_than_five_pages_with_one_unknown_macro_print_five_and_a_count(tmp_path: Path):
    with start_sandbox(SandboxOptions(seed="sample")) as sandbox:
        for n in range(7):
            httpx.post(
                f"{sandbox.base_url}/__sandbox/pages",
                json={"space": "ENG", "title": f"Poll {n}",
                      "body": f'<p>Vote {n}</p><ac:structured-macro ac:name="acme-poll"/>'},
            ).raise_for_status()  # fmt: skip
        sandbox.write_config(tmp_path / "config.yaml")
        run = cli_export(tmp_path)
    unknown = [w for w in run.summary["warning_list"] if w["code"] == "unknown-macro"]
    assert len(unknown) == 8  # seven polls and the sample's easy-heatmap
    shown = [line for line in run.warning_lines if line.startswith("warning: [unknown-macro] ")]
    assert len(shown) == 6
    assert shown[-1] == f"warning: [unknown-macro] 3 {MORE}"
    for line in shown[:5]:
        w = next(w for w in unknown if f"({w['page_id']}, {w['path']})" in line)
        assert (
            line
            == f"warning: [unknown-macro] {w['title']} ({w['page_id']}, {w['path']}): {w['message']}"
        )
