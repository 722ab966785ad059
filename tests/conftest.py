"""Shared fixtures: sandboxes over real loopback HTTP (see exporter/sandbox)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from exporter.errors import ConfigError
from exporter.sandbox import SandboxHandle, SandboxOptions, start_sandbox
from exporter.sandbox.seed import SAMPLE_DIR, load_seed

TINY_SEED = Path(__file__).parent / "sandbox" / "seeds" / "tiny"


@functools.cache
def sample_seed() -> str | Path:
    """The bundled sample when it is present and loads, else the tiny test seed."""
    try:
        load_seed(SAMPLE_DIR)
    except (ConfigError, KeyError, TypeError, ValueError):  # sample still being written
        return TINY_SEED
    return "sample"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    """A sandbox serving the sample seed (or the tiny seed while the sample is missing)."""
    with start_sandbox(SandboxOptions(seed=sample_seed())) as sb:
        yield sb


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxHandle]]:
    """``sandbox_factory(**knobs)`` starts a sandbox with SandboxOptions knobs; all stop at teardown."""
    started: list[SandboxHandle] = []

    def factory(**knobs: Any) -> SandboxHandle:
        knobs.setdefault("seed", sample_seed())
        handle = start_sandbox(SandboxOptions(**knobs))
        started.append(handle)
        return handle

    yield factory
    for handle in started:
        handle.stop()
