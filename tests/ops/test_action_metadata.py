"""action.yml and the example workflow follow GitHub's metadata and workflow rules."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from exporter.action.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path: Path) -> dict:
    # PyYAML reads the bare key `on` as True; workflows are read with it mapped back.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def expressions(node: object) -> list[str]:
    if isinstance(node, dict):
        return [e for v in node.values() for e in expressions(v)]
    if isinstance(node, list):
        return [e for v in node for e in expressions(v)]
    return EXPR.findall(node) if isinstance(node, str) else []


def test_action_has_required_metadata_and_branding():
    action = load(ROOT / "action.yml")
    assert action["name"] and action["description"]
    assert set(action["branding"]) == {"icon", "color"}
    assert action["runs"]["using"] == "composite"


def test_inputs_are_lowercase_described_and_every_used_input_is_declared():
    action = load(ROOT / "action.yml")
    declared = set(action["inputs"])
    for name, spec in action["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert spec.get("description"), name
        assert isinstance(spec.get("default", ""), str), name
    used = {
        m.group(1) for e in expressions(action["runs"]) for m in re.finditer(r"inputs\.([\w-]+)", e)
    }
    assert used <= declared, used - declared
    assert {
        "config",
        "spaces",
        "output-dir",
        "format",
        "flavor",
        "commit",
        "commit-message",
        "oauth-secret-name",
        "github-token",
    } <= declared
    assert action["inputs"]["commit"]["default"] == "false"


def test_every_run_step_has_a_shell_and_steps_use_known_commands():
    steps = load(ROOT / "action.yml")["runs"]["steps"]
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", step
            assert "${{" not in step["run"], "inputs reach run scripts through env only"
            module_step = re.search(r"python -m exporter\.action (\w+)", step["run"])
            if module_step:
                assert module_step.group(1) in STEPS
    ids = [s.get("id") for s in steps]
    assert len([i for i in ids if i]) == len({i for i in ids if i})


def test_outputs_have_values_from_existing_step_ids():
    action = load(ROOT / "action.yml")
    ids = {s["id"] for s in action["runs"]["steps"] if "id" in s}
    assert {"changed", "pages-exported", "pages-failed"} <= set(action["outputs"])
    for name, spec in action["outputs"].items():
        assert spec.get("description"), name
        match = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert match, name
        assert match.group(1) in ids


def test_action_installs_itself_from_its_own_checkout():
    runs = "\n".join(s.get("run", "") for s in load(ROOT / "action.yml")["runs"]["steps"])
    assert '"$GITHUB_ACTION_PATH[action]"' in runs


def test_example_workflow_is_scheduled_serialized_and_publishes_pages():
    workflow = load(ROOT / "examples" / "github-workflow.yml")
    assert workflow["on"]["schedule"][0]["cron"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    export, pages = workflow["jobs"]["export"], workflow["jobs"]["pages"]
    step = next(s for s in export["steps"] if s.get("id") == "export")
    assert step["with"]["commit"] == "true"
    assert set(step["env"]) == {"CONFLUENCE_EMAIL", "CONFLUENCE_API_TOKEN"}
    assert all(e.startswith("secrets.") for e in expressions(step["env"]))
    uses = [s.get("uses", "") for s in pages["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert pages["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    text = (ROOT / "examples" / "github-workflow.yml").read_text()
    assert "# oauth-secret-name: CONFLUENCE_REFRESH_TOKEN" in text


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("action.yml", "github-actions.json"),
        ("examples/github-workflow.yml", "github-workflows.json"),
    ],
)
def test_files_validate_against_the_published_github_schemas(path, schema):
    # SchemaStore's schemas for action metadata and workflows, as vendored by check-jsonschema.
    import jsonschema
    from check_jsonschema import builtin_schemas

    text = (resources.files(builtin_schemas) / "vendor" / schema).read_text(encoding="utf-8")
    validator_cls = jsonschema.validators.validator_for(json.loads(text))
    errors = [e.message for e in validator_cls(json.loads(text)).iter_errors(load(ROOT / path))]
    assert errors == []


def test_every_output_a_step_writes_is_declared_in_action_yml(tmp_path):
    import os
    import subprocess
    import sys

    from exporter.action.steps import main

    action = load(ROOT / "action.yml")
    declared = set()
    for spec in action["outputs"].values():
        match = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert match
        declared.add((match.group(1), match.group(2)))
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    subprocess.run(["git", "remote", "add", "origin", str(remote)], cwd=work, check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update(
        GITHUB_WORKSPACE=str(work),
        GITHUB_REF="refs/heads/main",
        RUNNER_TEMP=str(tmp_path),
        CONFLUENCE_EXPORT_BIN=f"{sys.executable} {Path(__file__).with_name('fake_export.py')}",
        FAKE_ARGV_LOG=str(tmp_path / "argv.log"),
        FAKE_PAGES="ENG/index=hello",
        INPUT_OUTPUT_DIR="export",
        INPUT_COMMIT="true",
    )
    written = set()
    for step in action["runs"]["steps"]:
        found = re.search(r"python -m exporter\.action (\w+)", step.get("run", ""))
        if not found:
            continue
        output = tmp_path / f"{found.group(1)}.out"
        assert main([found.group(1)], {**env, "GITHUB_OUTPUT": str(output)}) == 0
        if output.exists():
            names = {line.split("=", 1)[0] for line in output.read_text().splitlines()}
            written |= {(step.get("id", ""), name) for name in names}
    assert ("export", "exit-code") in written
    assert written - declared == set(), f"written but not declared: {written - declared}"
