"""confluence-export: Confluence Cloud spaces to Markdown and a static site.

The library face. Everything a program needs is importable from here::

    import exporter

    config = exporter.load_config(Path("config.yaml"))
    summary = exporter.export(config)                 # raises exporter.PartialExport & co.
    markdown = exporter.convert_storage("<p>Hi</p>", flavor="mkdocs")
    exporter.render_site(Path("export/docs"), Path("export/site"))

The names are loaded on first use (PEP 562 ``__getattr__``), so ``import exporter`` (which every
``exporter.*`` import runs first) stays cheap: no HTTP client, parser or template engine until a
name that needs one is touched. ``__init__.pyi`` gives type checkers the same names with their
real types; tests/test_architecture.py checks that ``__all__``, ``_EXPORTS`` and the stub agree.
Anything not listed here is internal and may move between rooms.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> the module that defines it (the room's public module where it has one)
_EXPORTS = {
    "AuthError": "exporter.errors",
    "Config": "exporter.config.settings",
    "ConfigError": "exporter.errors",
    "DeletionRefused": "exporter.errors",
    "ExportError": "exporter.errors",
    "ExportSummary": "exporter.run.summary",
    "PartialExport": "exporter.errors",
    "RateLimited": "exporter.errors",
    "SiteReport": "exporter.site",
    "convert_storage": "exporter.convert",
    "export": "exporter.run.pipeline",
    "load_config": "exporter.config.settings",
    "render_site": "exporter.site",
}

__all__ = [
    "AuthError",
    "Config",
    "ConfigError",
    "DeletionRefused",
    "ExportError",
    "ExportSummary",
    "PartialExport",
    "RateLimited",
    "SiteReport",
    "__version__",
    "convert_storage",
    "export",
    "load_config",
    "render_site",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access, then keep the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'exporter' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
