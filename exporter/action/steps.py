"""The GitHub Action's steps, as Python so they can be tested: ``python -m exporter.action STEP``.

Steps, in ``action.yml``'s order: ``prepare`` masks every runtime secret, names the auth mode
and, for OAuth, checks the secret write-back and seeds the token file; ``cache`` names the
state folder and a key for ``actions/cache``; ``export`` runs the export and writes the outputs
(each declared in action.yml); ``commit`` commits and pushes the output folder when ``commit``
is true and files changed; ``finish`` fails the job (exit 3) when pages or attachments failed,
after good content was committed.

The OAuth refresh token's write-back to the repository secret is ``exporter.action.secrets``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from exporter.action.secrets import add_mask, rotation_hook_from_env
from exporter.errors import ExitCode, ExportError
from exporter.history.repo import head_of, unpushed

__all__ = ["BOT_EMAIL", "BOT_NAME", "STEPS", "export_command", "main"]

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
SECRET_ENV = ("CONFLUENCE_API_TOKEN", "CONFLUENCE_CLIENT_SECRET", "CONFLUENCE_REFRESH_TOKEN")
# --- the action's steps ------------------------------------------------------------------


def _input(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get("INPUT_" + name.upper().replace("-", "_"), "").strip() or default


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes", "on")


def write_outputs(values: Mapping[str, object], env: Mapping[str, str]) -> None:
    """Append ``name=value`` lines to ``$GITHUB_OUTPUT`` (printed when it is not set); every
    name must be declared under ``outputs:`` in action.yml."""
    lines = "".join(f"{k}={v}\n" for k, v in values.items())
    path = env.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(lines)
    else:
        sys.stdout.write(lines)


def _workspace(env: Mapping[str, str]) -> Path:
    return Path(env.get("GITHUB_WORKSPACE") or ".")


def _config_path(env: Mapping[str, str]) -> Path | None:
    """The config input; the default config.yaml only when it exists in the workspace."""
    path = Path(_input(env, "config", "config.yaml"))
    return path if (_workspace(env) / path).exists() or _input(env, "config") else None


def _load_config(env: Mapping[str, str]) -> Any:
    from exporter.config.settings import Config, load_config

    path = _config_path(env)
    # No file: the defaults, without load_config looking at the process's working directory.
    return Config() if path is None else load_config(_workspace(env) / path, env=env)


def _output_dir(env: Mapping[str, str]) -> Path:
    given = _input(env, "output-dir")
    return Path(given) if given else Path(_load_config(env).output.dir)


def step_prepare(env: Mapping[str, str]) -> int:
    """Mask secrets, name the auth mode, and for OAuth check write-back and seed the token file."""
    for name in (*SECRET_ENV, "GH_TOKEN"):
        add_mask(env.get(name))
    refresh = env.get("CONFLUENCE_REFRESH_TOKEN", "")
    if not refresh:
        mode = "API token" if env.get("CONFLUENCE_API_TOKEN") else "from config.yaml"
        print(f"auth: {mode}")
        return ExitCode.OK
    print("auth: OAuth (refresh token from a repository secret)")
    hook = rotation_hook_from_env(env)
    if hook is None:
        print(
            "::warning::OAuth without oauth-secret-name: the rotated refresh token will not be "
            "saved, so the secret stops working after this run. Set oauth-secret-name and "
            "github-token, or use an API token."
        )
    else:
        hook.check()
    from exporter.auth.tokens import TokenSet, TokenStore

    store = TokenStore(_load_config(env).auth.token_file)
    # An expired access token makes the first request refresh (and write back) at once.
    store.save(TokenSet(refresh_token=refresh, access_token="", expires_at=0.0))
    print(f"token file: {store.path}")
    return ExitCode.OK


def export_command(env: Mapping[str, str], summary_path: Path) -> list[str]:
    """The ``confluence-export`` command line the action's inputs ask for."""
    base = env.get("CONFLUENCE_EXPORT_BIN")  # tests point this at a stand-in
    cmd = base.split() if base else [sys.executable, "-m", "exporter"]
    config = _config_path(env)
    if config is not None:
        cmd += ["--config", str(config)]
    cmd += ["--log-format", "github", "export", "--summary-json", str(summary_path)]
    for flag, name in (("--out", "output-dir"), ("--format", "format"), ("--flavor", "flavor")):
        if _input(env, name):
            cmd += [flag, _input(env, name)]
    keys = _input(env, "spaces").replace(",", " ").split()
    cmd += [arg for key in keys for arg in ("--space", key)]
    cmd += ["--history"] if _truthy(_input(env, "history")) else []
    return cmd + (["--allow-deletions"] if _truthy(_input(env, "allow-deletions")) else [])


STATE_DIR_NAME = ".confluence-export"


def git_changed(path: Path, cwd: Path) -> bool:
    """Whether ``git status`` shows a change (new files included) under ``path``, the state
    folder left out: it is committed with content, never alone (its caches are no content)."""
    exclude = f":(exclude){(path / STATE_DIR_NAME).as_posix()}"
    out = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", str(path), exclude],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return bool(out.stdout.strip())


def step_cache(env: Mapping[str, str]) -> int:
    """Name the state folder and a cache key for ``actions/cache``: the folder's cache
    (``cache.sqlite``, ``site-cache/``, ``scans.json``) is restored from the last run instead of
    committed; ``manifest.json`` is committed with the docs (docs/output.md, the state folder)."""
    state = (_output_dir(env) / STATE_DIR_NAME).as_posix()
    key = "".join(c if c.isalnum() else "-" for c in state).strip("-") or "state"
    write_outputs({"state-dir": state, "key": f"confluence-export-{key}"}, env)
    return ExitCode.OK


def untrack_ignored(path: Path, cwd: Path) -> None:
    """Stop tracking what the state folder's .gitignore keeps out (the caches an older version
    committed): they leave git with the next commit and stay on disk."""
    state = (path / STATE_DIR_NAME).as_posix()
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--ignored", "--exclude-standard", "--", state],
        cwd=cwd, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    names = [name for name in listed.split("\0") if name]
    for start in range(0, len(names), 500):
        subprocess.run(["git", "rm", "-q", "--cached", "--", *names[start : start + 500]],
                       cwd=cwd, capture_output=True, text=True, check=True)  # fmt: skip


def step_export(env: Mapping[str, str]) -> int:
    """Run the export, then write the outputs; a partial export (3) still lets commit run."""
    workspace = _workspace(env)
    summary_path = Path(env.get("RUNNER_TEMP") or workspace) / "confluence-export-summary.json"
    summary_path.unlink(missing_ok=True)
    head = head_of(workspace)
    code = subprocess.run(
        export_command(env, summary_path), cwd=workspace, env=dict(env)
    ).returncode
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {}
    pages, attachments = summary.get("pages") or {}, summary.get("attachments") or {}
    changed = code in (ExitCode.OK, ExitCode.PARTIAL) and (
        git_changed(_output_dir(env), workspace) or head_of(workspace) != head  # history commits
    )
    write_outputs(
        {
            "changed": str(changed).lower(),
            "pages-exported": pages.get("exported", 0),
            "pages-failed": pages.get("failed", 0),
            "attachments-failed": attachments.get("failed", 0),
            "exit-code": code,
        },
        env,
    )
    if code == ExitCode.PARTIAL:
        print("::warning::Some pages or attachments failed; the rest is exported (see above).")
        return ExitCode.OK  # the commit step still runs; finish fails the job
    return code


def step_commit(env: Mapping[str, str]) -> int:
    """Commit and push the output when ``commit`` is true and it changed (``history``: push)."""
    if not _truthy(_input(env, "commit", "false")):
        print("commit: false, leaving the changes to a later step")
        return ExitCode.OK
    workspace = _workspace(env)
    out = _output_dir(env)
    history = _truthy(_input(env, "history"))
    ref = env.get("GITHUB_REF", "")
    if not (unpushed(workspace, ref) if history else git_changed(out, workspace)):
        print("nothing changed; no commit")
        return ExitCode.OK
    message = _input(env, "commit-message", "docs: export from Confluence")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=workspace, check=True, capture_output=True, text=True
        ).stdout.strip()

    identity = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
    if not history:
        git("add", "--all", "--", str(out))
        untrack_ignored(out, workspace)
        # The index as staged (so untracked caches leave git), unless an earlier step staged
        # files outside the output: then only the output's files, as they are on disk.
        others = git("diff", "--cached", "--name-only", "--", ".", f":(exclude){out.as_posix()}")
        git(*identity, "commit", "-q", "-m", message, *(["--", str(out)] if others else []))
    target = ["HEAD:" + ref] if ref.startswith("refs/heads/") else []
    try:
        git("push", "-q", "origin", *target)
    except subprocess.CalledProcessError:
        if not target:
            raise
        # Someone pushed meanwhile (a person, or a run outside the concurrency group): replay
        # our commit on top of theirs once, then push again.
        print("push was rejected; rebasing on the remote branch and pushing again")
        git(*identity, "pull", "-q", "--rebase", "--autostash", "origin", ref)
        git("push", "-q", "origin", *target)
    sha = git("rev-parse", "HEAD")
    write_outputs({"commit-sha": sha}, env)
    print(f"committed {sha[:12]} and pushed")
    return ExitCode.OK


def step_finish(env: Mapping[str, str]) -> int:
    """Exit 3 when pages or attachments failed (what ``--summary-json`` counts, or the export's
    exit code says), so the job is red although good content was kept."""
    pages, attachments, code = (
        env.get(name, "").strip() or "0"
        for name in ("PAGES_FAILED", "ATTACHMENTS_FAILED", "EXPORT_EXIT_CODE")
    )
    if pages == attachments == "0" and code != str(int(ExitCode.PARTIAL)):
        return ExitCode.OK
    print(f"::error title=Confluence export::{pages} page(s), {attachments} attachment(s) failed")
    return ExitCode.PARTIAL


STEPS: dict[str, Callable[[Mapping[str, str]], int]] = {
    "prepare": step_prepare,
    "cache": step_cache,
    "export": step_export,
    "commit": step_commit,
    "finish": step_finish,
}


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run one step by name; errors become ``::error::`` lines and the error's exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in STEPS:
        print(f"usage: python -m exporter.action {{{','.join(STEPS)}}}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        return STEPS[args[0]](os.environ if env is None else env)
    except ExportError as exc:
        text = str(exc).replace("%", "%25").replace("\n", "%0A")
        print(f"::error title=confluence-export {args[0]}::{text}")
        return exc.exit_code
    except subprocess.CalledProcessError as exc:
        words = [w for w in exc.cmd if not w.startswith(("-c", "user."))]
        detail = str(exc.stderr or "").strip().replace("\n", "%0A")
        print(f"::error title=confluence-export {args[0]}::{' '.join(words[:3])} failed: {detail}")
        return ExitCode.UNEXPECTED
