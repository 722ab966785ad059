"""The house rules that keep the package readable: small modules, packages that say their job,
and one public library face (``exporter/__init__.py``) that is sorted, lazy and documented.

The import layers and the absence of import circles are checked by ``lint-imports`` (the
contracts in pyproject.toml), which scripts/test runs after mypy.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import exporter

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "exporter"
MAX_LINES = 400

# Imported by the rooms, never by ``import exporter`` alone.
HEAVY = ("httpx", "lxml", "jinja2", "yaml", "click", "markdown_it", "starlette", "bs4", "nacl")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _packages() -> list[Path]:
    return sorted(p.parent for p in PACKAGE.rglob("__init__.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_module_stays_under_400_lines() -> None:
    too_long = {
        _rel(p): n for p in _modules() if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"split these modules (over {MAX_LINES} lines): {too_long}"


@pytest.mark.parametrize("package", _packages(), ids=lambda p: _rel(p) or "exporter")
def test_every_package_docstring_says_its_job(package: Path) -> None:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text("utf-8")))
    assert doc, f"{_rel(package)}/__init__.py needs a docstring saying what the package does"
    first = doc.split("\n\n")[0]
    assert len(first.split()) >= 6, f"{_rel(package)}: say its job in a sentence, not {first!r}"


def test_every_module_has_a_docstring() -> None:
    missing = [
        _rel(p) for p in _modules() if not ast.get_docstring(ast.parse(p.read_text("utf-8")))
    ]
    assert not missing, f"say what these modules are for: {missing}"


def test_the_public_names_are_sorted_and_each_one_is_exported() -> None:
    assert exporter.__all__ == sorted(exporter.__all__)
    assert set(exporter.__all__) == {*exporter._EXPORTS, "__version__"}
    assert len(set(exporter.__all__)) == len(exporter.__all__)


def test_the_type_stub_declares_exactly_the_public_names() -> None:
    stub = ast.parse((PACKAGE / "__init__.pyi").read_text("utf-8"))
    declared = {
        alias.asname or alias.name
        for node in stub.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    declared |= {
        node.target.id
        for node in stub.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert declared - {"__all__"} == set(exporter.__all__)
    sources = {
        alias.asname or alias.name: node.module
        for node in stub.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert sources == exporter._EXPORTS  # the stub types each name from where it is loaded


@pytest.mark.parametrize("name", sorted(exporter._EXPORTS))
def test_each_public_name_is_the_object_its_room_defines(name: str) -> None:
    value = getattr(exporter, name)
    assert value is getattr(importlib.import_module(exporter._EXPORTS[name]), name)
    assert name in dir(exporter)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        exporter.no_such_thing  # noqa: B018


def test_import_exporter_loads_no_http_client_parser_or_cli() -> None:
    code = (
        "import sys, exporter; "
        f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_using_one_public_name_loads_only_its_room() -> None:
    code = (
        "import sys, exporter; exporter.convert_storage('<p>x</p>'); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('exporter.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = out.stdout.split()
    assert any(m.startswith("exporter.convert") for m in loaded)
    assert not [
        m for m in loaded if m.startswith(("exporter.run", "exporter.site", "exporter.cli"))
    ]


def test_the_library_face_is_documented_in_the_architecture_page() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    face = page.split("## The library face", 1)[1].split("\n## ", 1)[0]
    undocumented = [name for name in exporter.__all__ if f"`{name}`" not in face]
    assert not undocumented, f"docs/architecture.md's library face misses {undocumented}"


def test_no_tracked_text_file_holds_merge_conflict_markers() -> None:
    """A merge resolved in a hurry once left ``<<<<<<<`` blocks in four docs pages."""
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not listed:
        pytest.skip("not a git checkout (a source distribution): nothing to compare")
    marker = re.compile(r"^(<{7}|>{7}) ", re.M)
    found = []
    for name in listed:
        path = ROOT / name
        if path.suffix not in (".py", ".md", ".yml", ".yaml", ".toml", ".txt", ".js", ".html"):
            continue
        if path.is_file() and marker.search(path.read_text("utf-8", errors="replace")):
            found.append(name)
    assert not found, f"resolve the merge conflict markers in {found}"
