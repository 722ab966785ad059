"""Runs after the first: only new versions become commits, then at most one housekeeping commit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exporter.sandbox import SandboxHandle
from tests.history.helpers import (
    EXPORT,
    expected_versions,
    export,
    files_of,
    git,
    history_config,
    log,
    new_repo,
    plain_export,
    seeded,
)
from tests.reliability.helpers import tree_hashes

pytestmark = pytest.mark.timeout(300)
ANN = "712020:a0000000-1111-4111-8111-111111111111"
BEN = "557058:b0000000-2222-4222-8222-222222222222"
CARA = "712020:c0000000-3333-4333-8333-333333333333"


def _ids(sb: SandboxHandle) -> dict[str, str]:
    return {r.title: r.id for r in sb.sandbox.store.content.values() if r.status == "current"}


def _edit(sb: SandboxHandle, page_id: str, n: int, author: str, **extra: object) -> None:
    """A new version a minute after the last (the sandbox's clock: after the last scan)."""
    sb.advance_clock(60)
    body = sb.sandbox.store.content[page_id].body + f"<p>Edit {n}.</p>"
    data = {"body": body, "author": author, **extra}
    sb.http.post(f"/__sandbox/pages/{page_id}/versions", json=data).raise_for_status()


@pytest.fixture
def started(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> tuple[SandboxHandle, Path, Path]:
    sb = seeded(sandbox_factory)
    repo = new_repo(tmp_path)
    config = history_config(sb, tmp_path / "run", repo)
    export(config)
    return sb, repo, config


def test_ten_edits_by_three_authors_add_exactly_ten_commits_and_one_housekeeping(
    started: tuple[SandboxHandle, Path, Path], tmp_path: Path
) -> None:
    sb, repo, config = started
    ids, before = _ids(sb), log(repo)
    authors = [ANN, BEN, CARA]
    # Guide goes from version 4 to 8 between runs: four commits, not one
    plan = ["Guide"] * 4 + ["Runbook"] * 3 + ["Notes", "History home", "Old plan"]
    for n, title in enumerate(plan):
        _edit(sb, ids[title], n, authors[n % 3], message=f"Change {n}" if n % 2 else "")
    routes_before = sb.stats()["by_route"]
    export(config)
    new = log(repo)[len(before) :]
    assert [c.sha for c in log(repo)[: len(before)]] == [c.sha for c in before]
    pages = [c for c in new if c.version is not None]
    assert len(pages) == 10 and new[:10] == pages
    assert len(new) - len(pages) <= 1  # the housekeeping commit, last
    assert [c.subject for c in pages][:2] == ["Edit Guide", "Change 1"]
    got: dict[str, list[tuple[str, str, str]]] = {}
    for c in log(repo):
        if c.version is not None:
            got.setdefault(c.page_id, []).append((c.author, c.date, c.subject))
    assert got == expected_versions(sb)
    for c in pages:
        assert len(files_of(repo, c.sha)) == 1
    assert git(repo, "status", "--porcelain", "--", EXPORT) == ""
    assert tree_hashes(repo / EXPORT / "docs") == plain_export(sb, tmp_path / "plain")
    routes = {k: v - routes_before.get(k, 0) for k, v in sb.stats()["by_route"].items()}
    # one version list per edited page; a body only for the versions before the current one
    assert routes["GET /wiki/api/v2/pages/{id}/versions"] == 5
    assert routes["GET /wiki/api/v2/pages/{id}"] == 3 + 2


def test_a_run_without_changes_adds_no_commit(
    started: tuple[SandboxHandle, Path, Path],
) -> None:
    _, repo, config = started
    before = log(repo)
    export(config)
    export(config)
    assert log(repo) == before


def test_a_move_and_a_deletion_are_commits_of_their_own_before_housekeeping(
    started: tuple[SandboxHandle, Path, Path], tmp_path: Path
) -> None:
    sb, repo, config = started
    ids, before = _ids(sb), log(repo)
    sb.http.delete(f"/__sandbox/pages/{ids['Old plan']}").raise_for_status()
    sb.advance_clock(60)
    sb.http.post(
        f"/__sandbox/pages/{ids['Notes']}/versions",
        json={"parent_id": ids["Guide"], "author": CARA},
    ).raise_for_status()
    export(config)
    new = log(repo)[len(before) :]
    # the version Notes got; Guide (now with a child: guide/index.md) and Notes moved; the
    # deletion; then the housekeeping commit
    assert [(c.page_id, c.version) for c in new] == [
        (ids["Notes"], 3),
        (ids["Guide"], None),
        (ids["Notes"], None),
        (ids["Old plan"], None),
        ("", None),
    ]
    assert [c.subject for c in new[1:4]] == ["Move Guide", "Move Notes", "Delete Old plan"]
    assert sorted(files_of(repo, new[1].sha)) == [
        f"{EXPORT}/docs/his/guide.md",
        f"{EXPORT}/docs/his/guide/index.md",
    ]
    # Notes' version commit already wrote it where it is now; its move drops the old file
    assert files_of(repo, new[0].sha) == [f"{EXPORT}/docs/his/guide/notes.md"]
    assert files_of(repo, new[2].sha) == [f"{EXPORT}/docs/his/notes.md"]
    assert files_of(repo, new[3].sha) == [f"{EXPORT}/docs/his/old-plan.md"]
    assert {c.author for c in new[1:]} == {"confluence-export"}
    assert git(repo, "status", "--porcelain", "--", EXPORT) == ""
    assert tree_hashes(repo / EXPORT / "docs") == plain_export(sb, tmp_path / "plain")
