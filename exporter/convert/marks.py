"""Private-use marks the converter leaves in its output until the whole page is known.

Control characters XML 1.0 does not allow in text, each replaced in one place (``exporter.convert._finish``): hard breaks are spelled per flavor, paragraph ends inside
table cells become ``<br>``s, anchors and tables of contents are filled in once every heading
of the page is known.
"""

from __future__ import annotations

__all__ = ["ANCHOR_MARK", "BREAK", "PARAGRAPH", "TOC_MARK"]

BREAK = "\x02"  # a hard line break, spelled per flavor once the page is done
PARAGRAPH = "\x04"  # a paragraph end inside a table cell: <br><br> unless it ends the cell
ANCHOR_MARK = "\x05"  # "\x05<name>\x05" is a same-page anchor, matched to headings at the end
TOC_MARK = "\x03"  # "\x03<n>\x03" stands for the n-th table of contents until headings are known
