"""An incremental export equals a clean full export after any sequence of Confluence edits.

The CI length of the differential check (``tests/pipeline/differential.py``): 60 seeded random
operations, compared every 10 (docs and site, byte for byte). ``bench/differential.py`` runs
it at full length. ``DIFFERENTIAL_SEED`` / ``DIFFERENTIAL_OPS`` pick another sequence.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.pipeline.differential import check, generate, reproducer, shrink
from tests.pipeline.replay import EXPORT

pytestmark = pytest.mark.timeout(900)

SEED = int(os.environ.get("DIFFERENTIAL_SEED", "13"))
OPS = int(os.environ.get("DIFFERENTIAL_OPS", "60"))


def test_incremental_export_equals_full_export_after_random_edits(tmp_path: Path) -> None:
    outcome = check(SEED, OPS, tmp_path / "run", log=print)
    assert outcome.comparisons == OPS // 10 or outcome.failure
    assert not outcome.failure, reproducer(SEED, outcome)


def test_generated_sequence_covers_every_kind_of_edit_and_is_seeded() -> None:
    ops = generate(SEED, 200)
    kinds = {op[0] for op in ops}
    assert {"create", "edit", "rename", "move", "reorder", "delete", "restore", "att_add", "att_delete",
            "label", "homepage", EXPORT} <= kinds  # fmt: skip
    assert ops == generate(SEED, 200) and ops != generate(SEED + 1, 200)
    assert sum(op == (EXPORT,) for op in ops) == 20


def test_shrinking_finds_the_one_operation_that_breaks_a_sequence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fake difference that appears once a page is renamed: the shrinker keeps only that."""
    from tests.pipeline import differential

    def fails(ops: list[tuple[str, ...]], root: Path) -> bool:
        return any(op[0] == "rename" and op[1] == "p3" for op in ops)

    monkeypatch.setattr(differential, "fails", fails)
    ops = generate(SEED, 30)
    ops.insert(7, ("rename", "p3", "Broken"))
    assert shrink(ops, tmp_path) == [("rename", "p3", "Broken")]
