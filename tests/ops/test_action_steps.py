"""The action's steps (python -m exporter.action STEP) in a temporary git repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exporter.action.steps import BOT_EMAIL, BOT_NAME, export_command, main

FAKE = Path(__file__).with_name("fake_export.py")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    (work / "README.md").write_text("docs repo\n")
    git(work, "add", "README.md")
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "origin", "main")
    return work


def action_env(work: Path, **inputs: str) -> dict[str, str]:
    tmp = work.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "FAKE_"))}
    env.update(
        GITHUB_WORKSPACE=str(work),
        GITHUB_OUTPUT=str(tmp / "github_output"),
        GITHUB_STEP_SUMMARY=str(tmp / "step_summary"),
        GITHUB_REF="refs/heads/main",
        RUNNER_TEMP=str(tmp),
        CONFLUENCE_EXPORT_BIN=f"{sys.executable} {FAKE}",
        FAKE_ARGV_LOG=str(tmp / "argv.log"),
        INPUT_OUTPUT_DIR="export",
    )
    env.update({"INPUT_" + k.upper(): v for k, v in inputs.items()})
    return env


def outputs(work: Path) -> dict[str, str]:
    path = work.parent / "github_output"
    lines = path.read_text().splitlines() if path.exists() else []
    path.unlink(missing_ok=True)
    return dict(line.split("=", 1) for line in lines)


def run_step(step: str, env: dict[str, str], cwd: Path) -> int:
    return main([step], env)


def test_steps_run_as_a_module_in_the_workspace(workspace):
    env = action_env(workspace, commit="true")
    env["FAKE_PAGES"] = "ENG/index=hello"
    for step in ("prepare", "export", "commit"):
        done = subprocess.run(
            [sys.executable, "-m", "exporter.action", step], env=env, cwd=workspace
        )
        assert done.returncode == 0
    assert outputs(workspace)["changed"] == "true"
    assert git(workspace, "rev-list", "--count", "HEAD") == "2"


def test_export_then_commit_makes_one_commit_and_none_when_nothing_changed(workspace):
    env = action_env(workspace, commit="true", commit_message="docs: sync")
    env["FAKE_PAGES"] = "ENG/index=hello,ENG/setup=steps"
    assert run_step("export", env, workspace) == 0
    assert outputs(workspace) == {
        "changed": "true",
        "pages-exported": "2",
        "pages-failed": "0",
        "attachments-failed": "0",
        "exit-code": "0",
    }
    assert run_step("commit", env, workspace) == 0
    sha = outputs(workspace)["commit-sha"]
    assert (
        git(workspace, "log", "-1", "--format=%an <%ae>|%s")
        == f"{BOT_NAME} <{BOT_EMAIL}>|docs: sync"
    )
    assert git(workspace.parent / "remote.git", "rev-parse", "main") == sha
    assert git(workspace, "rev-list", "--count", "HEAD") == "2"

    assert run_step("export", env, workspace) == 0
    assert outputs(workspace)["changed"] == "false"
    assert run_step("commit", env, workspace) == 0
    assert outputs(workspace) == {}
    assert git(workspace, "rev-list", "--count", "HEAD") == "2"


def test_commit_rebases_when_the_branch_moved_meanwhile(workspace):
    other = workspace.parent / "other"
    subprocess.run(["git", "clone", "-q", str(workspace.parent / "remote.git"), str(other)])
    (other / "NOTES.md").write_text("a person's edit\n")
    git(other, "add", "NOTES.md")
    git(other, "-c", "user.name=p", "-c", "user.email=p@example.com", "commit", "-q", "-m", "n")
    git(other, "push", "-q", "origin", "main")
    (workspace / "unrelated.txt").write_text("staged but not ours to commit\n")
    git(workspace, "add", "unrelated.txt")

    env = action_env(workspace, commit="true")
    env["FAKE_PAGES"] = "ENG/index=hello"
    assert run_step("export", env, workspace) == 0
    assert run_step("commit", env, workspace) == 0
    remote_log = git(workspace.parent / "remote.git", "log", "--format=%s", "main")
    assert remote_log.splitlines() == ["docs: export from Confluence", "n", "init"]
    assert git(workspace, "show", "--name-only", "--format=", "HEAD") == "export/docs/ENG/index.md"


def test_commit_false_leaves_changes_for_a_later_step(workspace):
    env = action_env(workspace, commit="false")
    env["FAKE_PAGES"] = "ENG/index=hello"
    assert run_step("export", env, workspace) == 0
    assert outputs(workspace)["changed"] == "true"
    assert run_step("commit", env, workspace) == 0
    assert git(workspace, "rev-list", "--count", "HEAD") == "1"
    assert "export/" in git(workspace, "status", "--porcelain")


def test_partial_export_commits_the_rest_then_finish_fails(workspace):
    env = action_env(workspace, commit="true")
    env.update(FAKE_PAGES="ENG/index=hello", FAKE_FAILED="1", FAKE_EXIT="3")
    assert run_step("export", env, workspace) == 0
    out = outputs(workspace)
    assert (out["pages-failed"], out["exit-code"], out["changed"]) == ("1", "3", "true")
    assert run_step("commit", env, workspace) == 0
    assert git(workspace, "rev-list", "--count", "HEAD") == "2"
    assert run_step("finish", {**env, "PAGES_FAILED": out["pages-failed"]}, workspace) == 3
    assert run_step("finish", {**env, "PAGES_FAILED": "0"}, workspace) == 0


def test_failed_export_fails_the_step_with_its_exit_code(workspace):
    env = action_env(workspace, commit="true")
    env.update(FAKE_EXIT="4")
    assert run_step("export", env, workspace) == 4
    assert outputs(workspace)["changed"] == "false"


def test_inputs_become_command_line_flags(tmp_path):
    config = tmp_path / "export.yml"
    config.write_text("{}\n")
    env = {
        "CONFLUENCE_EXPORT_BIN": "confluence-export",
        "INPUT_CONFIG": str(config),
        "INPUT_SPACES": "ENG, OPS  DOC",
        "INPUT_OUTPUT_DIR": "out",
        "INPUT_FORMAT": "docs",
        "INPUT_FLAVOR": "gfm",
    }
    assert export_command(env, Path("/tmp/s.json")) == [
        "confluence-export",
        "--config",
        str(config),
        "--log-format",
        "github",
        "export",
        "--summary-json",
        "/tmp/s.json",
        "--out",
        "out",
        "--format",
        "docs",
        "--flavor",
        "gfm",
        "--space",
        "ENG",
        "--space",
        "OPS",
        "--space",
        "DOC",
    ]


def test_empty_inputs_leave_the_config_in_charge(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cmd = export_command({"CONFLUENCE_EXPORT_BIN": "ce"}, Path("s.json"))
    assert cmd == ["ce", "--log-format", "github", "export", "--summary-json", "s.json"]


def test_prepare_masks_secrets_and_names_the_auth_mode_only(capsys):
    env = {"CONFLUENCE_API_TOKEN": "ATATT-secret-value", "CONFLUENCE_EMAIL": "me@example.com"}
    assert main(["prepare"], env) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["::add-mask::ATATT-secret-value", "auth: API token"]


def test_prepare_for_oauth_checks_write_back_then_seeds_the_token_file(tmp_path, capsys):
    from exporter.auth.tokens import TokenStore

    from .fake_github import FakeGitHub

    github = FakeGitHub().start()
    try:
        token_file = tmp_path / "state" / "tokens.json"
        config = tmp_path / "config.yaml"
        config.write_text(f"auth:\n  method: oauth\n  token_file: {token_file}\n")
        env = {
            "INPUT_CONFIG": str(config),
            "CONFLUENCE_REFRESH_TOKEN": "refresh-from-secret",
            "CONFLUENCE_EXPORT_SECRET_NAME": "CONFLUENCE_REFRESH_TOKEN",
            "GITHUB_REPOSITORY": github.repo,
            "GH_TOKEN": github.write_token,
            "GITHUB_API_URL": github.url,
        }
        assert main(["prepare"], env) == 0
        assert TokenStore(token_file).require().refresh_token == "refresh-from-secret"
        out = capsys.readouterr().out
        assert "::add-mask::refresh-from-secret" in out
        assert "auth: OAuth (refresh token from a repository secret)" in out
        assert github.log == [("GET", f"/repos/{github.repo}/actions/secrets/public-key")]

        env["GH_TOKEN"] = "wrong-token"
        assert main(["prepare"], env) == 4
        out = capsys.readouterr().out
        assert out.splitlines()[-1].startswith(
            "::error title=confluence-export prepare::GitHub refused to read the secrets "
            "public key of acme/docs (401: Bad credentials)"
        )
    finally:
        github.stop()


def test_unknown_step_is_a_usage_error(capsys):
    assert main(["deploy"], {}) == 2
    assert "usage: python -m exporter.action" in capsys.readouterr().err


def test_summary_json_location_is_in_runner_temp(workspace):
    env = action_env(workspace)
    env["FAKE_PAGES"] = "ENG/index=x"
    assert run_step("export", env, workspace) == 0
    argv = json.loads((workspace.parent / "argv.log").read_text().splitlines()[0])
    assert argv[argv.index("--summary-json") + 1] == str(
        workspace.parent / "confluence-export-summary.json"
    )


def test_action_against_the_sandbox_commits_once_per_change(workspace, sandbox_factory):
    sandbox = sandbox_factory(seed=None, synthetic_pages=3)
    sandbox.write_config(workspace / "config.yaml")
    env = action_env(workspace, commit="true", format="docs", flavor="gfm")
    env["INPUT_OUTPUT_DIR"] = ""  # the config's output.dir
    env.pop("CONFLUENCE_EXPORT_BIN")  # the real command line
    commits = lambda: int(git(workspace, "rev-list", "--count", "HEAD"))  # noqa: E731

    assert run_step("export", env, workspace) == 0
    first = outputs(workspace)
    assert (first["changed"], first["pages-exported"], first["pages-failed"]) == ("true", "3", "0")
    assert run_step("commit", env, workspace) == 0
    assert commits() == 2
    assert any(p.name == "README.md" for p in (workspace / "export" / "docs").rglob("*"))
    assert "| pages | 3 | 0 | 0 | 0 |" in (workspace.parent / "step_summary").read_text()

    assert run_step("export", env, workspace) == 0
    assert outputs(workspace)["changed"] == "false"
    assert run_step("commit", env, workspace) == 0
    assert commits() == 2

    page = next(r for r in sandbox.store.all_content() if r.parent_id)
    sandbox.advance_clock(60)
    sandbox.store.update_content(page.id, body="<p>Edited in Confluence.</p>")
    assert run_step("export", env, workspace) == 0
    assert outputs(workspace)["changed"] == "true"
    assert run_step("commit", env, workspace) == 0
    assert commits() == 3
    assert "Edited in Confluence." in git(workspace, "show", "HEAD")


def test_oauth_action_saves_the_rotated_refresh_token_to_the_secret(workspace, sandbox_factory):
    from exporter.auth.tokens import TokenStore
    from exporter.config.settings import DEFAULT_SCOPES

    from .fake_github import FakeGitHub

    sandbox = sandbox_factory(seed=None, synthetic_pages=2)
    base, ready = sandbox.base_url, sandbox.ready
    token_file = workspace.parent / "state" / "tokens.json"
    (workspace / "config.yaml").write_text(
        f"site: {base}\ncloud_id: {ready['cloud_id']}\n"
        f"auth:\n  method: oauth\n  client_id: {ready['client_id']}\n"
        f"  client_secret: {ready['client_secret']}\n  token_file: {token_file}\n"
        f"api:\n  endpoints: {{auth: {base}, api: {base}, site: {base}}}\n"
        "spaces: all\n"
    )
    first = sandbox.mint_token(set(DEFAULT_SCOPES))["refresh_token"]
    github = FakeGitHub().start()
    try:
        env = action_env(workspace, commit="true")
        env.pop("CONFLUENCE_EXPORT_BIN")
        env.update(
            INPUT_OUTPUT_DIR="",
            CONFLUENCE_REFRESH_TOKEN=first,
            CONFLUENCE_EXPORT_SECRET_NAME="CONFLUENCE_REFRESH_TOKEN",
            GITHUB_REPOSITORY=github.repo,
            GH_TOKEN=github.write_token,
            GITHUB_API_URL=github.url,
        )
        assert run_step("prepare", env, workspace) == 0
        assert run_step("export", env, workspace) == 0
        saved = TokenStore(token_file).require().refresh_token
        assert saved != first
        assert github.decrypt("CONFLUENCE_REFRESH_TOKEN") == saved
        assert sandbox.stats()["revoked_families"] == 0
    finally:
        github.stop()


def test_failed_push_is_a_workflow_error_naming_the_git_command(workspace, capsys):
    git(workspace, "remote", "remove", "origin")
    env = action_env(workspace, commit="true")
    env.pop("GITHUB_REF")
    env["FAKE_PAGES"] = "ENG/index=hello"
    assert run_step("export", env, workspace) == 0
    capsys.readouterr()
    assert run_step("commit", env, workspace) == 1
    assert capsys.readouterr().out.startswith(
        "::error title=confluence-export commit::git push -q failed: fatal: "
    )


def finish_env(env: dict[str, str], export_outputs: dict[str, str]) -> dict[str, str]:
    """The finish step's env exactly as action.yml wires it from the export step's outputs."""
    import re

    import yaml

    action = yaml.safe_load((Path(__file__).parents[2] / "action.yml").read_text())
    (step,) = [s for s in action["runs"]["steps"] if "exporter.action finish" in s.get("run", "")]
    wired = dict(env)
    for name, value in step.get("env", {}).items():
        match = re.fullmatch(r"\$\{\{ steps\.export\.outputs\.([\w-]+) \}\}", value)
        assert match, f"finish step env {name}={value} is not an export output"
        wired[name] = export_outputs.get(match.group(1), "")
    return wired


@pytest.mark.parametrize(
    ("pages_failed", "attachments_failed", "code"),
    [("0", "2", 3), ("1", "0", 3), ("0", "0", 0)],
    ids=["only-attachments-failed", "a-page-failed", "nothing-failed"],
)
def test_finish_step_fails_the_job_on_any_failure_the_summary_counts(
    workspace, pages_failed, attachments_failed, code
):
    env = action_env(workspace, commit="true")
    env.update(
        FAKE_PAGES="ENG/index=hello",
        FAKE_FAILED=pages_failed,
        FAKE_ATTACHMENTS_FAILED=attachments_failed,
        FAKE_EXIT=str(code),
    )
    assert run_step("export", env, workspace) == 0
    out = outputs(workspace)
    assert (out["pages-failed"], out["attachments-failed"]) == (pages_failed, attachments_failed)
    assert run_step("finish", finish_env(env, out), workspace) == code
