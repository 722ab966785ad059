"""Handlers for storage elements and macros, one module per family, in one registry."""

from exporter.convert.macros import code, layout, links, lists, panels, tables, tasks
from exporter.convert.macros.registry import ELEMENTS, MACROS, Macro, element, macro

__all__ = [
    "ELEMENTS",
    "MACROS",
    "Macro",
    "code",
    "element",
    "layout",
    "links",
    "lists",
    "macro",
    "panels",
    "tables",
    "tasks",
]
