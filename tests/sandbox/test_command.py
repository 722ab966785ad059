"""The ``sandbox`` command as a user runs it: ready file, config writer, options."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml
from click.testing import CliRunner

from exporter.sandbox.command import sandbox_command

from .helpers import HTTP


def test_command_writes_ready_file_and_config(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    config = tmp_path / "config.yaml"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exporter.sandbox",
            "--ready-file",
            str(ready),
            "--write-config",
            str(config),
        ],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert set(info) >= {
            "base_url",
            "cloud_id",
            "client_id",
            "client_secret",
            "email",
            "api_token",
            "spaces",
            "site_url",
            "media_url",
        }
        # The media host is a second origin: same loopback host, its own port.
        assert info["media_url"].startswith("http://127.0.0.1:")
        assert info["media_url"] != info["base_url"]
        assert info["site_url"] == "https://acme.atlassian.net"  # the sample's site.yaml url
        cfg = yaml.safe_load(config.read_text())
        assert cfg["site"] == info["site_url"] and cfg["spaces"] == "all"
        assert cfg["auth"] == {
            "method": "basic",
            "email": info["email"],
            "api_token": info["api_token"],
        }
        assert cfg["api"]["endpoints"] == {
            "auth": info["base_url"],
            "api": info["base_url"],
            "site": info["base_url"],
        }
        assert cfg["output"] == {"dir": "export"} and "cloud_id" not in cfg
        response = HTTP.get(
            f"{info['base_url']}/wiki/rest/api/space", auth=(info["email"], info["api_token"])
        )
        assert {s["key"] for s in response.json()["results"]} == set(info["spaces"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_command_lists_exactly_the_contract_options() -> None:
    names = {opt for p in sandbox_command.params for opt in p.opts}
    assert names == {
        "--host",
        "--port",
        "--seed",
        "--synthetic-pages",
        "--attachments-per-page",
        "--latency-ms",
        "--fail-rate",
        "--rate-limit-burst",
        "--points-per-hour",
        "--access-token-ttl",
        "--write-config",
        "--ready-file",
        "--no-auto-consent",
        "--redirect-uri",
        "--dead-refresh-error",
    }


def test_bad_seed_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(sandbox_command, ["--seed", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "does not exist" in str(result.exception) or "does not exist" in result.output
