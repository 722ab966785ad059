"""Escaping prose so Markdown syntax in it renders literally, and heading slugs per renderer.

Escaping is minimal on purpose: a character gets a backslash only where a Markdown parser
could read it as syntax (``snake_case`` and ``5 * 3`` stay as they are).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "escape_inline",
    "escape_line_starts",
    "plain_markdown",
    "github_slug",
    "python_markdown_slug",
    "unique_github",
    "unique_python_markdown",
]

_PUNCT = r"!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"
_INLINE = re.compile(
    r"\\(?=[" + _PUNCT + r"\s]|$)"  # a backslash that could escape what ends up after it
    r"|`"
    r"|\[|\]"
    r"|(?<!\s)\*|\*(?!\s)"  # a star that could open or close emphasis
    r"|(?<![^\W_])_|_(?![^\W_])"  # an underscore at a word boundary
    r"|<(?=[A-Za-z/!?])"  # the start of an HTML tag or autolink
    r"|&(?=#?[A-Za-z0-9]+;)"  # something that reads as an entity
)
_MDX_INLINE = re.compile(_INLINE.pattern + r"|[{}<>]")
_OBSIDIAN_EXTRA = re.compile(_INLINE.pattern + r"|\$|#(?=[^\s#])|==|%%")
_TILDES = re.compile(r"~")
_CANDIDATES = re.compile(r"[\\`\[\]*_<&~]")
_MDX_CANDIDATES = re.compile(r"[\\`\[\]*_<>&~{}]")
_OBSIDIAN_CANDIDATES = re.compile(r"[\\`\[\]*_<&~$#=%]")
_LINE_CANDIDATE = re.compile(r"(?m)^[ \t]*[-+*#>=~0-9]")

_LINE_START = re.compile(
    r"(?m)^([ \t]*)(?:([-+*]|#{1,6})(?=[ \t]|$)|(>)|([0-9]{1,9})([.)])(?=[ \t]|$)"
    r"|(=+|-[ \t]*-[- \t]*|~{3,})(?=[ \t]*$))"
)


_LOOSE_HEADING = re.compile(r"(?m)^([ \t]*)#")


def escape_inline(text: str, *, mdx: bool = False, obsidian: bool = False) -> str:
    """Backslash-escape what inline Markdown would read as syntax in one run of prose."""
    if mdx:
        if not _MDX_CANDIDATES.search(text):
            return text
        pattern = _MDX_INLINE
    elif obsidian:
        if not _OBSIDIAN_CANDIDATES.search(text):
            return text
        pattern = _OBSIDIAN_EXTRA
    else:
        if not _CANDIDATES.search(text):
            return text
        pattern = _INLINE
    text = pattern.sub(_backslash, text)
    if "~" in text and text.count("~") > 1:
        text = _TILDES.sub(r"\\~", text)
    return text


def _backslash(match: re.Match[str]) -> str:
    return "\\" + match.group(0)


def escape_line_starts(text: str, *, loose_headings: bool = False) -> str:
    """Escape block syntax (lists, headings, quotes, rules) at the start of prose lines.

    ``loose_headings``: the renderer (Python-Markdown) reads ``#x`` as a heading too.
    """
    if not text or not _LINE_CANDIDATE.search(text):
        return text
    text = _LINE_START.sub(_escape_line_start, text)
    return _LOOSE_HEADING.sub(r"\1\\#", text) if loose_headings else text


def _escape_line_start(match: re.Match[str]) -> str:
    lead, marker, quote, number, dot, rule = match.groups()
    if marker:
        return f"{lead}\\{marker}"
    if quote:
        return f"{lead}\\>"
    if number:
        return f"{lead}{number}\\{dot}"
    if rule[0] == "-":
        return f"{lead}\\{rule}"
    # Python-Markdown has no backslash escape for "=" and "~"; a character reference works everywhere.
    return f"{lead}&#{ord(rule[0])};{rule[1:]}"


_GITHUB_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def github_slug(text: str) -> str:
    """GitHub's heading id (github-slugger): lower-case, punctuation dropped, spaces to ``-``."""
    return _GITHUB_DROP.sub("", text.strip().lower()).replace(" ", "-")


def unique_github(slug: str, used: dict[str, int]) -> str:
    """GitHub's de-duplication: the second ``x`` becomes ``x-1``."""
    if slug not in used:
        used[slug] = 0
        return slug
    while True:
        used[slug] += 1
        candidate = f"{slug}-{used[slug]}"
        if candidate not in used:
            used[candidate] = 0
            return candidate


_PM_DROP = re.compile(r"[^\w\s-]")
_PM_DASH = re.compile(r"[-\s]+")
_PM_COUNT = re.compile(r"^(.*)_([0-9]+)$")


def python_markdown_slug(text: str) -> str:
    """Python-Markdown's default ``toc`` slugify (what MkDocs uses): ASCII only."""
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    value = _PM_DROP.sub("", value).strip().lower()
    return _PM_DASH.sub("-", value)


def unique_python_markdown(slug: str, used: dict[str, int]) -> str:
    """Python-Markdown's de-duplication: ``x``, ``x_1``, ``x_2``; an empty id becomes ``_1``."""
    while slug in used or not slug:
        match = _PM_COUNT.match(slug)
        slug = f"{match.group(1)}_{int(match.group(2)) + 1}" if match else f"{slug}_1"
    used[slug] = 0
    return slug


_MARKUP = re.compile(r"<[^>]*>|!\[[^\]]*\]\([^)]*\)|\*\*|~~|`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ESCAPED = re.compile(r"\\(.)")


def plain_markdown(markdown: str) -> str:
    """The visible text of a line of inline Markdown (what renderers slug headings from)."""
    text = _LINK.sub(r"\1", _MARKUP.sub("", markdown))
    return " ".join(_ESCAPED.sub(r"\1", text).replace("*", "").split())
