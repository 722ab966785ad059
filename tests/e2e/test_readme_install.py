"""The README's first command on a fresh machine: a non-editable install, then the demo."""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import REPO, shared_build

pytestmark = pytest.mark.timeout(300)


@dataclass(frozen=True)
class Installed:
    """A fresh virtualenv with the project installed from the checkout, and the demo's run."""

    venv: Path
    imported_from: Path
    returncode: int
    said: str  # the demo's stdout and stderr
    out: Path


def _first_shell_block(readme: str) -> str:
    found = re.search(r"```(?:sh|bash|console)\n(.*?)```", readme, re.S)
    assert found, "the README has no shell block"
    return found.group(1).strip()


def _see_the_running_interpreters_packages(venv: Path) -> None:
    """Make the fresh venv see the packages of the interpreter that runs the tests.

    ``venv --system-site-packages`` shows the *base* interpreter's packages. Run from an
    activated virtualenv (the README's set-up), hatchling and the dependencies live in that
    virtualenv instead, so ``pip install --no-build-isolation .`` could not build (issue 18).
    Its site directories are added after the fresh venv's own, so the checkout installed
    there is still the one that imports.
    """
    if sys.prefix == sys.base_prefix:
        return  # not in a virtualenv: the system site-packages are the running interpreter's
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    lines = [f"import site; site.addsitedir({folder!r})\n" for folder in site.getsitepackages()]
    (Path(purelib) / "_outer_virtualenv.pth").write_text("".join(lines), encoding="utf-8")


def _install_and_run_demo(root: Path) -> dict[str, Any]:
    venv = root / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120
    )
    _see_the_running_interpreters_packages(venv)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "."],
        cwd=REPO, env=env, check=True, timeout=240, capture_output=True,
    )  # fmt: skip
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import exporter; print(exporter.__file__)"],
        cwd=root, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    work = root / "elsewhere"
    work.mkdir()
    demo = subprocess.run(
        [str(venv / "bin" / "confluence-export"), "demo", "--out", "my-demo"],
        cwd=work, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    return {"where": where, "returncode": demo.returncode, "said": demo.stdout + demo.stderr}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root, facts = shared_build(tmp_path_factory, "install", _install_and_run_demo)
    return Installed(
        root / "venv",
        Path(facts["where"]),
        facts["returncode"],
        facts["said"],
        root / "elsewhere" / "my-demo",
    )


def test_readme_first_command_installs_the_checkout_and_runs_the_demo() -> None:
    command = _first_shell_block((REPO / "README.md").read_text(encoding="utf-8"))
    assert re.search(r"pip install \.(\s|$)", command), command
    assert "confluence-export demo" in command


def test_non_editable_install_is_what_runs(installed: Installed) -> None:
    assert installed.imported_from.is_relative_to(installed.venv), installed.imported_from
    assert not installed.imported_from.is_relative_to(REPO)


def test_installed_demo_exports_docs_and_site_from_outside_the_repo(installed: Installed) -> None:
    assert installed.returncode == 0, installed.said
    assert (installed.out / "docs").is_dir()
    assert any((installed.out / "docs").rglob("*.md"))
    assert (installed.out / "site" / "index.html").is_file()


def test_installed_demo_says_where_to_open_the_outputs(installed: Installed) -> None:
    said = installed.said
    assert str((installed.out / "docs").resolve()) in said
    assert str((installed.out / "site" / "index.html").resolve()) in said
