"""Incremental runs follow changes that give other pages no new version (differential finds).

Each case is a short operation sequence the differential check shrank a failure to; each
replays on a fresh sandbox and compares an incremental export with a full one, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.differential import run, session
from tests.pipeline.replay import EXPORT

pytestmark = pytest.mark.timeout(300)

X = (EXPORT,)


def _same(tmp_path: Path, *ops: tuple[str, ...]) -> None:
    outcome = run([*ops, X], tmp_path / "run")
    assert outcome.failure == ""
    assert outcome.comparisons == sum(op == X for op in ops) + 1


def test_reordered_page_takes_its_place_before_siblings_renumbered_without_new_version(
    tmp_path: Path,
) -> None:
    _same(tmp_path, ("reorder", "p1", "3"))


def test_page_moved_away_renumbers_the_siblings_it_left(tmp_path: Path) -> None:
    _same(
        tmp_path,
        ("create", "p20", "p7", "text:1"), ("create", "p21", "p7", "text:2"),
        ("create", "p22", "p7", "text:3"), X, ("move", "p20", "p6"), X,
        ("reorder", "p21", "3"),
    )  # fmt: skip


def test_page_restored_from_the_trash_comes_back_on_a_plain_run(tmp_path: Path) -> None:
    _same(tmp_path, ("delete", "p6"), X, ("restore", "p6"))


def test_children_of_a_deleted_page_move_up_to_its_parent_in_its_place(tmp_path: Path) -> None:
    _same(tmp_path, ("create", "p20", "p5", "text:1 children:3"), X, ("delete", "p5"))


def test_new_homepage_rebuilds_the_space_index_and_pagetrees(tmp_path: Path) -> None:
    _same(tmp_path, ("move", "p2", "top"), ("edit", "p3", "text:1 pagetree"), X,
          ("homepage", "p2"))  # fmt: skip


def test_page_trashed_before_a_full_run_and_restored_after_it_comes_back(tmp_path: Path) -> None:
    with session(tmp_path / "run") as replay:
        assert replay.apply(("delete", "p6"))
        replay.export_full_into_incremental()
        assert replay.apply(("restore", "p6"))
        assert replay.compare() == ""


def test_embedded_file_trashed_then_its_page_moved_is_gone_not_a_failure(tmp_path: Path) -> None:
    """The move re-downloads the file to the page's new folder: the 404 means it was trashed."""
    _same(tmp_path, ("att_add", "p6", "a.png", "1"), ("edit", "p6", "text:1 image:a.png"), X,
          ("att_delete", "p6", "a.png"), ("rename", "p6", "Zeta p6"))  # fmt: skip


def test_trashed_attachment_embedded_by_an_unchanged_page_goes_on_a_plain_run(
    tmp_path: Path,
) -> None:
    """The page keeps its version: the site's trashed-attachment listing shows the deletion."""
    _same(tmp_path, ("create", "p20", "", "text:1 image:b.png"), ("att_add", "p20", "b.png", "7"),
          X, ("att_delete", "p20", "b.png"))  # fmt: skip


def test_trashed_attachment_stays_gone_on_the_runs_after_the_one_that_removed_it(
    tmp_path: Path,
) -> None:
    """The page's record drops the file, so later runs do not bring its link back."""
    _same(tmp_path, ("att_add", "p6", "a.png", "1"), ("att_add", "p6", "b.png", "2"),
          ("edit", "p6", "text:1 image:a.png image:b.png"), X, ("att_delete", "p6", "a.png"),
          X, ("edit", "p1", "text:5"), X, ("att_delete", "p6", "b.png"))  # fmt: skip
