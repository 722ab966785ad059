"""Peak memory of converting one very large page body (issue 16: "Streaming large bodies").

Generates a storage body of about ``--mb`` megabytes (sections of headings, paragraphs with
marks and links, tables, lists, code and panel macros, images, one table of contents at the
top), then converts it with ``convert_page`` in a fresh process per path and prints that
process's peak RSS (VmHWM) before and after, the time, and whether both paths wrote the same
Markdown:

- ``stream``: the default path (top-level blocks converted as they are parsed),
- ``whole``: the whole-tree path (the body parsed into one lxml tree first).

    python bench/convert_large.py [--mb 20]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def section(i: int) -> str:
    """One section of a long page: about 2.3 KB of the constructs real pages are made of."""
    return (
        f"<h2>Section {i}: setup &amp; checks</h2>"
        f"<p>Step {i} needs <strong>care</strong>, <em>patience</em> and "
        f'<a href="https://example.com/docs/{i}">the guide</a>; see '
        f'<ac:link><ri:page ri:content-title="Runbook {i % 7}"/></ac:link> and '
        f'<ac:link ac:anchor="Section-{max(0, i - 1)}"><ac:plain-text-link-body>'
        f"<![CDATA[the previous section]]></ac:plain-text-link-body></ac:link>.</p>"
        f"<h3>Details {i}</h3>"
        "<ul><li><p>First point with <code>inline_code()</code></p></li>"
        "<li><p>Second point</p><ul><li><p>nested detail</p></li></ul></li></ul>"
        "<table><tbody><tr><th><p>Name</p></th><th><p>Value</p></th></tr>"
        f"<tr><td><p>timeout</p></td><td><p>{i * 3} s</p></td></tr>"
        f"<tr><td><p>retries</p></td><td><p>{i % 5}</p></td></tr></tbody></table>"
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">python'
        "</ac:parameter><ac:plain-text-body><![CDATA["
        f"def step_{i}(x):\n    return x * {i}  # keep < and & as they are\n"
        "]]></ac:plain-text-body></ac:structured-macro>"
        '<ac:structured-macro ac:name="info"><ac:rich-text-body>'
        f"<p>Note {i}: the value is read once at start.</p></ac:rich-text-body>"
        "</ac:structured-macro>"
        f'<p><ac:image ac:alt="diagram {i}"><ri:attachment ri:filename="d{i % 50}.png"/>'
        "</ac:image></p>"
        "<p>Plain closing paragraph with enough words to look like prose in a manual, "
        "which is what most of a long page is made of.</p>"
    )


def body_of(megabytes: float) -> str:
    """A storage body of about ``megabytes`` MB: a table of contents, then sections."""
    target = int(megabytes * 1_000_000)
    parts = ['<ac:structured-macro ac:name="toc"><ac:parameter ac:name="maxLevel">2'
             "</ac:parameter></ac:structured-macro>"]  # fmt: skip
    size = len(parts[0])
    i = 0
    while size < target:
        parts.append(section(i))
        size += len(parts[-1])
        i += 1
    return "".join(parts)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(mode: str, megabytes: float) -> None:
    """Convert one generated body in this process; print the figures as JSON."""
    import exporter.convert.converter as converter
    from exporter.convert import OfflineResolver, convert_page
    from exporter.models import Page

    if mode == "whole":
        converter.STREAM_MIN_CHARS = sys.maxsize
    body = body_of(megabytes)
    page = Page(id="1", space_key="ENG", title="Large", body=body)
    del body
    before = peak_rss_mb()
    start = time.perf_counter()
    converted = convert_page(page, flavor="gfm", resolver=OfflineResolver())
    seconds = time.perf_counter() - start
    after = peak_rss_mb()
    digest = hashlib.sha256(converted.markdown.encode()).hexdigest()[:16]
    print(json.dumps({"mode": mode, "body_mb": len(page.body or "") / 1e6, "before": before,
                      "peak": after, "seconds": seconds, "markdown_mb":
                      len(converted.markdown) / 1e6, "sha": digest}))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--child", choices=("stream", "whole"))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.mb)
        return 0
    results = {}
    for mode in ("stream", "whole"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--mb", str(args.mb)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[mode] = json.loads(out.strip().splitlines()[-1])
    first = results["stream"]
    print(
        f"body: {first['body_mb']:.1f} MB storage -> {first['markdown_mb']:.1f} MB Markdown (gfm)"
    )
    print(f"{'path':<8} {'peak RSS (VmHWM)':>17} {'before converting':>18} {'seconds':>8}")
    for mode, r in results.items():
        print(f"{mode:<8} {r['peak']:>14.0f} MB {r['before']:>15.0f} MB {r['seconds']:>8.2f}")
    same = results["stream"]["sha"] == results["whole"]["sha"]
    print(f"same Markdown on both paths: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
