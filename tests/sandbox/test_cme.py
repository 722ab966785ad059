"""A real third-party client reads the sandbox: confluence-markdown-exporter 5.5.0 exports the
sample spaces over HTTP (Basic auth, v1 REST, ``body.view`` HTML) and every page comes out.

Its attachments behave as on Atlassian since 2026: CME first asks the ``/download/attachments/``
servlet (its ``_links.download``), which answers 401, then falls back to the REST download
route (its fix for CME issue #210), follows the 302 to the media host with ``requests``, which
drops ``Authorization`` on a cross-host redirect, and gets the file.

CME is installed into its own virtualenv, cached under the temp dir keyed by version. The test
is skipped only when pip cannot reach the package registry, and says so.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from filelock import FileLock

from exporter.sandbox import SandboxOptions, start_sandbox

CME_VERSION = "5.5.0"
_UNREACHABLE = re.compile(
    r"(Could not find a version|No matching distribution|Failed to establish a new connection|"
    r"Temporary failure in name resolution|Network is unreachable|ConnectTimeout|ProxyError)",
    re.I,
)


@pytest.fixture(scope="session")
def cme() -> Path:
    """The ``cme`` executable of a cached venv with confluence-markdown-exporter installed."""
    venv = Path(tempfile.gettempdir()) / f"confluence-export-cme-{CME_VERSION}"
    exe = venv / "bin" / "cme"
    with FileLock(str(venv) + ".lock"):
        if exe.exists():
            return exe
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = subprocess.run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                f"confluence-markdown-exporter=={CME_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if pip.returncode != 0:
            if _UNREACHABLE.search(pip.stderr + pip.stdout):
                pytest.skip(
                    f"pip could not reach the package registry to install CME: {pip.stderr[-300:]}"
                )
            pytest.fail(
                f"pip install confluence-markdown-exporter=={CME_VERSION} failed:\n{pip.stderr}"
            )
    return exe


def _h1_titles(root: Path) -> set[str]:
    titles = set()
    for md in root.rglob("*.md"):
        for line in md.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                titles.add(line[2:].strip().replace("\\", ""))
                break
    return titles


def test_confluence_markdown_exporter_exports_every_sample_page(cme: Path, tmp_path: Path) -> None:
    with start_sandbox(SandboxOptions(seed="sample")) as sb:
        store = sb.store
        keys = list(store.spaces)
        env = {
            **os.environ,
            "CME_CONFIG_PATH": str(tmp_path / "app_data.json"),
            "CME_EXPORT__OUTPUT_PATH": str(tmp_path / "out"),
            "CME_AUTH__CONFLUENCE": json.dumps(
                {sb.base_url: {"username": sb.ready["email"], "api_token": sb.ready["api_token"]}}
            ),
            "CME_EXPORT__ENABLE_JIRA_ENRICHMENT": "false",
            "CI": "1",
        }
        urls = [f"{sb.base_url}/wiki/spaces/{key}" for key in keys]
        result = subprocess.run(
            [str(cme), "spaces", *urls], env=env, capture_output=True, text=True, timeout=300
        )
        stats = sb.stats()
        sb.reset_stats()
        again = subprocess.run(
            [str(cme), "spaces", *urls], env=env, capture_output=True, text=True, timeout=300
        )
        rerun = sb.stats()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Failed to export" not in output, output[-3000:]
    expected = {
        r.title for r in store.content.values() if r.type == "page" and r.status == "current"
    }
    assert expected <= _h1_titles(tmp_path / "out"), sorted(expected - _h1_titles(tmp_path / "out"))
    # Every attachment costs CME a refused servlet request, a redirect and a media download.
    servlet = stats["by_route"]["GET /wiki/download/attachments/{page}/{filename}"]
    rest = stats["by_route"]["GET /wiki/rest/api/content/{id}/child/attachment/{att}/download"]
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.suffix != ".md"]
    files = [p for p in files if p.name != "confluence-lock.json"]
    assert servlet == rest == stats["media"]["requests"] == len(files) > 0, stats["by_route"]
    assert stats["status"] == {"200": stats["requests"] - 2 * servlet, "302": rest, "401": servlet}
    assert "There is no attachment" not in output  # none failed after the fallback
    assert stats["media"]["with_authorization"] == 0 and stats["media"]["status"] == {
        "200": len(files)
    }
    # Unchanged pages are skipped from the versions CQL returns: a rerun costs a few requests.
    assert again.returncode == 0
    assert rerun["requests"] <= stats["requests"] // 5, rerun["by_route"]
