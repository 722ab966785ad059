"""Fixtures for the sandbox's own tests: the tiny seed and authenticated clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from exporter.sandbox import SandboxHandle

from .helpers import site_client

TINY = Path(__file__).parent / "seeds" / "tiny"


@pytest.fixture
def tiny(sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    """A sandbox on the tiny seed (known titles, order and attachments)."""
    return sandbox_factory(seed=TINY)


@pytest.fixture
def client(tiny: SandboxHandle) -> Iterator[httpx.Client]:
    with site_client(tiny) as c:
        yield c
