"""Fuzzing findings kept as regression inputs: each converts, renders and keeps its text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exporter.convert import FLAVORS, convert_storage

from .storage_strategies import _MD, lost_words

REGRESSIONS = Path(__file__).parent / "regressions"
INDEX: dict[str, dict[str, Any]] = json.loads((REGRESSIONS / "index.json").read_text("utf-8"))
CASES = sorted(p.name for p in REGRESSIONS.glob("*.xml"))


def _case(name: str) -> Any:
    """A case; marked xfail (not strict) with the bug's description while it is unfixed."""
    reason = INDEX.get(name, {}).get("xfail")
    marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
    return pytest.param(name, marks=marks, id=name)


def test_every_regression_input_is_described_in_the_index() -> None:
    assert CASES and sorted(INDEX) == CASES


@pytest.mark.parametrize("flavor", sorted(FLAVORS))
@pytest.mark.parametrize("case", [_case(name) for name in CASES])
def test_regression_input_converts_renders_and_keeps_its_text(case: str, flavor: str) -> None:
    info = INDEX.get(case, {})
    storage = (REGRESSIONS / case).read_text(encoding="utf-8", errors="replace")
    markdown = convert_storage(storage, flavor=flavor)
    html = _MD.render(markdown)
    if info.get("engine") == "atheris":  # mutated bytes: attribute values hold raw markup
        return  # the property is "never raises"; the structured cases check the rest
    assert "ac:" not in markdown and "ri:" not in markdown, markdown
    assert lost_words(tuple(info.get("words", ())), markdown) == [], markdown
    if info.get("no_images"):
        assert "<img" not in html, markdown
