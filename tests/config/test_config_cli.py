"""Config errors through the real command line: exit 2 and the exact text on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONF_TEST_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "exporter", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_config_problem_is_printed_with_exit_2(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "output:\n  flavour: gfm\n"
        "spaces:\n  - {key: OPS, root: [1]}\n"
        "auth:\n  client_secret: ${CONF_TEST_SECRET}\n"
        "api:\n  concurrency: many\n"
    )
    done = run_cli("export", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "Error: config.yaml is invalid (4 problems):\n"
        "  auth.client_secret: environment variable CONF_TEST_SECRET is not set "
        "(set it, or give a default: ${CONF_TEST_SECRET:-value})\n"
        "  unknown key 'output.flavour' (did you mean 'output.flavor'?)\n"
        "  spaces[0].root: expected a string, got a list\n"
        "  api.concurrency: expected an integer, got a string\n"
        "Fix these and run again.\n"
    )


def test_missing_credentials_for_basic_auth_exit_2_naming_each(tmp_path):
    (tmp_path / "config.yaml").write_text("auth:\n  method: basic\n  email: me@example.com\n")
    done = run_cli("export", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"Error: `export` needs settings that are missing in {tmp_path / 'config.yaml'}:\n"
        "  site (your https://<name>.atlassian.net URL)\n"
        "  auth.api_token (create one at id.atlassian.com, API tokens)\n"
    )


def test_secrets_are_redacted_in_the_verbose_config_dump(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "auth:\n  method: basic\n  email: me@example.com\n  api_token: ${CONF_TEST_TOKEN}\n"
    )
    done = run_cli("export", "-v", cwd=tmp_path, env={"CONF_TEST_TOKEN": "ATATT-very-secret"})
    assert done.returncode == 2  # site is missing
    assert '"api_token": "***"' in done.stderr
    assert '"client_secret": null' in done.stderr
    assert "ATATT-very-secret" not in done.stderr + done.stdout
