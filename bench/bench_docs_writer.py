"""Benchmark the docs writer: plan, first write, no-change rewrite of a large page tree.

    python bench/bench_docs_writer.py [--pages 10000]

Prints seconds per phase; not a test (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from exporter.convert.resolve import PageRef
from exporter.docs.writer import DocsWriter
from exporter.models import ConvertedPage, NavNode, NavTree, Page, Space, SpaceTree


def build_tree(pages: int) -> NavTree:
    """One space: a homepage with sections of 10 subsections of up to 100 leaves each."""
    ident = iter(range(1000, 10**9))
    leaves_per = 100
    sections = []
    made = 1
    while made < pages:
        subs = []
        for _ in range(10):
            leaves = []
            for _ in range(min(leaves_per, max(0, pages - made - 12))):
                leaves.append(NavNode(Page(str(next(ident)), "BIG", f"Leaf page {made}")))
                made += 1
            subs.append(NavNode(Page(str(next(ident)), "BIG", f"Sub {made}"), tuple(leaves)))
            made += 1
        sections.append(NavNode(Page(str(next(ident)), "BIG", f"Section {made}"), tuple(subs)))
        made += 1
    home = NavNode(Page("1", "BIG", "Home"), tuple(sections))
    space = Space("s1", "BIG", "Big space", homepage_id="1")
    return NavTree((SpaceTree(space, (home,)),))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10_000)
    args = parser.parse_args()
    tree = build_tree(args.pages)
    nodes = list(tree.walk())
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "out" / "docs"
        t0 = time.perf_counter()
        writer = DocsWriter(docs, tree, "mkdocs", site_url="https://x.atlassian.net")
        t1 = time.perf_counter()
        for n in nodes:
            r = writer.resolver(n.page)
            link = r.page(PageRef(title="Home")).href
            writer.write_page(ConvertedPage(n.page, f"Body of {n.page.title}. [home]({link})\n"))
        report = writer.finish()
        t2 = time.perf_counter()
        again = DocsWriter(docs, tree, "mkdocs", site_url="https://x.atlassian.net",
                           managed=report.managed)  # fmt: skip
        for n in nodes:
            r = again.resolver(n.page)
            link = r.page(PageRef(title="Home")).href
            again.write_page(ConvertedPage(n.page, f"Body of {n.page.title}. [home]({link})\n"))
        second = again.finish()
        t3 = time.perf_counter()
    print(f"pages: {len(nodes)}")
    print(f"plan layout:        {t1 - t0:6.2f} s")
    print(f"first write:        {t2 - t1:6.2f} s  ({len(report.added)} files added)")
    print(f"no-change rewrite:  {t3 - t2:6.2f} s  ({len(second.unchanged)} unchanged, "
          f"{len(second.changed) + len(second.added)} written)")  # fmt: skip


if __name__ == "__main__":
    main()
