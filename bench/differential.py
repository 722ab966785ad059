"""The differential check at full length: incremental exports against clean full exports.

    python bench/differential.py                        # seed 1, 200 operations
    python bench/differential.py --seed 7 --ops 400     # another sequence, longer
    python bench/differential.py --quiet                # figures only

Prints every operation and comparison, then operations, comparisons and wall time; on a
difference, the seed and the shortest operation sequence that reproduces it (exit 1).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pipeline import differential  # noqa: E402
from tests.pipeline.differential import check, reproducer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ops", type=int, default=200)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--no-attachment-deletes",
        action="store_true",
        help="leave attachment deletions out of the sequence (they are in it by default)",
    )
    args = parser.parse_args()
    differential.ATTACHMENT_DELETES = not args.no_attachment_deletes
    logging.basicConfig(level=logging.ERROR)
    log = (lambda _: None) if args.quiet else (lambda line: print(line, flush=True))
    with tempfile.TemporaryDirectory(prefix="differential-") as tmp:
        outcome = check(args.seed, args.ops, Path(tmp) / "run", log=log)
    applied = sum(1 for op in outcome.ops[: outcome.failed_at if outcome.failure else None]
                  if op[0] != "export")  # fmt: skip
    print(f"seed {args.seed}: {applied} operations, {outcome.comparisons} comparisons, "
          f"{outcome.seconds:.1f} s, {'DIFFERENT' if outcome.failure else 'all equal'}")  # fmt: skip
    if outcome.failure:
        print(reproducer(args.seed, outcome))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
