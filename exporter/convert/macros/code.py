"""Code and noformat macros: fenced blocks that survive any backticks inside."""

from __future__ import annotations

from typing import TYPE_CHECKING

from exporter.convert.macros.registry import Macro, macro
from exporter.convert.parse import plain_text

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["code", "diagram_source", "language_of", "markdown", "math_block", "math_inline"]

# Confluence's language names that renderers (Pygments, Prism, Shiki) spell differently.
_LANGUAGES = {
    "none": "", "text": "text", "plain": "text", "js": "javascript", "actionscript3": "actionscript",
    "c#": "csharp", "csharp": "csharp", "c++": "cpp", "cpp": "cpp", "shell": "bash", "sh": "bash",
    "bash": "bash", "powershell": "powershell", "ps": "powershell", "py": "python",
    "html/xml": "xml", "xml": "xml", "html": "html", "jscript": "javascript", "vb": "vbnet",
    "delphi": "pascal", "erl": "erlang", "yml": "yaml", "sass": "scss", "coldfusion": "cfm",
}  # fmt: skip


def language_of(name: str | None) -> str:
    """The fence info string for a Confluence code language name."""
    if not name:
        return ""
    key = name.strip().lower()
    return _LANGUAGES.get(key, key.replace(" ", "-"))


@macro("code", "code-block", "sourcecode", "noformat", "preformatted")
def code(conv: Converter, m: Macro) -> str:
    """A fenced block with the macro's language and title; verbatim CDATA body."""
    text = m.plain if m.plain is not None else (plain_text(m.body) if m.body is not None else "")
    text = text.strip("\n").rstrip()
    language = "" if m.name == "noformat" else language_of(m.param("language"))
    if conv.state.cell:
        return " " + conv.code_span(" ".join(text.split())) + " " if text else ""
    block = conv.emit.code_block(text, language, m.param("title"), m.flag("linenumbers"))
    return "\n\n" + block + "\n\n"


_DIAGRAM_LANGUAGES = {
    "plantuml": "plantuml", "plantumlcloud": "plantuml", "plantumlrender": "plantuml",
    "mermaid": "mermaid", "mermaid-cloud": "mermaid", "mermaid-macro": "mermaid",
    "html": "html", "graphviz": "dot", "viz-dot": "dot",
}  # fmt: skip


@macro(*_DIAGRAM_LANGUAGES)
def diagram_source(conv: Converter, m: Macro) -> str:
    """Diagrams-as-code (and raw HTML): the source in a fence renderers can pick up."""
    text = (m.plain or "").strip("\n").rstrip()
    if not text:
        return ""
    if conv.state.cell:
        return " " + conv.code_span(" ".join(text.split())) + " "
    return "\n\n" + conv.emit.code_block(text, _DIAGRAM_LANGUAGES[m.name]) + "\n\n"


@macro("markdown", "md")
def markdown(conv: Converter, m: Macro) -> str:
    """Confluence's Markdown macro already holds Markdown: kept as written."""
    text = (m.plain or "").strip("\n").rstrip()
    return "\n\n" + text + "\n\n" if text else ""


@macro("easy-math-block", "mathblock", "math-block", "latex", "mathjax-block")
def math_block(conv: Converter, m: Macro) -> str:
    """A formula block in the dialect's math syntax."""
    tex = (m.param("body") or m.plain or "").strip()
    if not tex:
        return ""
    if conv.state.cell:
        return " " + conv.emit.math(tex, block=False) + " "
    return "\n\n" + conv.emit.math(tex, block=True) + "\n\n"


@macro("eazy-math-inline", "easy-math-inline", "mathinline", "math-inline", "mathjax-inline")
def math_inline(conv: Converter, m: Macro) -> str:
    """An inline formula."""
    tex = (m.param("body") or m.plain or "").strip()
    return conv.emit.math(" ".join(tex.split()), block=False) if tex else ""
