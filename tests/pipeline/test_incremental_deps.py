"""Incremental runs re-render every page whose output depends on what changed (issue 13, #2).

A grandchild renamed or deleted must update its ancestor's ``children`` (with depth) and the
homepage's ``pagetree`` in the docs and the site, at once and for good, and the mkdocs build
of the result stays strict-clean.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.sandbox import SandboxHandle, SandboxOptions, start_sandbox
from tests.e2e.helpers import run_export
from tests.pipeline.replay import SEED, SPACE, diff_trees

pytestmark = pytest.mark.timeout(300)

CHILDREN_2 = (
    '<p>Below:</p><ac:structured-macro ac:name="children">'
    '<ac:parameter ac:name="depth">2</ac:parameter></ac:structured-macro>'
)


@pytest.fixture
def space() -> Iterator[tuple[SandboxHandle, dict[str, str]]]:
    """Home (pagetree of @home) > Guide (children, depth 2) > Section > Detail."""
    with start_sandbox(SandboxOptions(seed=SEED)) as sandbox:
        home = next(r.id for r in sandbox.store.content.values() if r.title == "Home")
        ids = {"home": home}
        for name, title, parent, body in [
            ("guide", "Guide", "home", CHILDREN_2),
            ("section", "Section", "guide", "<p>Section.</p>"),
            ("detail", "Detail", "section", "<p>Detail.</p>"),
        ]:
            reply = sandbox.http.post(
                "/__sandbox/pages",
                json={"space": SPACE, "title": title, "body": body, "parent_id": ids[parent]},
            )
            reply.raise_for_status()
            ids[name] = str(reply.json()["id"])
        yield sandbox, ids


def _snapshot(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".confluence-export" not in p.parts
    }


def _texts(out: Path) -> dict[str, str]:
    """The Markdown and HTML of the guide and the homepage."""
    docs, site = out / "docs" / "diff", out / "site" / "diff"
    return {
        "guide.md": (docs / "guide" / "index.md").read_text(encoding="utf-8"),
        "home.md": (docs / "index.md").read_text(encoding="utf-8"),
        "guide.html": (site / "guide" / "index.html").read_text(encoding="utf-8"),
        "home.html": (site / "index.html").read_text(encoding="utf-8"),
    }


def _mkdocs_strict(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(out / "mkdocs.yml"),
         "-d", str(out.parent / f"{out.name}-mkdocs")],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip


def _check_fresh(sandbox: SandboxHandle, out: Path, tmp_path: Path, gone: str) -> None:
    for name, text in _texts(out).items():
        assert gone not in text, f"{name} still shows {gone!r}"
    before = _snapshot(out)
    run_export(sandbox, out, flavor="mkdocs", fmt="both")
    assert _snapshot(out) == before, "a further plain run still changed files"
    full = tmp_path / f"full-{gone.replace(' ', '-')}"
    run_export(sandbox, full, flavor="mkdocs", fmt="both", full=True)
    assert diff_trees(out, full) == ""
    built = _mkdocs_strict(out)
    assert built.returncode == 0, built.stdout + built.stderr


def test_renamed_grandchild_updates_ancestor_children_and_homepage_pagetree(
    space: tuple[SandboxHandle, dict[str, str]], tmp_path: Path
) -> None:
    sandbox, ids = space
    out = tmp_path / "out"
    run_export(sandbox, out, flavor="mkdocs", fmt="both")
    texts = _texts(out)
    assert "Detail" in texts["guide.md"] and "Detail" in texts["home.md"]
    sandbox.http.put(f"/__sandbox/pages/{ids['detail']}", json={"title": "Particulars"})
    run_export(sandbox, out, flavor="mkdocs", fmt="both")
    texts = _texts(out)
    assert "[Particulars](section/particulars.md)" in texts["guide.md"]
    assert "[Particulars](guide/section/particulars.md)" in texts["home.md"]
    assert "Particulars" in texts["guide.html"] and "Particulars" in texts["home.html"]
    _check_fresh(sandbox, out, tmp_path, "Detail")


def test_deleted_grandchild_leaves_no_dead_link_in_ancestor_or_homepage(
    space: tuple[SandboxHandle, dict[str, str]], tmp_path: Path
) -> None:
    sandbox, ids = space
    out = tmp_path / "out"
    run_export(sandbox, out, flavor="mkdocs", fmt="both")
    sandbox.http.delete(f"/__sandbox/pages/{ids['detail']}").raise_for_status()
    run_export(sandbox, out, flavor="mkdocs", fmt="both")
    texts = _texts(out)
    assert "Section" in texts["guide.md"] and "Section" in texts["home.md"]
    _check_fresh(sandbox, out, tmp_path, "Detail")
