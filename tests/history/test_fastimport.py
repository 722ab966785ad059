"""The fast-import writer on its own: commits, authors, dates, paths git would misread."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from exporter.errors import OutputError
from exporter.history.fastimport import Change, FastImport, Ident, quote_path


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def test_commits_keep_author_date_and_order_and_only_their_files(repo: Path) -> None:
    bot = Ident("confluence-export", "bot@x.invalid", datetime(2026, 12, 1, tzinfo=UTC))
    ann = Ident("Ann Lee", "a1@users.confluence.invalid", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    ben = Ident("Ben", "b2@users.confluence.invalid", datetime(2024, 2, 1, tzinfo=UTC))
    writer = FastImport(repo, "refs/heads/main", None)
    one, two = writer.blob(b"# One\n"), writer.blob(b"# Two\n")
    writer.commit(
        ann, bot, "Create One\n\nConfluence-Version: 1\n", [Change("M", "docs/one.md", one)]
    )
    writer.commit(ben, bot, "Edit Two", [Change("M", "docs/a b/two.md", two)])
    sha = writer.close()
    assert sha == git(repo, "rev-parse", "main").strip()
    log = git(repo, "log", "--reverse", "--format=%an|%ae|%aI|%cn|%s").splitlines()
    assert log == [
        "Ann Lee|a1@users.confluence.invalid|2024-01-02T03:04:05+00:00|confluence-export|Create One",
        "Ben|b2@users.confluence.invalid|2024-02-01T00:00:00+00:00|confluence-export|Edit Two",
    ]
    assert git(repo, "show", "--format=", "--name-only", "main").split("\n")[0] == "docs/a b/two.md"
    assert git(repo, "show", "main:docs/one.md") == "# One\n"
    assert "Confluence-Version: 1" in git(repo, "log", "-1", "--format=%B", "main~1")


def test_first_commit_continues_the_given_parent_and_deletes_files(repo: Path) -> None:
    when = Ident("X", "x@x.invalid", datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2))))
    first = FastImport(repo, "refs/heads/main", None)
    first.commit(
        when,
        when,
        "base",
        [Change("M", "keep.txt", first.blob(b"k")), Change("M", "docs/old.md", first.blob(b"o"))],
    )
    base = first.close()
    second = FastImport(repo, "refs/heads/main", base)
    second.commit(when, when, "drop", [Change("D", "docs")])
    second.close()
    assert git(repo, "rev-parse", "main~1").strip() == base
    assert git(repo, "ls-tree", "-r", "--name-only", "main").split() == ["keep.txt"]
    assert git(repo, "log", "-1", "--format=%ai", "main").strip().endswith("+0200")


def test_paths_with_quotes_and_backslashes_are_quoted_for_git() -> None:
    assert quote_path("docs/plain name.md") == "docs/plain name.md"
    assert quote_path('docs/say "hi".md') == '"docs/say \\"hi\\".md"'
    assert quote_path("docs/a\\b.md") == '"docs/a\\\\b.md"'


def test_odd_path_lands_in_the_tree_as_written(repo: Path) -> None:
    when = Ident("X <evil>", "x@x.invalid", datetime(2024, 1, 1, tzinfo=UTC))
    writer = FastImport(repo, "refs/heads/main", None)
    writer.commit(when, when, "odd", [Change("M", 'docs/say "hi".md', writer.blob(b"q"))])
    writer.close()
    assert (
        git(repo, "ls-tree", "-r", "-z", "--name-only", "main").rstrip("\0") == 'docs/say "hi".md'
    )
    assert git(repo, "log", "-1", "--format=%an", "main").strip() == "X evil"


def test_a_broken_stream_raises_and_leaves_the_branch_alone(repo: Path) -> None:
    when = Ident("X", "x@x.invalid", datetime(2024, 1, 1, tzinfo=UTC))
    writer = FastImport(repo, "refs/heads/main", None)
    writer.commit(when, when, "bad", [Change("M", "a.md", ":99")])  # no such mark
    with pytest.raises(OutputError, match="fast-import failed"):
        writer.close()
    assert subprocess.run(["git", "rev-parse", "-q", "--verify", "main"], cwd=repo).returncode != 0
