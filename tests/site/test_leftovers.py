"""A site render killed mid-way leaves temp files; the next render removes every one of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sitedocs import build_docs

from exporter._fs import atomic_write, clean_leftovers, is_leftover, temp_path
from exporter.site import render_site

# Runs in a child: render, and SIGKILL itself in the middle of the 8th file's os.replace (its
# temp file written, not yet renamed), as the OOM killer or a cancelled CI job would.
_KILLED_RENDER = """
import os, signal, sys
from pathlib import Path
import exporter._fs
from exporter.site import render_site

calls = 0
real = os.replace

def dying_replace(src, dst):
    global calls
    calls += 1
    if calls == 8:
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)

exporter._fs.os.replace = dying_replace
render_site(Path(sys.argv[1]), Path(sys.argv[2]), flavor="gfm", cache_dir=Path(sys.argv[3]))
"""


def _leftovers(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if is_leftover(p.name)
    )


def test_killed_site_render_leaves_no_temp_files_after_the_next_render(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    site, cache = tmp_path / "site", tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_RENDER, str(docs), str(site), str(cache)], env=env
    )
    assert child.returncode == -signal.SIGKILL
    assert _leftovers(site), "the kill left no temp file: the test would prove nothing"
    report = render_site(docs, site, flavor="gfm", cache_dir=cache)
    assert _leftovers(site) == [] and _leftovers(cache) == []
    assert report.pages == 10 and (site / "eng/guide/deep/deeper.html").is_file()


def test_temp_files_follow_the_one_leftover_pattern(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    assert is_leftover(temp_path(target).name)
    atomic_write(target, "<p>ok</p>")
    assert target.read_text() == "<p>ok</p>" and os.listdir(tmp_path) == ["page.html"]
    for name in (".page.html.0123456789ab.tmp", ".tmp-a1B2c3D4.html", ".scans.json.4242.tmp"):
        (tmp_path / name).write_text("half")
    (tmp_path / ".my-notes.tmp").write_text("a user's file")  # not ours: no 12-hex or pid part
    assert clean_leftovers(tmp_path) == 3
    assert sorted(os.listdir(tmp_path)) == [".my-notes.tmp", "page.html"]
