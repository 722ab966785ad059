"""Code and noformat macros: fenced blocks that survive any backticks inside."""

from __future__ import annotations

from typing import TYPE_CHECKING

from exporter.convert.macros.registry import Macro, macro
from exporter.convert.parse import plain_text

if TYPE_CHECKING:
    from exporter.convert.converter import StorageConverter

__all__ = ["code", "language_of"]

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
def code(conv: StorageConverter, m: Macro) -> str:
    """A fenced block with the macro's language and title; verbatim CDATA body."""
    text = m.plain if m.plain is not None else (plain_text(m.body) if m.body is not None else "")
    text = text.strip("\n").rstrip()
    language = "" if m.name == "noformat" else language_of(m.param("language"))
    if conv.state.cell:
        return " " + conv.code_span(" ".join(text.split())) + " " if text else ""
    block = conv.emit.code_block(text, language, m.param("title"), m.flag("linenumbers"))
    return "\n\n" + block + "\n\n"
