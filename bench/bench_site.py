"""Benchmark: render a synthetic docs folder of N pages into a site and print the figures.

    python bench/bench_site.py [--pages 2000] [--flavor mkdocs]

Prints pages, seconds for a first render, seconds for an unchanged re-render, total site bytes
and the size of the largest page (the sidebar of the whole export is in every page).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from exporter.site import render_site

BODY = """
Intro paragraph for page {n} with some **bold** text and a [link](https://example.com).

> [!NOTE]
> A callout on page {n}.

## Section one

| a | b |
|---|---|
| {n} | value |

```python
def page_{n}() -> int:
    return {n}
```

## Section two

- [x] done
- [ ] todo
"""


def build(docs: Path, pages: int, fanout: int = 10) -> None:
    """Spaces of up to 500 pages; each page gets up to ``fanout`` children, breadth first."""
    made = 0
    space = 0
    while made < pages:
        budget = min(500, pages - made)
        queue = [docs / f"space{space}"]
        space += 1
        while queue and budget > 0:
            folder = queue.pop(0)
            kids = [
                folder / f"p{made + i + 1}" for i in range(min(fanout, budget - 1 - len(queue)))
            ]
            if kids:
                folder.mkdir(parents=True)
            target = folder / "index.md" if kids else folder.with_suffix(".md")
            target.write_text(_page(folder.name, made), encoding="utf-8")
            made += 1
            budget -= 1
            queue.extend(kids)
    (docs / "index.md").write_text("---\ntitle: Bench\n---\nHome.\n", encoding="utf-8")


def _page(title: str, n: int) -> str:
    return f"---\ntitle: Page {title}\nposition: {n}\n---\n" + BODY.format(n=n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--flavor", default="gfm")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-site-"))
    try:
        build(tmp / "docs", args.pages)
        start = time.perf_counter()
        report = render_site(tmp / "docs", tmp / "site", flavor=args.flavor)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = render_site(tmp / "docs", tmp / "site", flavor=args.flavor)
        second = time.perf_counter() - start
        files = [p for p in (tmp / "site").rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        largest = max(p.stat().st_size for p in files if p.suffix == ".html")
        index = (tmp / "site" / "search-index.js").stat().st_size
        print(f"pages              {report.pages}")
        print(f"first render       {first:.2f} s ({report.pages / first:.0f} pages/s)")
        print(f"unchanged render   {second:.2f} s ({again.written} files written)")
        print(f"site size          {total / 1e6:.1f} MB in {len(files)} files")
        print(f"largest page       {largest / 1e3:.0f} KB")
        print(f"search-index.js    {index / 1e3:.0f} KB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
