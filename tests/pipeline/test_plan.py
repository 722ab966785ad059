"""The add/change/move/delete plan as a pure function: one table row per case.

The manifest below is a small export: space ENG (home 1, its children 2 and 3, and 4 under 3)
and space OPS (home 9). Each row changes the new layout, the rules or what is observed and says
which steps, deletions and refusal the plan must give.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from exporter.models import Page
from exporter.run.manifest import PageRecord
from exporter.run.plan import Placed, Plan, PlanRules, Step, deletion_refusal, plan_pages
from exporter.run.summary import PlanItem

LINKS = ("e:1",)
DIGEST = "d0"


def _record(pid: str, space: str, title: str, path: str, slot: int, **kw: Any) -> PageRecord:
    return PageRecord(id=pid, space_key=space, title=title, path=path, slot=slot,
                      links=LINKS, seen=DIGEST, **kw)  # fmt: skip


PREVIOUS = {
    "1": _record("1", "ENG", "Engineering", "docs/eng/index.md", 1, children=("2", "3")),
    "2": _record("2", "ENG", "Setup", "docs/eng/setup.md", 1, parent_id="1"),
    "3": _record(
        "3", "ENG", "Guide", "docs/eng/guide/index.md", 2, parent_id="1", children=("4",)
    ),  # fmt: skip
    "4": _record("4", "ENG", "Child", "docs/eng/guide/child.md", 1, parent_id="3"),
    "9": _record("9", "OPS", "Operations", "docs/ops/index.md", 1),
}


def _same() -> dict[str, Placed]:
    """The new layout when nothing changed: every record placed where it was."""
    return {
        pid: Placed(rec.to_page(), rec.path, rec.slot, rec.children)
        for pid, rec in PREVIOUS.items()
    }


@dataclasses.dataclass
class Seen:
    """What the plan observes: files on disk, current digests, pages that lost a file."""

    missing: set[str] = dataclasses.field(default_factory=set)
    digests: dict[tuple[str, ...], str] = dataclasses.field(default_factory=dict)
    lost: set[str] = dataclasses.field(default_factory=set)

    def has_file(self, path: str) -> bool:
        return path not in self.missing

    def digest(self, links: tuple[str, ...]) -> str:
        return self.digests.get(links, DIGEST)

    def lost_attachment(self, record: PageRecord) -> bool:
        return record.id in self.lost


def _edit(pid: str, **page: Any) -> Callable[[dict[str, Placed]], None]:
    def change(layout: dict[str, Placed]) -> None:
        placed = layout[pid]
        extra = {k: page.pop(k) for k in ("path", "position", "children") if k in page}
        layout[pid] = dataclasses.replace(
            placed, page=dataclasses.replace(placed.page, **page), **extra
        )

    return change


def _drop(*pids: str) -> Callable[[dict[str, Placed]], None]:
    def change(layout: dict[str, Placed]) -> None:
        for pid in pids:
            del layout[pid]

    return change


def _add(pid: str, path: str) -> Callable[[dict[str, Placed]], None]:
    def change(layout: dict[str, Placed]) -> None:
        page = Page(id=pid, space_key="ENG", title="New", parent_id="1")
        layout[pid] = Placed(page, path, 3)

    return change


def _chain(*changes: Callable[[dict[str, Placed]], None]) -> Callable[[dict[str, Placed]], None]:
    def change(layout: dict[str, Placed]) -> None:
        for c in changes:
            c(layout)

    return change


ENG_ONLY = {"scanned": frozenset({"ENG"})}
BOTH = {"scanned": frozenset({"ENG", "OPS"})}

# (case, layout change, rules, observed, steps as (action, id, old path), deletions, refused)
CASES: list[tuple[str, Any, dict[str, Any], Seen, list[tuple[str, str, str]], list[str], str]] = [
    ("unchanged", None, BOTH, Seen(), [], [], ""),
    ("new page", _add("10", "docs/eng/new.md"), BOTH, Seen(), [("add", "10", "")], [], ""),
    ("edited", _edit("2", version=2), BOTH, Seen(),
     [("change", "2", "docs/eng/setup.md")], [], ""),
    ("moved", _edit("2", parent_id="3", path="docs/eng/guide/setup.md"), BOTH, Seen(),
     [("move", "2", "docs/eng/setup.md")], [], ""),
    ("renamed (a new version and a new file)",
     _edit("2", title="Set up", version=2, path="docs/eng/set-up.md"), BOTH, Seen(),
     [("change", "2", "docs/eng/setup.md")], [], ""),
    ("title changed in place", _edit("2", title="Setup!"), BOTH, Seen(),
     [("change", "2", "docs/eng/setup.md")], [], ""),
    ("deleted", _drop("4"), BOTH, Seen(), [], ["4"], ""),
    ("moved into a deleted parent: the child moves, the parent goes",
     _chain(_drop("3"), _edit("4", parent_id="1", path="docs/eng/child.md")), BOTH, Seen(),
     [("move", "4", "docs/eng/guide/child.md")], ["3"], ""),
    ("place among siblings changed", _edit("3", position=1), BOTH, Seen(),
     [("change", "3", "docs/eng/guide/index.md")], [], ""),
    ("children changed", _edit("1", children=("3", "2")), BOTH, Seen(),
     [("change", "1", "docs/eng/index.md")], [], ""),
    ("labels changed", _edit("2", labels=("howto",)), BOTH, Seen(),
     [("change", "2", "docs/eng/setup.md")], [], ""),
    ("a dependency changed", None, BOTH, Seen(digests={LINKS: "d1"}),
     [("change", p, PREVIOUS[p].path) for p in "12349"], [], ""),
    ("its file is missing on disk", None, BOTH, Seen(missing={"docs/eng/setup.md"}),
     [("change", "2", "docs/eng/setup.md")], [], ""),
    ("a full scan no longer lists one of its files", None, BOTH, Seen(lost={"4"}),
     [("change", "4", "docs/eng/guide/child.md")], [], ""),
    ("re-render everything (other flavor)", None, {**BOTH, "rerender": True}, Seen(),
     [("change", p, PREVIOUS[p].path) for p in "12349"], [], ""),
    ("--space ENG keeps OPS as it is", _drop("9"), {**ENG_ONLY, "limited": True}, Seen(),
     [], [], ""),
    ("a gone space's pages are kept", _drop("9"),
     {**ENG_ONLY, "kept_spaces": frozenset({"OPS"})}, Seen(), [], [], ""),
    ("a space that left the selection is deleted", _drop("9"), ENG_ONLY, Seen(), [], ["9"], ""),
    ("deleting more than max_delete_share is refused", _drop("2", "3", "4"), BOTH, Seen(),
     [], ["2", "3", "4"], "3 of 5 exported pages (60%, more than output.max_delete_share: 0.5)"),
    ("deleting exactly max_delete_share is allowed", _drop("2", "4"),
     {**BOTH, "max_delete_share": 0.4}, Seen(), [], ["2", "4"], ""),
    ("deleting every page is refused", _drop(*PREVIOUS), BOTH, Seen(),
     [], list(PREVIOUS), "Refusing to delete all 5 exported page(s)"),
    ("confirmed deletions pass the guard", _drop(*PREVIOUS), {**BOTH, "allow_deletions": True},
     Seen(), [], list(PREVIOUS), ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "rules", "seen", "steps", "deleted", "refused"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_plan_names_each_page_to_add_change_move_or_delete(
    change: Any,
    rules: dict[str, Any],
    seen: Seen,
    steps: list[tuple[str, str, str]],
    deleted: list[str],
    refused: str,
) -> None:
    layout = _same()
    if change is not None:
        change(layout)
    plan = plan_pages(PREVIOUS, layout.values(), PlanRules(**rules), seen)
    assert [(s.action, s.placed.page.id, s.old_path) for s in plan.steps] == steps
    assert [r.id for r in plan.deletions] == deleted
    assert plan.unchanged == len(layout) - len(steps)
    if refused:
        assert refused in plan.refusal and "--allow-deletions" in plan.refusal
    else:
        assert plan.refusal == ""


def test_plan_asks_the_disk_and_dependencies_only_about_pages_it_cannot_decide_otherwise():
    asked: list[str] = []

    class Counting(Seen):
        def has_file(self, path: str) -> bool:
            asked.append(path)
            return True

    layout = _same()
    _edit("2", version=2)(layout)
    plan_pages(PREVIOUS, layout.values(), PlanRules(**BOTH), Counting())
    assert "docs/eng/setup.md" not in asked  # a new version decides without the disk
    assert sorted(asked) == sorted(PREVIOUS[p].path for p in "1349")


def test_a_listed_but_unexported_record_is_added_when_placed_and_never_deleted():
    previous = {**PREVIOUS, "5": PageRecord(id="5", space_key="ENG", title="Draft")}
    previous["6"] = PageRecord(id="6", space_key="ENG", title="Excluded")
    layout = _same()
    layout["5"] = Placed(previous["5"].to_page(), "docs/eng/draft.md", 3)
    plan = plan_pages(previous, layout.values(), PlanRules(**BOTH), Seen())
    assert [(s.action, s.placed.page.id) for s in plan.steps] == [("add", "5")]
    assert plan.deletions == () and plan.exported == 5


def test_plan_items_list_steps_then_deletions_with_their_paths():
    page = Page(id="2", space_key="ENG", title="Setup")
    plan = Plan(
        steps=(Step("move", Placed(page, "docs/eng/b.md", 1), "docs/eng/a.md"),),
        deletions=(PREVIOUS["4"],),
        unchanged=0,
        exported=5,
    )
    assert plan.items() == [
        PlanItem("move", "2", "Setup", "docs/eng/b.md", "docs/eng/a.md"),
        PlanItem("delete", "4", "Child", "", "docs/eng/guide/child.md"),
    ]


@pytest.mark.parametrize(
    ("deleting", "exported", "share", "refused"),
    [(0, 0, 0.5, False), (1, 2, 0.5, False), (2, 3, 0.5, True), (1, 1, 1.0, True),
     (3, 10, 0.25, True), (2, 10, 0.25, False)],
)  # fmt: skip
def test_deletion_refusal_follows_max_delete_share(
    deleting: int, exported: int, share: float, refused: bool
) -> None:
    rules = PlanRules(max_delete_share=share)
    assert bool(deletion_refusal(deleting, exported, rules)) is refused
    assert (
        deletion_refusal(deleting, exported, dataclasses.replace(rules, allow_deletions=True)) == ""
    )
