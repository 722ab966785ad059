"""An export killed with SIGKILL leaves a truthful manifest and the next run finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from walk.serve import new_store, serve

from exporter.run.manifest import State

from .test_export import docs_files, run_export, small_space

CHILD = """
import sys
from pathlib import Path
import exporter.run.attachments as attachments
import exporter.run.pipeline as pipeline
from exporter.config.settings import ApiConfig, Config, Endpoints, OutputConfig
from exporter.auth.httpauth import ApiTokenAuth

base, out, email, token = sys.argv[1:5]

class Connection:
    wiki_base = base + "/wiki"
    site_url = base
    auth = ApiTokenAuth(email, token)
    method = "basic"
    granted_scopes = ()

attachments.FLUSH_EVERY_S = 0.0  # save after every page, so the kill lands between saves
config = Config(
    site=base,
    spaces="all",
    output=OutputConfig(format="docs", flavor="mkdocs"),
    api=ApiConfig(concurrency=1, endpoints=Endpoints(api=base, site=base)),
)
pipeline.export(config, out=Path(out), connection=Connection())
"""


def recorded(out: Path) -> dict:
    """The pages the state records (manifest plus the journal a killed run leaves)."""
    return {pid: rec.to_json() for pid, rec in State.load(out).pages.items() if rec.path}


def kill_midway(served: Any, out: Path, at_least: int = 4) -> dict:
    """Export into ``out`` in a child process and SIGKILL it once ``at_least`` pages are
    recorded; the pages the state then records."""
    cred = served.sandbox.credentials
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, served.base_url, str(out), cred.email, cred.api_token],
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    deadline = time.monotonic() + 60
    while len(recorded(out)) < at_least and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    return recorded(out)


def test_export_killed_midway_resumes_without_redoing_pages_and_matches_a_clean_export(
    tmp_path: Path,
):
    store = new_store()
    small_space(store, pages=30)
    out, clean = tmp_path / "out", tmp_path / "clean"
    with serve(store, latency_ms=60) as served:
        pages = kill_midway(served, out)
        assert 4 <= len(pages) < 31, "the kill should land mid-export"
        for record in pages.values():
            for name in record["files"]:
                assert (out / name).is_file(), f"manifest names {name}, which is not on disk"

        summary = run_export(served, out)
        run_export(served, clean)
    assert summary.pages_unchanged >= len(pages)
    assert summary.pages_exported + summary.pages_unchanged == 31
    assert docs_files(out) == docs_files(clean)
