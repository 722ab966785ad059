"""A real ``mkdocs build --strict`` over a small mkdocs-flavor export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exporter.convert.resolve import PageRef
from exporter.docs.writer import DocsWriter
from tests.output.trees import SITE, converted, sample_tree

BODY = """\
!!! warning "Careful"
    Back up first.

??? note "More detail"
    Hidden until opened.

- [x] download
- [ ] install

| Step | Time |
| --- | --- |
| one | 1m |

![diagram]({image})

See [ADR 1]({adr}) and [the runbook]({runbook}).
"""


def test_mkdocs_strict_build_passes_and_nav_keeps_confluence_order(tmp_path: Path) -> None:
    out = tmp_path / "out"
    tree = sample_tree()
    writer = DocsWriter(out / "docs", tree, "mkdocs", site_url=SITE)
    for space in tree.spaces:
        for n in space.walk():
            body = f"About {n.page.title}.\n"
            if n.page.id == "121":
                r = writer.resolver(n.page)
                body = BODY.format(
                    image=r.attachment("diagram v2.png").href,
                    adr=r.page(PageRef(title="ADR 1")).href,
                    runbook=r.page(PageRef(title="Runbook", space_key="OPS")).href,
                )
            writer.write_page(converted(n.page, body))
        for post in space.blogposts:
            writer.write_page(converted(post, "A post.\n"))
    with writer.open_attachment("121", "diagram v2.png") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    writer.finish()

    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(out / "mkdocs.yml"),
         "-d", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    site = tmp_path / "site"
    page = (site / "eng/setup/install.html").read_text()
    assert "admonition warning" in page
    assert "<details" in page
    assert "task-list" in page
    assert "<table>" in page
    assert 'src="install.assets/diagram%20v2.png"' in page
    assert (site / "eng/setup/install.assets/diagram v2.png").is_file()
    assert 'href="../design/adr-1.html"' in page

    home = (site / "index.html").read_text()
    order = [home.find(f'href="{href}"') for href in
             ("eng/zeta-guide.html", "eng/setup/index.html", "eng/design/index.html",
              "eng/blog/index.html", "ops/index.html")]  # fmt: skip
    assert -1 not in order and order == sorted(order)
