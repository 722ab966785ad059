"""A non-editable install must carry every data file (templates, the bundled sample)."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _build_wheel(tmp_path: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("confluence_export-*.whl")
    return wheel


def test_wheel_ships_templates_and_sample_space(tmp_path):
    names = set(zipfile.ZipFile(_build_wheel(tmp_path)).namelist())
    assert "exporter/cli/main.py" in names
    assert {"exporter/__init__.pyi", "exporter/py.typed"} <= names  # the library face, typed
    templates = [n for n in names if n.startswith("exporter/templates/")]
    assert templates, "templates/ is missing from the wheel"
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file():
            assert f"exporter/templates/{path.relative_to(ROOT / 'templates').as_posix()}" in names
    sample = ROOT / "exporter" / "sandbox" / "sample"
    for path in sample.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"exporter/sandbox/sample/{path.relative_to(sample).as_posix()}" in names


# The non-editable install into a fresh virtualenv, and `demo` from it, is covered end to end
# by tests/e2e/test_readme_install.py.
