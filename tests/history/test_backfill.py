"""A first export with history: one commit per version, in order, with authors and trailers."""

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
BEN = "557058:b0000000-2222-4222-8222-222222222222"


def _move_and_delete(sb: SandboxHandle) -> None:
    """A move (Notes under Runbook, its own version) and a deletion (Old plan), before export."""
    ids = {r.title: r.id for r in sb.sandbox.store.content.values()}
    sb.http.put(
        f"/__sandbox/pages/{ids['Notes']}",
        json={
            "parent_id": ids["Runbook"],
            "author": BEN,
            "message": "Move under Runbook",
            "when": "2024-05-01T08:00:00.000Z",
        },
    ).raise_for_status()
    sb.http.delete(f"/__sandbox/pages/{ids['Old plan']}").raise_for_status()


@pytest.fixture
def backfilled(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> tuple[SandboxHandle, Path]:
    sb = seeded(sandbox_factory)
    _move_and_delete(sb)
    repo = new_repo(tmp_path)
    export(history_config(sb, tmp_path / "run", repo))
    return sb, repo


def test_git_log_of_each_page_is_its_confluence_version_list_in_order(
    backfilled: tuple[SandboxHandle, Path],
) -> None:
    sb, repo = backfilled
    commits = [c for c in log(repo) if c.version is not None]
    got: dict[str, list[tuple[str, str, str]]] = {}
    for c in commits:
        got.setdefault(c.page_id, []).append((c.author, c.date, c.subject))
    assert got == expected_versions(sb)
    numbers = {pid: [c.version for c in commits if c.page_id == pid] for pid in got}
    assert all(n == list(range(1, len(n) + 1)) for n in numbers.values()), numbers


def test_version_commits_are_chronological_across_pages_then_one_housekeeping_commit(
    backfilled: tuple[SandboxHandle, Path],
) -> None:
    _, repo = backfilled
    commits = log(repo)
    dates = [c.date for c in commits if c.version is not None]
    assert dates == sorted(dates) and len(dates) == 12
    assert [c.page_id for c in commits].count("") == 1 and commits[-1].page_id == ""
    assert {c.committer for c in commits} == {"confluence-export"}


def test_each_version_commit_changes_only_its_page_file(
    backfilled: tuple[SandboxHandle, Path],
) -> None:
    _, repo = backfilled
    for c in log(repo):
        if c.version is not None:
            (path,) = files_of(repo, c.sha)
            text = git(repo, "show", f"{c.sha}:{path}")
            assert f'confluence_id: "{c.page_id}"' in text


def test_authors_have_no_reply_addresses_from_account_ids(
    backfilled: tuple[SandboxHandle, Path],
) -> None:
    _, repo = backfilled
    emails = {c.email for c in log(repo) if c.page_id}
    assert f"{BEN}@users.confluence.invalid" in emails
    assert all(e.endswith("@users.confluence.invalid") for e in emails)


def test_past_versions_hold_their_own_title_and_body(
    backfilled: tuple[SandboxHandle, Path],
) -> None:
    sb, repo = backfilled
    guide = next(r.id for r in sb.sandbox.store.content.values() if r.title == "Guide")
    first = next(c for c in log(repo) if c.page_id == guide and c.version == 1)
    (path,) = files_of(repo, first.sha)
    text = git(repo, "show", f"{first.sha}:{path}")
    assert "Guide draft" in text and "guide-1" in text and "Tidy" not in text


def test_final_tree_is_a_normal_export_byte_for_byte(
    backfilled: tuple[SandboxHandle, Path], tmp_path: Path
) -> None:
    sb, repo = backfilled
    assert git(repo, "status", "--porcelain", "--", EXPORT) == ""
    assert tree_hashes(repo / EXPORT / "docs") == plain_export(sb, tmp_path / "plain")
    committed = git(repo, "ls-tree", "-r", "--name-only", "HEAD", f"{EXPORT}/docs").split()
    on_disk = [f"{EXPORT}/docs/{p}" for p in tree_hashes(repo / EXPORT / "docs")]
    assert sorted(committed) == sorted(on_disk)


def test_a_second_run_without_changes_adds_no_commit(
    backfilled: tuple[SandboxHandle, Path], tmp_path: Path
) -> None:
    _, repo = backfilled
    before = log(repo)
    export(tmp_path / "run" / "config.yaml")
    assert log(repo) == before
