"""Fixtures for the site tests; the docs builders and link checker live in ``sitedocs``."""

from __future__ import annotations

import pytest
from sitedocs import FLAVORS


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    """Each of the four Markdown flavors in turn."""
    return str(request.param)
