"""Layout helpers for Markdown blocks: joining, trimming, indenting, quoting, fencing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from exporter.convert.state import BREAK, PARAGRAPH
from exporter.warnings import NESTING_FLATTENED

if TYPE_CHECKING:
    from exporter.convert.converter import StorageConverter

__all__ = [
    "MAX_LIST_DEPTH",
    "MAX_QUOTE_DEPTH",
    "fence_for",
    "finish_inline",
    "indent",
    "join_blocks",
    "quote_lines",
    "too_deep",
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


# Markdown renderers give up on deep nesting: markdown-it (the site) drops the text of lists
# nested 10 deep and of quotes nested 20 deep (its maxNesting of 20 counts a list level twice).
# Past these depths the converter flattens, so the text still renders.
MAX_LIST_DEPTH = 8
MAX_QUOTE_DEPTH = 16
_NESTING_BUDGET = 18


def too_deep(conv: StorageConverter, *, quote: bool = False) -> bool:
    """Whether one more list (or quote) level would pass what renderers parse; warns once."""
    state = conv.state
    lists = state.list_depth + (0 if quote else 1)
    quotes = state.quote_depth + (1 if quote else 0)
    if (
        lists <= MAX_LIST_DEPTH
        and quotes <= MAX_QUOTE_DEPTH
        and 2 * lists + quotes <= _NESTING_BUDGET
    ):
        return False
    state.warn(
        NESTING_FLATTENED,
        f"lists nested over {MAX_LIST_DEPTH} or quotes over {MAX_QUOTE_DEPTH} levels deep "
        "were flattened so that Markdown renderers still show their text",
    )
    return True
