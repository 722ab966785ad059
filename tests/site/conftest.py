"""Fixtures for the site tests; the docs builders and link checker live in ``sitedocs``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitedocs import FLAVORS


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    """Each of the four Markdown flavors in turn."""
    return str(request.param)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """`serve SITE --port 0 --sub-path /proj/` in a child process, for the module's ``site``
    fixture; yields its URL."""
    code = "from exporter.cli.site import serve_command; serve_command()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(site), "--port", "0", "--sub-path", "/proj/"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert " at http://127.0.0.1:" in line, line
        yield line.split(" at ", 1)[1].split(" ", 1)[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
