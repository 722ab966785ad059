"""Stands in for `confluence-export` in action step tests: writes FAKE_PAGES pages and a summary.

Usage mirrors the real command line the action builds:
    fake_export.py [--config C] --log-format github export --summary-json S [--out DIR] ...
It records its argv in FAKE_ARGV_LOG and exits with FAKE_EXIT (default 0).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main() -> int:
    args = sys.argv[1:]
    with open(os.environ["FAKE_ARGV_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(args) + "\n")
    out = Path(args[args.index("--out") + 1]) if "--out" in args else Path("export")
    summary = Path(args[args.index("--summary-json") + 1])
    pages = [p for p in os.environ.get("FAKE_PAGES", "").split(",") if p]
    written = 0
    for page in pages:
        name, _, body = page.partition("=")
        path = out / "docs" / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = f"# {name}\n\n{body}\n"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written += 1
    failed = int(os.environ.get("FAKE_FAILED", "0"))
    summary.write_text(
        json.dumps(
            {
                "pages": {
                    "exported": written,
                    "unchanged": len(pages) - written,
                    "deleted": 0,
                    "failed": failed,
                },
                "attachments": {
                    "downloaded": 0,
                    "unchanged": 0,
                    "failed": int(os.environ.get("FAKE_ATTACHMENTS_FAILED", "0")),
                },
                "requests": 1,
                "retries": 0,
                "points": 1,
                "duration_s": 0.1,
                "warnings": 0,
            }
        )
    )
    return int(os.environ.get("FAKE_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main())
