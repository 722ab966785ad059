"""Golden files: tests/golden/<case>/input.xml → <flavor>.md, reviewed by eye when they change.

Regenerate with ``UPDATE_GOLDEN=1 python -m pytest tests/convert/test_golden.py``, then read
the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.convert import FLAVORS, convert_page
from exporter.models import Page
from tests.convert.world import WorldResolver

GOLDEN = Path(__file__).parents[1] / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input.xml").is_file())


def golden_page(case: str) -> Page:
    """The case's input as the body of a page in space ENG."""
    body = (GOLDEN / case / "input.xml").read_text(encoding="utf-8")
    return Page(id="100", space_key="ENG", title=f"Golden {case}", body=body)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("case", CASES)
def test_conversion_matches_reviewed_golden_file(case: str, flavor: str) -> None:
    result = convert_page(golden_page(case), flavor=flavor, resolver=WorldResolver())
    expected_path = GOLDEN / case / f"{flavor}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(result.markdown, encoding="utf-8")
    assert expected_path.is_file(), f"missing {expected_path}; run with UPDATE_GOLDEN=1 and review"
    assert result.markdown == expected_path.read_text(encoding="utf-8")


def test_every_golden_case_has_all_four_flavors() -> None:
    missing = [
        f"{c}/{f}.md" for c in CASES for f in FLAVORS if not (GOLDEN / c / f"{f}.md").is_file()
    ]
    assert not missing
    assert len(CASES) >= 15
