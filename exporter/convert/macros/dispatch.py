"""The entry for every macro element: its registered handler, else the unknown-macro stand-in.

A handler that fails raises :class:`~exporter.errors.ConversionError` naming the page and the
macro, so the caller reports which page could not be converted and why (the export counts it as
a failed page, never as a success).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from exporter.convert.macros.placeholder import unknown_macro
from exporter.convert.macros.registry import MACROS, Macro, element, parse_macro
from exporter.errors import ConversionError, ExportError

if TYPE_CHECKING:
    from exporter.convert.protocol import Converter

__all__ = ["macro_failed", "structured_macro", "unknown_element"]


@element("ac:structured-macro", "ac:macro")
def structured_macro(conv: Converter, el: etree._Element) -> str:
    """Dispatch a macro to its handler, or keep an unknown macro's body with its name."""
    m = parse_macro(el)
    handler = MACROS.get(m.name)
    if handler is None:
        return unknown_macro(conv, m)
    try:
        return handler(conv, m)
    except (ExportError, RecursionError):
        # A nested macro's error already names the innermost macro; a too-deep tree is
        # converted again on a bigger stack (exporter.convert._with_deep_stack).
        raise
    except Exception as exc:
        raise macro_failed(conv, m, exc) from exc


def macro_failed(conv: Converter, m: Macro, exc: Exception) -> ConversionError:
    """The error for a macro handler that raised: which macro, on which page, and why."""
    page = conv.state.page
    where = ""
    if page is not None:
        where = f" on page {page.title!r}" if page.title else ""
        where += f" ({page.page_id})" if page.page_id else ""
    return ConversionError(
        f"The {m.name!r} macro{where} could not be converted ({type(exc).__name__}: {exc}). "
        "Report it with the page's storage body; `confluence-export convert` on that body "
        "shows the same error.",
        page_id=page.page_id if page is not None else None,
        macro=m.name,
    )


@element("ac:*")
def unknown_element(conv: Converter, el: etree._Element) -> str:
    """A storage element we do not know: its content, never its tag."""
    return conv.children(el)
