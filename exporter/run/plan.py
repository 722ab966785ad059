"""The add/change/move/delete plan of a run, as a pure function: ``plan_pages``.

The plan compares the new layout (where every exported page goes now) with the manifest (what
the last run wrote): a page is added when it has no file yet, changed when its version changed,
moved when its file moved, and re-rendered ("change") when its place, title, labels or children
changed, or anything it was rendered from (``exporter.docs.deps``), or its file or one of its
attachments went missing. Records with a file that the layout no longer places are deleted,
unless their space is outside this run (``--space``, or a gone space whose pages are kept).

The function does no I/O: what it needs to know about the disk and the dependencies comes
through ``Observed``, asked only when the cheaper checks left the answer open (as the run always
did). The safety rail (``output.max_delete_share``) is decided here too: ``Plan.refusal``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Literal, Protocol

from exporter.models import Page
from exporter.run.manifest import PageRecord
from exporter.run.summary import PlanItem

__all__ = ["Action", "Observed", "Placed", "Plan", "PlanRules", "Step", "plan_pages"]

Action = Literal["add", "change", "move"]


@dataclasses.dataclass(frozen=True, slots=True)
class Placed:
    """One exported page where the new layout puts it (``path`` relative to OUT)."""

    page: Page
    path: str  # docs/eng/setup.md
    position: int  # 1-based place among its siblings
    children: tuple[str, ...] = ()  # keys listed under it, in order


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PlanRules:
    """The run's settings that the plan depends on."""

    rerender: bool = False  # re-render every page (--full, other flavor or attachment mode)
    scanned: frozenset[str] = frozenset()  # space keys this run scanned
    limited: bool = False  # ``--space``: spaces not scanned keep their pages
    kept_spaces: frozenset[str] = frozenset()  # gone spaces whose exported pages stay
    max_delete_share: float = 0.5
    allow_deletions: bool = False

    def in_scope(self, rec: PageRecord) -> bool:
        """Whether this run may delete the page: its space is scanned, or left the selection."""
        return rec.space_key in self.scanned or not (
            self.limited or rec.space_key in self.kept_spaces
        )


class Observed(Protocol):
    """What the plan asks about the world outside the manifest and the layout."""

    def has_file(self, path: str) -> bool:
        """Whether the page's file (relative to OUT) is on disk."""
        ...

    def digest(self, links: tuple[str, ...]) -> str:
        """The digest of what the dependency keys ``links`` look like now."""
        ...

    def lost_attachment(self, record: PageRecord) -> bool:
        """Whether a full scan no longer lists a file the page has (deleted in Confluence)."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """One page to render and why; ``old_path`` is its file before the run ("" when new)."""

    action: Action
    placed: Placed
    old_path: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """What a run renders and deletes.

    ``exported`` counts the pages in scope that had a file before the run (the base of the
    delete share); ``refusal`` is the safety rail's message when the deletions need a
    confirmation the run does not have (then nothing may change), else "".
    """

    steps: tuple[Step, ...]
    deletions: tuple[PageRecord, ...]
    unchanged: int
    exported: int
    refusal: str = ""

    def items(self) -> list[PlanItem]:
        """The plan as the summary lists it (``--dry-run``, ``--summary-json``)."""
        items = [
            PlanItem(s.action, s.placed.page.id, s.placed.page.title, s.placed.path, s.old_path)
            for s in self.steps
        ]
        items += [PlanItem("delete", r.id, r.title, "", r.path) for r in self.deletions]
        return items


def plan_pages(
    previous: Mapping[str, PageRecord],
    placed: Iterable[Placed],
    rules: PlanRules,
    observed: Observed,
) -> Plan:
    """The plan from the manifest's records (``previous``, by page id) to the new layout."""
    placed = list(placed)
    paths = {p.page.id: p.path for p in placed}
    deletions = tuple(
        rec
        for pid, rec in previous.items()
        if rec.path and pid not in paths and rules.in_scope(rec)
    )
    steps: list[Step] = []
    unchanged = 0
    for p in placed:
        rec = previous.get(p.page.id)
        action = _action(p, rec, rules, observed)
        if action is None:
            unchanged += 1
        else:
            steps.append(Step(action, p, rec.path if rec is not None else ""))
    exported = sum(1 for r in previous.values() if r.path and rules.in_scope(r))
    refusal = deletion_refusal(len(deletions), exported, rules)
    return Plan(tuple(steps), deletions, unchanged, exported, refusal)


def _action(p: Placed, rec: PageRecord | None, rules: PlanRules, seen: Observed) -> Action | None:
    page = p.page
    if rec is None or not rec.path:
        return "add"
    if rec.version != page.version:
        return "change"
    if rec.path != p.path:
        return "move"
    if rules.rerender or not seen.has_file(p.path):
        return "change"
    if (
        rec.slot != p.position
        or rec.children != p.children
        or rec.title != page.title
        or rec.labels != page.labels
        or not rec.seen
        or seen.digest(rec.links) != rec.seen
        or seen.lost_attachment(rec)
    ):
        return "change"
    return None


def deletion_refusal(deleting: int, exported: int, rules: PlanRules) -> str:
    """The safety rail: why deleting ``deleting`` of ``exported`` pages needs a confirmation
    (more than ``max_delete_share`` of them, or all of them), or "" when it does not."""
    if not deleting or rules.allow_deletions:
        return ""
    share = rules.max_delete_share
    if deleting < exported and deleting <= share * exported:
        return ""
    what = (
        f"all {exported} exported page(s)"
        if deleting >= exported
        else f"{deleting} of {exported} exported pages ({deleting / exported:.0%}, more "
        f"than output.max_delete_share: {share:g})"
    )
    return (
        f"Refusing to delete {what}; nothing was changed. If that is intended, run again "
        "with --allow-deletions (or set output.allow_deletions: true); "
        "`export --dry-run` lists them."
    )
