"""Benchmark: render a synthetic docs folder of N pages into a site and print the figures.

    python bench/bench_site.py [--pages 2000] [--flavor mkdocs] [--docs EXPORTED_DOCS]

Prints pages, seconds for a first render, for an unchanged re-render and for a re-render after
one page changed (synthetic docs only), peak memory (this process and the largest worker), total
site bytes, the size of the largest page (the sidebar of the whole export is in every page) and
of the search index. ``--docs`` renders an existing docs folder instead (left unchanged; the
render cache goes to ``.confluence-export/`` beside it, as for ``confluence-export site``).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from exporter.models import FLAVORS
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
    parser.add_argument("--flavor", default="mkdocs", choices=FLAVORS)
    parser.add_argument("--docs", type=Path, default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-site-"))
    try:
        docs = args.docs or tmp / "docs"
        if args.docs is None:
            build(docs, args.pages)
        start = time.perf_counter()
        report = render_site(docs, tmp / "site", flavor=args.flavor, cache_dir=tmp / "cache")
        first = time.perf_counter() - start
        peak = _peak_mb()
        start = time.perf_counter()
        again = render_site(docs, tmp / "site", flavor=args.flavor, cache_dir=tmp / "cache")
        second = time.perf_counter() - start
        if args.docs is None:
            page = docs / "space0" / "p1" / "index.md"
            page.write_text(page.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
            start = time.perf_counter()
            edited = render_site(docs, tmp / "site", flavor=args.flavor, cache_dir=tmp / "cache")
            third = time.perf_counter() - start
        files = [p for p in (tmp / "site").rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        largest = max(p.stat().st_size for p in files if p.suffix == ".html")
        index = (tmp / "site" / "search-index.js").stat().st_size
        print(f"pages              {report.pages}")
        print(f"first render       {first:.2f} s ({report.pages / first:.0f} pages/s)")
        print(f"peak memory        {peak[0]:.0f} MB (largest worker {peak[1]:.0f} MB)")
        print(f"unchanged render   {second:.2f} s ({again.rendered} pages rendered)")
        if args.docs is None:
            print(f"one page edited    {third:.2f} s ({edited.rendered} pages rendered)")
        print(f"site size          {total / 1e6:.1f} MB in {len(files)} files")
        print(f"largest page       {largest / 1e3:.0f} KB")
        print(f"search-index.js    {index / 1e6:.1f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child (ru_maxrss is in KB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024, children / 1024


if __name__ == "__main__":
    main()
