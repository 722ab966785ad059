"""Hand-built docs folders in each flavor, and a link checker for rendered sites.

(A uniquely named helper module rather than ``conftest`` imports: ``tests/conftest.py`` is
also a top-level ``conftest``.)
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

FLAVORS = ("gfm", "mkdocs", "docusaurus", "obsidian")
UNIQUE_WORD = "zanzibarquux"  # appears only in the four-level-deep page's body
DEEP_TITLE = "Fourth level café"
HOSTILE_TITLE = 'Hostile </title><script>window.__pwned = 9</script> "page"'

CALLOUTS = {
    "gfm": """\
> [!NOTE]
> A note with **bold** text.

> [!WARNING]
> Mind the gap.

<details>
<summary>More detail</summary>

Hidden text.

</details>
""",
    "mkdocs": """\
!!! note "Heads up"
    A note with **bold** text.

??? warning "Mind the gap"
    Folded warning body.

???+ tip "Open tip"
    Tip body.
""",
    "docusaurus": """\
:::note[Heads up]

A note with **bold** text and MDX escapes \\{curly\\} &lt;tag&gt;.

:::

:::warning

Mind the gap.

:::
""",
    "obsidian": """\
> [!note] Heads up
> A note with **bold** text.

> [!warning]- Mind the gap
> Folded warning body.

See [[eng/guide/deep/deeper|the deep page]] and ![[logo.png]].
""",
}

COMMON_BODY = """\
## Code sample

```python
def greet(name: str) -> str:
    return f"hello {name}"
```

## A table

| Name | Value |
|------|-------|
| alpha | 1 |
| ~~beta~~ | 2 |

<table><tr><td colspan="2" rowspan="1">merged cell</td></tr></table>

## Tasks

- [x] done thing
- [ ] open thing
"""

HOSTILE_BODY = """\
<script>window.__pwned = 1</script>

<img src="data:image/png;base64,AAAA" onerror="window.__pwned = 2">

[markdown js link](javascript:window.__pwned=3)

<a href="javascript:window.__pwned=4">raw js link</a>

<a href="JaVaScRiPt:window.__pwned=5">mixed case js link</a>

<iframe src="https://evil.example/"></iframe>

<style>body { display: none }</style>

<object data="evil.swf"></object>

<a href="data:text/html,hello">data link</a>

<svg onload="window.__pwned = 6"><circle r="4"></circle></svg>

<details open ontoggle="window.__pwned = 7"><summary>toggle</summary>body</details>

<p style="background:url(javascript:alert(1))" onclick="window.__pwned = 8">styled</p>

<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=10">

<base href="https://evil.example/">

<form action="javascript:window.__pwned=11"><button formaction="javascript:1">go</button></form>

<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=12"></style></mglyph></table></mtext></math>

Safe text survives.
"""


def tiny_png() -> bytes:
    """A valid 1x1 PNG, so browsers render the attachment."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = zlib.compress(b"\x00\xff\x80\x00")
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _front(title: str, position: int, page_id: str, space: str, flavor: str) -> str:
    lines = [
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        f"confluence_id: '{page_id}'",
        f"space: {space}",
        "version: 3",
        "updated: '2024-05-06T07:08:09Z'",
        f"source_url: https://example.atlassian.net/wiki/spaces/{space}/pages/{page_id}",
        "labels: [docs, sample]",
        "author: Ada Lövelace",
        f"position: {position}",
    ]
    if flavor == "docusaurus":
        lines.append(f"sidebar_position: {position}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def build_docs(root: Path, flavor: str) -> Path:
    """Write a small export: two spaces, a page four levels deep, callouts, a hostile page."""
    docs = root / "docs"
    index = "README.md" if flavor == "gfm" else "index.md"
    ext = "" if flavor == "obsidian" else ".md"
    stem = Path(index).stem

    def page(rel: str, title: str, position: int, body: str, space: str = "ENG") -> None:
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        pid = str(abs(zlib.crc32(rel.encode())))
        path.write_text(_front(title, position, pid, space, flavor) + body, encoding="utf-8")

    deep_index = f"deep/{index}"
    links = f"""\
## Links

- [Deep dive]({deep_index})
- [Deeper section](deep/deeper{ext or ".md"}#second-heading)
- [Engineering home](../{index})
- [Engineering folder](../)
- [Logo file](../{stem}.assets/logo.png)
- [External](https://example.com/page?x=1)
- [Same page](#links)

![Logo](../{stem}.assets/logo.png)
"""
    docs.mkdir(parents=True)
    (docs / index).write_text(
        "---\ntitle: Company Docs\n---\n\nWelcome to the **export**.\n", encoding="utf-8"
    )
    page(f"eng/{index}", "Engineering", 1, "The engineering space.\n")
    (docs / "eng" / f"{Path(index).stem}.assets").mkdir()
    (docs / "eng" / f"{Path(index).stem}.assets" / "logo.png").write_bytes(tiny_png())
    page(f"eng/guide/{index}", "Guide", 1, "Guide intro.\n\n" + links)
    page(f"eng/guide/{deep_index}", "Deep dive", 1, "Third level.\n")
    page(
        "eng/guide/deep/deeper.md",
        DEEP_TITLE,
        1,
        f"## First heading\n\nThe word {UNIQUE_WORD} lives here.\n\n## Second heading\n\nEnd.\n",
    )
    assets = docs / "eng/guide/deep/deeper.assets"
    assets.mkdir()
    (assets / "report v1.txt").write_text("report", encoding="utf-8")
    page("eng/guide/callouts.md", "Callouts & code", 2, CALLOUTS[flavor] + "\n" + COMMON_BODY)
    page("eng/hostile.md", HOSTILE_TITLE, 3, HOSTILE_BODY)
    page("eng/unicode.md", "Ünïcödé 日本語 ページ", 2, "Unicode body ✓.\n")
    page(f"ops/{index}", "Operations", 2, "", space="OPS")
    page("ops/runbook.md", "Runbook", 1, "Restart the thing.\n", space="OPS")
    if flavor == "mkdocs":
        (root / "mkdocs.yml").write_text("site_name: Company Docs\ndocs_dir: docs\n")
    if flavor == "docusaurus":
        (docs / "eng" / "_category_.json").write_text('{"label": "Engineering", "position": 1}')
    return docs


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append(value)
            if name == "id" and value:
                self.ids.add(value)


def _parse(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> list[str]:
    """Every relative href/src that does not resolve to a file (or anchor) in the site."""
    problems: list[str] = []
    external = re.compile(r"^(https?:|mailto:|tel:|data:image/)")
    for page in sorted(site.rglob("*.html")):
        for ref in _parse(page).refs:
            where = f"{page.relative_to(site)}: {ref}"
            if external.match(ref):
                continue
            if ref.startswith("/") or re.match(r"^[a-zA-Z][\w+.-]*:", ref):
                problems.append(f"absolute or unsafe link {where}")
                continue
            parts = urlsplit(ref)
            target = (page.parent / unquote(parts.path)) if parts.path else page
            if not target.resolve().is_relative_to(site.resolve()):
                problems.append(f"leaves the site {where}")
            elif target.is_dir() or ref.endswith("/"):
                problems.append(f"directory link {where}")
            elif not target.is_file():
                problems.append(f"missing target {where}")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in _parse(target).ids
            ):
                problems.append(f"missing anchor {where}")
    return problems
