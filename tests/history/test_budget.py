"""A backfill cut off by the points budget exits 75, and the next runs finish the same history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exporter.history.cache import CACHE_DIR
from exporter.sandbox import SandboxHandle
from tests.history.helpers import EXPORT, export, git, history_config, log, new_repo, seeded
from tests.reliability.helpers import STATE_DIR, run_cli
from tests.reliability.test_faults import start_of_an_hour

pytestmark = pytest.mark.timeout(300)
# The seed's plain export costs about 30 points and its history about 34 more (version lists
# 18, past versions 16): a budget of 55 lets the export and the lists finish and cuts the
# reading of past versions off midway.
BUDGET = 55


def _content(repo: Path) -> list[str]:
    """The final commit's entries under the output folder, the state folder left out."""
    rows = git(repo, "ls-tree", f"HEAD:{EXPORT}").splitlines()
    return [row for row in rows if not row.endswith(STATE_DIR)]


def test_backfill_over_quota_windows_exits_75_then_0_with_the_unlimited_runs_trees(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = seeded(sandbox_factory)
    unlimited = new_repo(tmp_path / "unlimited")
    export(history_config(sb, tmp_path / "unlimited-run", unlimited))

    start_of_an_hour(sb)
    sb.sandbox.limits.points_per_hour = BUDGET
    repo = new_repo(tmp_path / "limited")
    config = history_config(sb, tmp_path / "limited-run", repo)
    first = run_cli(config, "export")
    assert first.code == 75, first.stderr
    assert "again later" in first.stderr
    assert git(repo, "rev-list", "--all") == ""  # nothing committed while the backfill is open
    assert any((repo / EXPORT / STATE_DIR / CACHE_DIR).glob("*.json.z"))
    codes = []
    for _ in range(4):
        sb.advance_clock(3600)
        result = run_cli(config, "export")
        codes.append(result.code)
        if result.code != 75:
            break
    assert codes[-1] == 0, (codes, result.stderr)
    got, want = log(repo), log(unlimited)
    assert [c.tree for c in got[:-1]] == [c.tree for c in want[:-1]]  # every version commit
    # the housekeeping commit: the same export; only the manifest's scan times (the runs' own
    # clock) differ in the state folder
    assert _content(repo) == _content(unlimited)
    assert git(repo, "show", f"HEAD:{EXPORT}/{STATE_DIR}/history.json") == git(
        unlimited, "show", f"HEAD:{EXPORT}/{STATE_DIR}/history.json"
    )
    assert not (repo / EXPORT / STATE_DIR / CACHE_DIR).exists()
