"""Every run records what it changed: ``--summary-json``'s ``changes``, the changes log in the
state folder, the site's Recent changes page and its Atom feed; a no-change run records nothing
and leaves a tracked docs repository clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import feedparser
import pytest

from exporter.sandbox import SandboxHandle
from exporter.sandbox.store import Store
from tests.e2e.helpers import STATE_DIR, current_content, git, ids_by_file

pytestmark = pytest.mark.timeout(300)


def _export(cwd: Path, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--config", "config.yaml", "export", "--out", "out",
         "--format", "both", "--flavor", "mkdocs", "--summary-json", "summary.json", *args],
        capture_output=True, text=True, cwd=cwd,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads((cwd / "summary.json").read_text(encoding="utf-8"))
    return data


def _status(repo: Path) -> list[str]:
    lines = git(repo, "status", "--porcelain", "-uall", "-z").split("\0")
    return sorted(line[3:] for line in lines if line)


def _pages(store: Store, exported: set[str]) -> tuple[str, str, str, str]:
    """(to edit, to move, its new parent, to delete): exported leaf pages, all different."""
    leaves = [
        r
        for r in current_content(store)
        if r.type == "page" and r.parent_id and not r.children and r.id in exported
    ]
    edit, move, gone = leaves[0], leaves[1], leaves[2]
    parent = store.content[move.parent_id or ""]
    target = next(
        r.id
        for r in current_content(store)
        if r.type == "page" and r.id in exported and r.id not in (parent.id, move.id, gone.id)
        and r.space_key == move.space_key and r.parent_id != move.id and r.id != edit.id
    )  # fmt: skip
    return edit.id, move.id, target, gone.id


def test_edits_moves_deletions_and_files_are_listed_in_the_summary_page_and_feed(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    sandbox.write_config(tmp_path / "config.yaml")
    out = tmp_path / "out"
    first = _export(tmp_path)
    assert {c["action"] for c in first["changes"] if c["kind"] == "page"} == {"added"}
    git(out, "init", "-q")
    git(out, "add", "-A")
    assert f"{STATE_DIR}/changes.jsonl" in git(out, "ls-files", "--", STATE_DIR).split()
    git(out, "commit", "-q", "-m", "first export")

    quiet = _export(tmp_path)
    assert quiet["changes"] == []
    assert _status(out) == []  # the log, the site's feed and the manifest all unchanged

    ids = ids_by_file(out / "docs")
    paths = {pid: f"docs/{p.relative_to(out / 'docs').as_posix()}" for p, pid in ids.items()}
    edit, move, parent, gone = _pages(sandbox.store, set(ids.values()))
    user = next(iter(sandbox.store.users.values()))
    sandbox.http.post(
        f"/__sandbox/pages/{edit}/attachments?filename=notes.txt", content=b"new file"
    ).raise_for_status()
    link = '<ac:link><ri:attachment ri:filename="notes.txt"/></ac:link>'
    body = sandbox.store.content[edit].body + f"<p>Port 8443 now, see {link}.</p>"
    sandbox.http.put(
        f"/__sandbox/pages/{edit}",
        json={"body": body, "message": "Fix the port", "author": user.display_name},
    ).raise_for_status()
    sandbox.http.put(f"/__sandbox/pages/{move}", json={"parent_id": parent}).raise_for_status()
    sandbox.http.delete(f"/__sandbox/pages/{gone}").raise_for_status()

    log = out / STATE_DIR / "changes.jsonl"
    logged = log.read_bytes()
    dry = _export(tmp_path, "--dry-run")
    assert dry["changes"] == [] and dry["plan"]  # a dry run plans, and records nothing
    assert log.read_bytes() == logged

    data = _export(tmp_path)
    changes = {(c["kind"], c["action"], c["page_id"], c.get("filename", "")): c
               for c in data["changes"]}  # fmt: skip
    edited = changes[("page", "edited", edit, "")]
    assert (edited["author"], edited["message"]) == (user.display_name, "Fix the port")
    moved = changes[("page", "moved", move, "")]
    assert moved["old_path"] == paths[move] and moved["path"] != paths[move]
    assert (out / moved["path"]).is_file()
    assert changes[("page", "deleted", gone, "")]["old_path"] == paths[gone]
    attached = changes[("attachment", "added", edit, "notes.txt")]
    assert (out / attached["path"]).read_bytes() == b"new file"
    assert "plan" in data and "warning_list" in data  # the existing keys stay

    runs = (out / STATE_DIR / "changes.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(runs) == 2  # the first export and this one; the quiet run added none
    assert json.loads(runs[-1])["changes"] == data["changes"]

    page = (out / "site" / "changes.html").read_text(encoding="utf-8")
    for change in changes.values():
        assert change["title"] in page
    assert "Fix the port" in page and user.display_name in page

    feed_bytes = (out / "site" / "changes.xml").read_bytes()
    feed = feedparser.parse(feed_bytes)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    newest = json.loads(runs[-1])["run"]
    latest = [e for e in feed.entries if e.id.startswith(f"urn:confluence-export:{newest}:")]
    assert len(latest) == len(data["changes"])
    assert f"urn:confluence-export:{newest}:{edit}" in {e.id for e in latest}
    by_id = {e.id: e for e in latest}
    assert "Fix the port" in by_id[f"urn:confluence-export:{newest}:{edit}"].summary

    # the `site` command renders the same feed from the log: the same entries and ids
    subprocess.run(
        [sys.executable, "-m", "exporter", "site", str(out / "docs"), "--out", str(out / "site")],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    assert (out / "site" / "changes.xml").read_bytes() == feed_bytes
