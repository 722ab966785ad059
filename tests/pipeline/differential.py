"""The differential check: an incremental export always equals a clean full export.

A seeded random sequence of edits goes through the sandbox's admin API (create, edit, rename,
move, reorder, delete, restore, attachment add/replace/delete, labels, homepage change) over
pages whose bodies use links, ``children`` with depth, ``pagetree``, ``include``,
``excerpt-include``, ``toc`` and image embeds. Every ``check_every`` operations one OUT folder
is exported incrementally and a fresh folder fully, and the two are compared byte for byte
(docs, nav files and site; not the state folder). A failing sequence is shrunk (delta
debugging over the operations, each candidate replayed on a fresh sandbox) to the shortest one
that still fails. Used by ``tests/pipeline/test_differential.py`` (CI length) and
``bench/differential.py`` (full length).

Pages are named symbolically (``p3``) so that any subset of the operations replays: an
operation whose target is missing (or invalid) in a replay is skipped.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from exporter.sandbox import SandboxOptions, start_sandbox
from tests.pipeline.replay import EXPORT, SEED, Log, Op, Replay

__all__ = ["Outcome", "check", "generate", "reproducer", "run", "shrink"]

# Deleting a file leaves its page's version and date alone; the incremental scan sees it in the
# site's trashed-attachment listing (exporter/confluence/trash.py). False leaves deletions out.
ATTACHMENT_DELETES = True


def _quiet(line: str) -> None:
    """The default log: nothing."""


@dataclass
class Outcome:
    """How one run of the check went."""

    ops: list[Op]
    comparisons: int = 0
    seconds: float = 0.0
    failure: str = ""  # the first difference, "" when every comparison matched
    failed_at: int = -1  # operations applied before the failing comparison
    shrunk: list[Op] = field(default_factory=list)


def generate(seed: int, length: int, check_every: int = 10) -> list[Op]:
    """``length`` random operations, with an export marker after every ``check_every``."""
    rng = random.Random(seed)
    model = _Model()
    ops: list[Op] = []
    count = 0
    while count < length:
        op = model.pick(rng)
        if op is None:
            continue
        ops.append(op)
        count += 1
        if count % check_every == 0:
            ops.append((EXPORT,))
    if ops and ops[-1] != (EXPORT,):
        ops.append((EXPORT,))
    return ops


class _Model:
    """Just enough of the space to pick mostly valid operations (replays re-check them)."""

    def __init__(self) -> None:
        self.parent: dict[str, str | None] = {f"p{i}": None for i in range(5)}
        self.parent.update({"p5": "p1", "p6": "p1", "p7": "p5"})
        self.titles = {name: f"Page {name}" for name in self.parent}
        self.trashed: set[str] = set()
        self.files: dict[str, set[str]] = {}
        self.next = len(self.parent)

    def live(self) -> list[str]:
        return sorted(n for n in self.parent if n not in self.trashed)

    def pick(self, rng: random.Random) -> Op | None:
        live = self.live()
        kind = rng.choice(
            ["create"] * 3 + ["edit"] * 3 + ["rename"] * 2 + ["move"] * 2 + ["reorder"] * 2
            + ["delete", "restore", "att_add", "att_add", "label", "homepage"]
            + (["att_delete"] if ATTACHMENT_DELETES else [])
        )  # fmt: skip
        target = rng.choice(live)
        if kind == "create":
            name = f"p{self.next}"
            self.next += 1
            parent = rng.choice([*live, ""])
            self.parent[name] = parent or None
            self.titles[name] = f"Page {name}"
            return ("create", name, parent, _body_spec(rng, live))
        if kind == "edit":
            return ("edit", target, _body_spec(rng, live))
        if kind == "rename":
            title = f"{rng.choice(['Guide', 'Notes', 'Plan', 'Zeta', 'Alpha'])} {target}"
            title += rng.choice(["", " v2", " (old)"])
            self.titles[target] = title
            return ("rename", target, title)
        if kind == "move":  # "" is the homepage, "top" the space's top level
            return ("move", target, rng.choice([*live, "", "top"]))
        if kind == "reorder":
            return ("reorder", target, str(rng.randrange(0, 4)))
        if kind == "delete":
            # A modest share: other safety rails may refuse runs that delete many pages.
            if len(self.trashed) >= len(live) // 4:
                return None
            self.trashed.add(target)
            return ("delete", target)
        if kind == "restore":
            if not self.trashed:
                return None
            name = rng.choice(sorted(self.trashed))
            self.trashed.discard(name)
            return ("restore", name)
        if kind == "att_add":
            filename = rng.choice(["a.png", "b.png", "notes.txt"])
            self.files.setdefault(target, set()).add(filename)
            return ("att_add", target, filename, str(rng.randrange(1000)))
        if kind == "att_delete":
            owners = sorted(n for n, f in self.files.items() if f)
            if not owners:
                return None
            owner = rng.choice(owners)
            filename = rng.choice(sorted(self.files[owner]))
            self.files[owner].discard(filename)
            return ("att_delete", owner, filename)
        if kind == "label":
            return (
                "label",
                target,
                ",".join(rng.sample(["red", "blue", "green"], rng.randrange(3))),
            )
        return ("homepage", target)


def _body_spec(rng: random.Random, live: list[str]) -> str:
    """A body as a list of features: ``link:p3``, ``children:2``, ``include:p4``..."""
    parts = [f"text:{rng.randrange(100)}"]
    for _ in range(rng.randrange(1, 4)):
        feature = rng.choice(["link", "children", "pagetree", "include", "excerpt", "toc", "image"])
        if feature in ("link", "include", "excerpt"):
            parts.append(f"{feature}:{rng.choice(live)}")
        elif feature == "children":
            parts.append(f"children:{rng.randrange(1, 4)}")
        elif feature == "image":
            parts.append(f"image:{rng.choice(['a.png', 'b.png'])}")
        else:
            parts.append(feature)
    return " ".join(parts)


@contextmanager
def session(root: Path) -> Iterator[Replay]:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    with start_sandbox(SandboxOptions(seed=SEED)) as sandbox:
        replay = Replay(sandbox, root)
        replay.export_incremental()
        yield replay
    shutil.rmtree(root, ignore_errors=True)


def run(ops: list[Op], root: Path, *, log: Log = _quiet, last_only: bool = False) -> Outcome:
    """Apply ``ops`` to a fresh sandbox, comparing at every export marker (``last_only``: at
    the last; the others only export incrementally); stop at the first difference."""
    outcome = Outcome(ops=ops)
    started = time.monotonic()
    with session(root) as replay:
        for n, op in enumerate(ops):
            if op != (EXPORT,):
                applied = replay.apply(op)
                log(f"{n:4d} {' '.join(op)}{'' if applied else '  (skipped)'}")
                continue
            try:  # a partial export (a page or file failed) counts as a difference too
                if last_only and n < len(ops) - 1:
                    replay.export_incremental()
                    continue
                difference = replay.compare()
            except AssertionError as error:
                difference = str(error)
            outcome.comparisons += 1
            log(f"     compare #{outcome.comparisons}: {'DIFFERENT' if difference else 'same'}")
            if difference:
                outcome.failure, outcome.failed_at = difference, n
                break
    outcome.seconds = time.monotonic() - started
    return outcome


def fails(ops: list[Op], root: Path) -> bool:
    """Whether ``ops`` (markers included; a final comparison is added) show a difference."""
    tail = [] if ops and ops[-1] == (EXPORT,) else [(EXPORT,)]
    return bool(run([*ops, *tail], root, last_only=True).failure)


def shrink(ops: list[Op], root: Path, *, log: Log = _quiet) -> list[Op]:
    """Delta debugging (ddmin): a 1-minimal subsequence of ``ops`` that still fails."""
    current = list(ops)
    fewer = [op for op in current if op != (EXPORT,)]
    for candidate in ([*fewer[:-10], (EXPORT,), *fewer[-10:]], fewer):
        if len(candidate) < len(current) and fails(candidate, root):
            log(f"  shrink: {len(current)} -> {len(candidate)} operations (fewer exports)")
            current = candidate
            break
    chunks = 2
    while len(current) >= 2:
        size = max(1, len(current) // chunks)
        reduced = False
        for start in range(0, len(current), size):
            candidate = current[:start] + current[start + size :]
            if candidate and fails(candidate, root):
                log(f"  shrink: {len(current)} -> {len(candidate)} operations")
                current, chunks, reduced = candidate, max(chunks - 1, 2), True
                break
        if not reduced:
            if size == 1:
                break
            chunks = min(len(current), chunks * 2)
    return current


def check(seed: int, length: int, root: Path, *, log: Log = _quiet) -> Outcome:
    """Generate, run and (on a difference) shrink one seeded sequence."""
    ops = generate(seed, length)
    outcome = run(ops, root, log=log)
    if outcome.failure:
        log(f"difference after operation {outcome.failed_at}:\n{outcome.failure}")
        outcome.shrunk = shrink(ops[: outcome.failed_at + 1], root, log=log)
    return outcome


def reproducer(seed: int, outcome: Outcome) -> str:
    """What a failure prints: the seed, the difference and the shortest failing sequence."""
    lines = [f"seed {seed}: incremental export differs from a full export", outcome.failure,
             f"shortest reproducing sequence ({len(outcome.shrunk)} operations):"]  # fmt: skip
    lines += [f"  {' '.join(op) if op[1:] else op[0]}" for op in outcome.shrunk]
    return "\n".join(lines)
