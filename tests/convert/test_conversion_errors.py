"""A macro handler that fails: a ConversionError naming the page and the macro, never a success.

No real storage makes a handler fail today (the fuzz tests look for one), so these tests put a
failing handler into the registry for one macro name; everything else runs as in production
(the export over real HTTP against the sandbox).
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from walk.serve import new_store, serve

from exporter.cli.main import main
from exporter.convert import OfflineResolver, convert_page, convert_storage
from exporter.convert.macros import MACROS
from exporter.errors import ConversionError, PartialExport
from exporter.models import Page
from exporter.run.pipeline import export

FAST = {"backoff_base": 0.05, "backoff_cap": 0.5}
BOOM = '<ac:structured-macro ac:name="boom"><ac:parameter ac:name="x">1</ac:parameter></ac:structured-macro>'


@pytest.fixture
def failing_macro(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A handler for the ``boom`` macro that raises, as a buggy handler would."""

    def boom(conv: object, m: object) -> str:
        raise ValueError("no x in this world")

    monkeypatch.setitem(MACROS, "boom", boom)
    yield


def test_a_failing_macro_handler_raises_conversion_error_naming_page_and_macro(
    failing_macro: None,
) -> None:
    page = Page(id="100", space_key="ENG", title="Runbook", body=f"<p>Before</p>{BOOM}")
    with pytest.raises(ConversionError) as info:
        convert_page(page, flavor="gfm", resolver=OfflineResolver())
    error = info.value
    assert (error.page_id, error.macro) == ("100", "boom")
    assert str(error).startswith(
        "The 'boom' macro on page 'Runbook' (100) could not be converted "
        "(ValueError: no x in this world). Report it with the page's storage body"
    )
    assert isinstance(error.__cause__, ValueError)


def test_a_macro_failing_inside_another_is_reported_by_its_own_name(failing_macro: None) -> None:
    body = (
        '<ac:structured-macro ac:name="expand"><ac:rich-text-body>'
        f'<ac:structured-macro ac:name="info"><ac:rich-text-body>{BOOM}</ac:rich-text-body>'
        "</ac:structured-macro></ac:rich-text-body></ac:structured-macro>"
    )
    with pytest.raises(ConversionError) as info:
        convert_storage(body)
    assert info.value.macro == "boom"
    assert str(info.value).startswith("The 'boom' macro could not be converted")


def test_conversion_error_keeps_page_and_macro_across_a_worker_process() -> None:
    error = ConversionError("The 'x' macro failed.", page_id="7", macro="x")
    back = pickle.loads(pickle.dumps(error))
    assert (str(back), back.page_id, back.macro) == ("The 'x' macro failed.", "7", "x")


def test_convert_command_prints_a_failing_macro_as_one_error_line(
    failing_macro: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "page.xml"
    source.write_text(BOOM, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["convert", str(source)])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("Error: The 'boom' macro could not be converted (ValueError")
    assert captured.err.count("\n") == 1


def test_export_fails_the_page_whose_macro_fails_and_writes_the_others(
    failing_macro: None, tmp_path: Path
) -> None:
    store = new_store()
    store.add_space("ENG", "Engineering")
    home = store.add_content("ENG", "Home", "<p>Welcome</p>")
    store.add_content("ENG", "Fine", "<p>All good</p>", parent_id=home.id)
    bad = store.add_content("ENG", "Broken", f"<p>Text</p>{BOOM}", parent_id=home.id)
    with serve(store) as served, pytest.raises(PartialExport) as info:
        export(served.config(), out=tmp_path, connection=served.connection(), client_options=FAST)
    summary = info.value.summary  # type: ignore[attr-defined]
    assert summary.pages_failed == 1 and summary.pages_exported == 2
    assert info.value.exit_code == 3
    [failure] = info.value.failures
    assert failure.startswith(f"{bad.id} Broken: ")
    assert f"The 'boom' macro on page 'Broken' ({bad.id}) could not be converted" in failure
    written = {p.name for p in (tmp_path / "docs").rglob("*.md")}
    assert "fine.md" in written and "broken.md" not in written
    pages = json.loads((tmp_path / ".confluence-export" / "manifest.json").read_text())["pages"]
    assert not pages.get(bad.id, {}).get("path")
