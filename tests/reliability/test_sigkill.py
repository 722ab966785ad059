"""SIGKILL at random moments of an export: the next run ends byte-identical to a clean one."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from exporter.sandbox import SandboxHandle

from .helpers import (
    edit_some_pages,
    kill_round,
    oauth_login,
    run_inprocess,
    token_file_is_valid,
    tree_diff,
    tree_hashes,
    write_config,
)

ROUNDS = 3  # bench/reliability.py runs 30


def test_export_killed_at_random_moments_then_rerun_equals_a_clean_export(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    # Access tokens live 1 s, so kills also land around token rotations.
    sb = sandbox_factory(access_token_ttl=1, latency_ms=25)
    config = write_config(sb, tmp_path / "run", method="oauth")
    oauth_login(sb, config)
    rng = random.Random(8)
    rounds = []
    for round_no in range(ROUNDS):
        edit_some_pages(sb, rng, round_no)
        rounds.append(kill_round(config, rng, full=round_no % 2 == 1, window_s=1.5))
        assert rounds[-1].token_valid, f"token file invalid after kill {round_no}"
        assert rounds[-1].recorded_files_present, f"manifest names a missing file ({round_no})"
        summary = run_inprocess(config)
        assert summary.pages_failed == 0 and summary.attachments_failed == 0, summary.failures
        assert token_file_is_valid(config)
    assert sum(r.killed for r in rounds) >= ROUNDS // 2, f"kills mostly missed: {rounds}"
    clean = write_config(sb, tmp_path / "clean")
    run_inprocess(clean, full=True)
    got, want = tree_hashes(tmp_path / "run" / "out"), tree_hashes(tmp_path / "clean" / "out")
    assert got == want, tree_diff(got, want)
    stats = sb.stats()
    assert stats["revoked_families"] == 0
