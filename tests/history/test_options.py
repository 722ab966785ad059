"""history.since, history.max_versions, the authors.yaml mapping, and their config errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from exporter.config.settings import load_config
from exporter.errors import ConfigError, OutputError
from exporter.sandbox import SandboxHandle
from tests.history.helpers import (
    EXPORT,
    export,
    git,
    history_config,
    log,
    new_repo,
    plain_export,
    seeded,
)
from tests.reliability.helpers import run_inprocess, tree_hashes

pytestmark = pytest.mark.timeout(300)


def export_dry(config: Path) -> Any:
    return run_inprocess(config, dry_run=True)


ANN = "712020:a0000000-1111-4111-8111-111111111111"


def _versions(repo: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for c in log(repo):
        if c.page_id and c.version is not None:
            found.setdefault(c.page_id, []).append(c.version)
    return found


def test_since_leaves_out_versions_made_before_that_day(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = seeded(sandbox_factory)
    repo = new_repo(tmp_path)
    export(history_config(sb, tmp_path / "run", repo, {"since": "2024-02-01"}))
    dates = [c.date for c in log(repo) if c.version is not None]
    assert dates and min(dates) >= "2024-02-01"
    ids = {r.title: r.id for r in sb.sandbox.store.content.values()}
    assert _versions(repo)[ids["Guide"]] == [3, 4] and _versions(repo)[ids["Runbook"]] == [2, 3]
    assert tree_hashes(repo / EXPORT / "docs") == plain_export(sb, tmp_path / "plain")


def test_max_versions_keeps_each_pages_last_versions(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = seeded(sandbox_factory)
    repo = new_repo(tmp_path)
    export(history_config(sb, tmp_path / "run", repo, {"max_versions": 1}))
    versions = _versions(repo)
    current = {
        r.id: r.version.number for r in sb.sandbox.store.content.values() if r.status == "current"
    }
    assert versions == {pid: [n] for pid, n in current.items() if pid in versions}
    assert len(versions) == 5
    assert tree_hashes(repo / EXPORT / "docs") == plain_export(sb, tmp_path / "plain")


def test_authors_file_maps_account_ids_to_real_names_and_emails(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = seeded(sandbox_factory)
    repo = new_repo(tmp_path)
    authors = tmp_path / "authors.yaml"
    authors.write_text(f'"{ANN}": "Ann A. Archer <ann@example.com>"\n')
    export(history_config(sb, tmp_path / "run", repo, {"authors": str(authors)}))
    people = {(c.author, c.email) for c in log(repo) if c.page_id}
    assert ("Ann A. Archer", "ann@example.com") in people
    assert not any(name == "Ann Archer" for name, _ in people)
    assert (
        "Ben Baker",
        "557058:b0000000-2222-4222-8222-222222222222@users.confluence.invalid",
    ) in people


def test_history_keys_load_typed(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "output: {history: git}\n"
        "history: {since: 2024-01-01, max_versions: 20, authors: authors.yaml}\n"
    )
    config = load_config(path, env={})
    assert config.output.history == "git"
    assert config.history.since == date(2024, 1, 1)
    assert config.history.max_versions == 20
    assert config.history.authors == tmp_path / "authors.yaml"
    assert load_config(None, env={}).output.history == "off"


def test_bad_history_keys_are_each_named(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("output: {history: svn}\nhistory: {since: last year, max_versions: 0}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    text = str(info.value)
    assert "output.history" in text and "history.since" in text and "history.max_versions" in text


def test_a_bad_authors_entry_stops_the_run_before_it_reads_anything(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = seeded(sandbox_factory)
    repo = new_repo(tmp_path)
    authors = tmp_path / "authors.yaml"
    authors.write_text(f'"{ANN}": just a name\n')
    with pytest.raises(ConfigError, match="must be"):
        export(history_config(sb, tmp_path / "run", repo, {"authors": str(authors)}))
    assert git(repo, "rev-list", "--all") == ""
    assert not (repo / EXPORT / "docs").exists()


def test_dry_run_with_history_commits_nothing(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = seeded(sandbox_factory)
    repo = new_repo(tmp_path)
    config = history_config(sb, tmp_path / "run", repo)
    summary = export_dry(config)
    assert summary.pages_exported == 5
    assert git(repo, "rev-list", "--all") == ""


def test_detached_head_is_refused_before_anything_is_read(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = seeded(sandbox_factory)
    repo = new_repo(tmp_path)
    git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@x",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
    )
    git(repo, "checkout", "-q", "--detach")
    with pytest.raises(OutputError, match="detached HEAD"):
        export(history_config(sb, tmp_path / "run", repo))
    assert not (repo / EXPORT / "docs").exists()
