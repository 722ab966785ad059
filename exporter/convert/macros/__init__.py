"""Handlers for storage elements and macros, one module per family, in one registry.

Importing this package fills the registry (each module registers its handlers as it loads);
no module here imports the converter back.
"""

from exporter.convert.macros import (
    code,
    dispatch,
    embeds,
    html_macro,
    layout,
    links,
    lists,
    panels,
    tables,
    tasks,
)
from exporter.convert.macros.registry import ELEMENTS, MACROS, Macro, element, macro

__all__ = [
    "ELEMENTS",
    "MACROS",
    "Macro",
    "code",
    "dispatch",
    "element",
    "embeds",
    "html_macro",
    "layout",
    "links",
    "lists",
    "macro",
    "panels",
    "tables",
    "tasks",
]
