"""``mkdocs build --strict`` over the mkdocs-flavor export of the sample, nav in Confluence's order."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin

import pytest

from exporter.sandbox import SandboxOptions, start_sandbox
from tests.e2e.helpers import (
    exported_space_keys,
    ids_by_file,
    parse_html,
    run_export,
    shared_build,
    tree_order,
)

pytestmark = pytest.mark.timeout(300)


@dataclass(frozen=True)
class Built:
    """The export, mkdocs' result and Confluence's manual order per space."""

    out: Path
    site: Path
    returncode: int
    output: str
    orders: dict[str, list[str]]
    titles: dict[str, str]


def _build(root: Path) -> dict[str, Any]:
    with start_sandbox(SandboxOptions(seed="sample")) as sandbox:
        run_export(sandbox, root / "out", flavor="mkdocs", fmt="docs")
        store = sandbox.store
        orders = {key: tree_order(store, key) for key in exported_space_keys(store)}
        titles = {r.id: r.title for r in store.content.values()}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "out" / "mkdocs.yml"),
         "-d", str(root / "mkdocs-site")],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    return {
        "returncode": result.returncode,
        "output": result.stdout + result.stderr,
        "orders": orders,
        "titles": titles,
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root, facts = shared_build(tmp_path_factory, "mkdocs", _build)
    return Built(
        root / "out",
        root / "mkdocs-site",
        facts["returncode"],
        facts["output"],
        facts["orders"],
        facts["titles"],
    )


def test_mkdocs_strict_build_of_the_sample_export_succeeds(built: Built) -> None:
    assert (built.out / "mkdocs.yml").is_file()
    assert built.returncode == 0, built.output
    assert (built.site / "index.html").is_file()


def _nav_ids(built: Built) -> list[str]:
    """Page ids in the order the built site's primary navigation lists them."""
    docs = built.out / "docs"
    by_html = {
        path.relative_to(docs).with_suffix(".html").as_posix(): page_id
        for path, page_id in ids_by_file(docs).items()
    }
    html = parse_html((built.site / "index.html").read_text(encoding="utf-8"))
    order: list[str] = []
    for tag in html.tags:
        href = tag.get("href")
        if tag.name != "a" or href is None or "md-nav__link" not in (tag.get("class") or ""):
            continue
        rel = unquote(urljoin("http://x/", href).removeprefix("http://x/").split("#")[0])
        page_id = by_html.get(rel)
        if page_id is not None and page_id not in order:
            order.append(page_id)
    return order


def test_mkdocs_nav_follows_confluence_manual_order(built: Built) -> None:
    assert built.returncode == 0, "the build failed; see the strict-build test"
    nav = _nav_ids(built)
    assert nav, "no page of the export appears in the built site's navigation"
    for key, expected in built.orders.items():
        listed = [page_id for page_id in nav if page_id in set(expected)]
        assert listed == expected, (
            f"space {key}: nav order\n  {[built.titles[i] for i in listed]}\n"
            f"differs from Confluence's\n  {[built.titles[i] for i in expected]}"
        )
