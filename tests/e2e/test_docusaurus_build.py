"""A real ``docusaurus build`` (Docusaurus 3, ``onBrokenLinks: 'throw'``) of the
docusaurus-flavor export of the sample; every anchor it reports must exist in the built page.

Docusaurus comes from the npm registry with the lock file in ``tests/e2e/docusaurus``;
``scripts/test`` starts ``npm ci`` in the background before the suite, and this test installs
it itself (under the same lock) when it runs on its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from filelock import FileLock

from exporter.sandbox import SandboxOptions, start_sandbox
from tests.e2e.helpers import run_export

pytestmark = pytest.mark.timeout(1500)

HARNESS = Path(__file__).parent / "docusaurus"
BIN = HARNESS / "node_modules" / ".bin" / "docusaurus"


def docusaurus() -> Path:
    """The installed ``docusaurus`` command, installing it with ``npm ci`` if needed."""
    npm = shutil.which("npm")
    assert npm, "npm is missing: install Node.js 20+ with npm to run the Docusaurus build test"
    with FileLock(str(HARNESS / ".install.lock"), timeout=1200):
        if not BIN.exists():
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=HARNESS, capture_output=True, text=True, timeout=1200,
            )  # fmt: skip
            assert result.returncode == 0, "npm ci failed:\n" + result.stdout + result.stderr
    return BIN


def test_docusaurus_build_of_the_sample_export_has_no_broken_links(tmp_path: Path) -> None:
    command = docusaurus()
    with start_sandbox(SandboxOptions(seed="sample")) as sandbox:
        run_export(sandbox, tmp_path / "out", flavor="docusaurus", fmt="docs")
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(HARNESS / "docusaurus.config.js", site)
    (site / "node_modules").symlink_to(HARNESS / "node_modules")
    started = time.monotonic()
    result = subprocess.run(
        [str(command), "build", str(site), "--out-dir", str(tmp_path / "build")],
        capture_output=True, text=True, timeout=1200, cwd=site,  # its caches go there too
        env={**os.environ, "DOCS_DIR": str(tmp_path / "out" / "docs"),
             "DOCUSAURUS_TELEMETRY_DISABLED": "1", "CI": "true"},
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    print(f"docusaurus build: {time.monotonic() - started:.1f} s")
    build = tmp_path / "build"
    built = {p.relative_to(build).as_posix() for p in build.rglob("*.html")}
    assert "eng/runbooks/incident-response/index.html" in built
    assert len(built) >= 50
    missing = [a for a in _reported_anchors(output) if not _has_id(build, *a)]
    assert missing == [], f"anchors that no built page has: {missing}"


def _reported_anchors(output: str) -> list[tuple[str, str]]:
    """(page path, id) of each anchor Docusaurus reported broken."""
    found = []
    for match in re.finditer(r"linking to (\S+?)(?: \(resolved as: (\S+)\))?$", output, re.M):
        target = match.group(2) or match.group(1)
        if "#" in target:
            path, _, ident = target.partition("#")
            found.append((path, ident))
    return found


def _has_id(build: Path, path: str, ident: str) -> bool:
    page = build / path.strip("/") / "index.html"
    if not page.exists():
        page = build / (path.strip("/") + ".html")
    html = page.read_text(encoding="utf-8") if page.exists() else ""
    return f'id="{ident}"' in html
