"""The converter package's own shape: imports that run one way, modules that stay small."""

from __future__ import annotations

from pathlib import Path

import grimp

import exporter.convert

PACKAGE = Path(exporter.convert.__file__).parent


def _convert_graph() -> grimp.ImportGraph:
    return grimp.build_graph("exporter", cache_dir=None)


def test_convert_modules_import_each_other_without_a_circle() -> None:
    graph = _convert_graph()
    modules = sorted(m for m in graph.modules if m.startswith("exporter.convert"))
    circles = [
        (a, b)
        for a in modules
        for b in graph.find_modules_directly_imported_by(a)
        if b.startswith("exporter.convert") and graph.chain_exists(importer=b, imported=a)
    ]
    assert circles == []


def test_macro_modules_never_import_the_converter() -> None:
    graph = _convert_graph()
    macros = [m for m in graph.modules if m.startswith("exporter.convert.macros")]
    assert len(macros) > 5
    importing = [
        m for m in macros if graph.chain_exists(importer=m, imported="exporter.convert.converter")
    ]
    assert importing == []


def test_every_convert_module_stays_under_400_lines() -> None:
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert len(sizes) > 10
    assert {name: n for name, n in sizes.items() if n >= 400} == {}
