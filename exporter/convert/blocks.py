"""Layout helpers for Markdown blocks: joining, trimming, indenting, quoting, fencing."""

from __future__ import annotations

import re

from exporter.convert.marks import BREAK, PARAGRAPH

__all__ = [
    "fence_for",
    "finish_inline",
    "indent",
    "join_blocks",
    "quote_lines",
]

_BACKTICKS = re.compile(r"`+")
_SPACES = re.compile(r"(?<=\S) {2,}")
_LINE_LEAD = re.compile(r"\n[ \t]+")


def indent(text: str, prefix: str, first: str | None = None) -> str:
    """Prefix every non-empty line (``first`` on the first line); blank lines stay blank."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        lead = first if (i == 0 and first is not None) else prefix
        out.append(lead + line if line else (lead.rstrip() if i == 0 else ""))
    return "\n".join(out)


def quote_lines(text: str, marker: str = ">") -> str:
    """Blockquote every line, blank ones included, so the quote stays one block."""
    return "\n".join(f"{marker} {line}" if line else marker for line in text.split("\n"))


def fence_for(code: str) -> str:
    """A backtick fence longer than any backtick run inside the code (at least three)."""
    longest = max((len(m) for m in _BACKTICKS.findall(code)), default=0)
    return "`" * max(3, longest + 1)


def join_blocks(parts: list[str]) -> str:
    """Concatenate rendered pieces, collapsing blank lines at their seams to at most one."""
    for part in parts:
        if part and (part[0] == "\n" or part[-1] == "\n"):
            break
    else:
        return "".join(parts)
    out: list[str] = []
    pending = -1
    first = 0
    for part in parts:
        if not part:
            continue
        body = part.strip("\n")
        lead = len(part) - len(part.lstrip("\n"))
        if not body:
            if pending < 0:
                first = max(first, lead)
            else:
                pending = max(pending, lead)
            continue
        if pending < 0:
            first = max(first, lead)
        else:
            out.append("\n" * min(2, max(pending, lead)))
        out.append(body)
        pending = len(part) - len(part.rstrip("\n"))
    if pending < 0:
        return "\n" * min(2, first)
    return "\n" * min(2, first) + "".join(out) + "\n" * min(2, pending)


def finish_inline(text: str) -> str:
    """Trim a paragraph's inline text: edge spaces and breaks, doubled spaces, line indents."""
    text = text.strip(" \n\t" + BREAK + PARAGRAPH)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _LINE_LEAD.sub("\n", text)
    return text
