"""In GitHub Actions logs each space's work is a foldable group."""

import subprocess
import sys


def test_export_in_github_format_opens_a_group_per_space(tmp_path, sandbox):
    sandbox.write_config(tmp_path / "config.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--config", "config.yaml", "--log-format", "github",
         "export", "--out", "out", "--format", "docs"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    groups = [line for line in result.stderr.splitlines() if line.startswith("::group::")]
    assert groups == ["::group::Space ACME", "::group::Space ENG"]
    assert result.stderr.count("::endgroup::") == 2
