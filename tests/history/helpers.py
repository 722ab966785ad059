"""Plumbing of the history tests: a seeded sandbox, exports into a git repository, git log."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exporter.sandbox import SandboxHandle
from tests.reliability.helpers import run_inprocess, tree_hashes, write_config

SEED = Path(__file__).parent / "seed"
EXPORT = "export"  # the output folder inside the repository
SEP, END = "\x1f", "\x1e"


def git(repo: Path, *args: str) -> str:
    """git's stdout (raises on failure)."""
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def new_repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def history_config(
    sb: SandboxHandle, folder: Path, repo: Path, history: dict[str, Any] | None = None
) -> Path:
    """A config exporting every space into ``repo/export`` with ``output.history: git``."""
    path = write_config(sb, folder, out=repo / EXPORT, output={"history": "git"})
    if history:
        import yaml

        data = yaml.safe_load(path.read_text())
        data["history"] = history
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def export(config: Path) -> Any:
    return run_inprocess(config)


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    date: str  # ISO strict
    subject: str
    page_id: str
    version: int | None
    committer: str
    tree: str


def log(repo: Path) -> list[Commit]:
    """Every commit of the branch, oldest first, with its Confluence trailers."""
    fmt = SEP.join(
        [
            "%H",
            "%an",
            "%ae",
            "%aI",
            "%s",
            "%(trailers:key=Confluence-Page-Id,valueonly,separator=)",
            "%(trailers:key=Confluence-Version,valueonly,separator=)",
            "%cn",
            "%T",
        ]
    )
    out = git(repo, "log", "--reverse", f"--format={fmt}{END}")
    commits = []
    for record in filter(None, (r.strip("\n") for r in out.split(END))):
        sha, an, ae, ad, s, pid, ver, cn, tree = record.split(SEP)
        commits.append(
            Commit(sha, an, ae, ad, s, pid.strip(), int(ver) if ver.strip() else None, cn, tree)
        )
    return commits


def files_of(repo: Path, sha: str) -> list[str]:
    """The paths a commit changed."""
    return git(repo, "show", "--format=", "--name-only", "--no-renames", sha).split()


def expected_versions(sb: SandboxHandle) -> dict[str, list[tuple[str, str, str]]]:
    """Per current page of the sandbox: (author name, ISO date, subject) of each version."""
    store = sb.sandbox.store
    found: dict[str, list[tuple[str, str, str]]] = {}
    for record in store.content.values():
        if record.type != "page" or record.status != "current":
            continue
        rows = []
        for v in record.versions:
            title = v.title or record.title
            subject = v.message or f"{'Create' if v.number == 1 else 'Edit'} {title}"
            name = store.users[v.author_id].display_name
            when = v.created_at.replace(microsecond=0).isoformat()  # git keeps whole seconds
            rows.append((name, when, subject))
        found[record.id] = rows
    return found


def plain_export(sb: SandboxHandle, folder: Path) -> dict[str, str]:
    """The docs folder of a normal export (no history) of the same sandbox, hashed."""
    config = write_config(sb, folder, out=folder / "out")
    run_inprocess(config)
    return tree_hashes(folder / "out" / "docs")


def seeded(factory: Callable[..., SandboxHandle], **knobs: Any) -> SandboxHandle:
    return factory(seed=SEED, **knobs)
