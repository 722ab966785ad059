"""docs/scheduling.md stays true: units match examples/, paths and exit codes match the code."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from exporter.config.settings import default_token_file
from exporter.errors import (
    EXIT_CODES,
    AuthError,
    ConfigError,
    LockHeld,
    PartialExport,
    RateLimited,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "scheduling.md").read_text(encoding="utf-8")


def test_systemd_units_in_the_doc_are_the_example_files():
    units = sorted((ROOT / "examples" / "systemd").iterdir())
    assert [u.name for u in units] == ["confluence-export.service", "confluence-export.timer"]
    for unit in units:
        assert f"`/etc/systemd/system/{unit.name}`:\n\n```ini\n{unit.read_text()}```" in DOC


def test_exit_code_table_matches_the_error_classes():
    rows = dict(re.findall(r"^\| `(\d+)` \| ([^|]+) \|", DOC, flags=re.M))
    assert set(rows) == {str(int(code)) for code in EXIT_CODES}  # the one table, all of it
    assert ConfigError.exit_code == 2 and "configuration" in rows["2"]
    assert PartialExport.exit_code == 3 and "partial" in rows["3"]
    assert AuthError.exit_code == 4 and "authentication" in rows["4"]
    assert LockHeld.exit_code == RateLimited.exit_code == 75 and "lock" in rows["75"]


@pytest.mark.skipif(sys.platform != "linux", reason="the doc's Linux row is checked on Linux")
def test_token_file_location_matches_platformdirs(monkeypatch):
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    shown = str(default_token_file()).replace(str(Path.home()), "~", 1)
    assert f"| Linux | `{shown}`" in DOC
