"""The git repository holding the output folder, through git's own plumbing commands.

History goes to the branch checked out in the repository that contains ``OUT`` (one is made
with ``git init`` when there is none). What has been committed is read from the branch's tip
(``history.json`` in the state folder), never from the working tree: a run killed after writing
that file but before moving the branch leaves the tip, and so the record, as they were.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exporter.errors import OutputError
from exporter.history.fastimport import Ident

__all__ = ["Repo", "head_of", "unpushed"]

log = logging.getLogger(__name__)


class Repo:
    """The repository of ``out``: its root, the branch, the tip, and ``out``'s path in it."""

    def __init__(self, out: Path) -> None:
        out = out.resolve()
        top = self._run(["rev-parse", "--show-toplevel"], out, check=False)
        if top.returncode != 0:
            self._run(["init", "-q"], out)
            log.info("History: made a git repository in %s", out)
            top = self._run(["rev-parse", "--show-toplevel"], out)
        self.root = Path(top.stdout.strip()).resolve()
        rel = out.relative_to(self.root).as_posix()
        self.prefix = "" if rel == "." else rel + "/"  # out's path in the repository
        branch = self._run(["symbolic-ref", "-q", "HEAD"], self.root, check=False)
        if branch.returncode != 0:
            raise OutputError(
                f"The git repository {self.root} has no branch checked out (detached HEAD); "
                "history is written to a branch: check one out (git switch BRANCH) and run again."
            )
        self.branch = branch.stdout.strip()

    @staticmethod
    def _run(
        args: list[str], cwd: Path, *, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
        )
        if check and done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            raise OutputError(
                f"git {args[0]} failed in {cwd} ({detail}); the branch was left as it was. "
                "Fix the repository and run the export again."
            )
        return done

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run git in the repository root; its stdout, stripped."""
        return self._run(list(args), self.root, env=env).stdout.strip()

    def tip(self) -> str | None:
        """The branch's last commit (None while the branch has none)."""
        done = self._run(["rev-parse", "-q", "--verify", self.branch], self.root, check=False)
        return done.stdout.strip() or None

    def read_json(self, commit: str | None, path: str) -> Any:
        """A JSON file (repository path) as ``commit`` holds it; None when missing or damaged."""
        if commit is None:
            return None
        done = self._run(["show", f"{commit}:{path}"], self.root, check=False)
        if done.returncode != 0:
            return None
        try:
            return json.loads(done.stdout)
        except ValueError:
            return None

    def has_path(self, commit: str | None, path: str) -> bool:
        """Whether ``commit``'s tree has ``path`` (a file or a folder)."""
        if commit is None:
            return False
        done = self._run(["cat-file", "-e", f"{commit}:{path}"], self.root, check=False)
        return done.returncode == 0

    def final_tree(self, base: str | None, force: Sequence[str] = ()) -> str:
        """The tree ``base`` would have with ``out`` as the working tree has it now (what
        ``git add --all -- OUT`` stages, ``.gitignore`` honoured, ``force`` paths added even
        when ignored), through a scratch index."""
        with tempfile.TemporaryDirectory(prefix="confluence-export-index-") as scratch:
            env = {**os.environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
            if base is not None:
                self.git("read-tree", base, env=env)
            self.git("add", "--all", "--", self.prefix or ".", env=env)
            if force:
                self.git("add", "--force", "--", *force, env=env)
            return self.git("write-tree", env=env)

    def tree_of(self, commit: str) -> str:
        return self.git("rev-parse", f"{commit}^{{tree}}")

    def top_entries(self, tree: str) -> list[tuple[str, str, str]]:
        """``(mode, sha, name)`` of a tree's top-level entries."""
        out = self._run(["ls-tree", "-z", tree], self.root).stdout
        entries = []
        for line in filter(None, out.split("\0")):
            meta, name = line.split("\t", 1)
            mode, _kind, sha = meta.split()
            entries.append((mode, sha, name))
        return entries

    def commit_tree(self, tree: str, parent: str | None, who: Ident, message: str) -> str:
        """A commit of ``tree`` on ``parent`` by ``who`` (author and committer)."""
        stamp = who.raw().decode().rsplit(" ", 2)
        date = f"@{stamp[1]} {stamp[2]}"
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": who.name,
            "GIT_AUTHOR_EMAIL": who.email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": who.name,
            "GIT_COMMITTER_EMAIL": who.email,
            "GIT_COMMITTER_DATE": date,
        }
        parents = ["-p", parent] if parent else []
        return self.git("commit-tree", tree, *parents, "-m", message, env=env)

    def move_branch(self, new: str, old: str | None) -> None:
        """Point the branch at ``new`` if it still is at ``old``, then refresh the index under
        ``out`` when the branch is the one checked out (the working tree already matches)."""
        self.git("update-ref", self.branch, new, old or "0" * 40)
        self.git("reset", "-q", new, "--", self.prefix or ".")


def head_of(workspace: Path) -> str:
    """The HEAD commit of the repository at ``workspace`` ("" before the first)."""
    done = Repo._run(["rev-parse", "-q", "--verify", "HEAD"], workspace, check=False)
    return done.stdout.strip()


def unpushed(workspace: Path, ref: str) -> bool:
    """Whether HEAD has commits that ``origin``'s copy of branch ``ref`` lacks (the commits a
    history export made, for the Action to push)."""
    upstream = f"refs/remotes/origin/{ref.removeprefix('refs/heads/')}"
    if Repo._run(["rev-parse", "-q", "--verify", upstream], workspace, check=False).returncode:
        return bool(head_of(workspace))
    count = Repo._run(["rev-list", "--count", f"{upstream}..HEAD"], workspace, check=False)
    return count.stdout.strip() not in ("", "0")
