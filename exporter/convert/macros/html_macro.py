"""The ``html`` macro: its body is HTML for the browser, so it is converted the way rendered
HTML is (markdownify, :mod:`exporter.convert.rendered`), not shown as source code.

Confluence Cloud no longer offers the macro for new content, but pages migrated from Server
and Data Center keep it in their storage.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from exporter.convert.macros.registry import Macro, macro
from exporter.convert.nodes import is_block
from exporter.convert.parse import plain_text
from exporter.convert.rendered import RenderedHtml
from exporter.warnings import MACRO_NOT_EXPORTED

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["html_macro"]

_LINE_BREAKS = re.compile(r"(?:(?<!\\)\\)?[ \t]*\n\s*")  # hard breaks and newlines
_BARE_PIPE = re.compile(r"(?<!\\)\|")


@macro("html")
def html_macro(conv: Converter, m: Macro) -> str:
    """The HTML body as Markdown in the page's flavor; scripts, styles and frames left out
    (with a warning naming them), links vetted like every other link of the page."""
    source = m.plain if m.plain is not None else (plain_text(m.body) if m.body is not None else "")
    if not source.strip():
        return ""
    rendered = RenderedHtml(conv.emit, conv.state.resolver, conv.state.base_url)
    markdown = rendered.convert(source).strip("\n")
    if rendered.dropped:
        left_out = ", ".join(f"<{tag}>" for tag in sorted(rendered.dropped))
        conv.state.warn(MACRO_NOT_EXPORTED, f"macro 'html': {left_out} left out (Markdown "
                        "cannot run or embed it); the HTML's text is kept")  # fmt: skip
    if not markdown:
        return ""
    if conv.state.cell or conv.state.heading or not is_block(m.el):
        inline = _LINE_BREAKS.sub(" ", markdown)
        return " " + (_BARE_PIPE.sub(r"\\|", inline) if conv.state.cell else inline) + " "
    return "\n\n" + markdown + "\n\n"
