"""Two exports of the same content (two fresh sandboxes, one seed) are byte-identical trees."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from exporter.sandbox import SandboxOptions, start_sandbox
from tests.e2e.helpers import run_export, shared_build, snapshot, tree_differences

pytestmark = pytest.mark.timeout(300)
PORT_STANDIN = b"http://sandbox.invalid"
# The Recent changes page and feed name the time of each run (exporter/site/changes.py): the
# one thing two exports at two moments may not share. Compared with those times masked.
RUN_PAGES = ("changes.html", "changes.xml")
RUN_TIME = re.compile(rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\dZ?( UTC)?|run-\d{8}T\d{6}Z")


def _run_times_masked(tree: dict[str, bytes]) -> dict[str, bytes]:
    masked = {rel: RUN_TIME.sub(b"<run time>", tree[rel]) for rel in RUN_PAGES if rel in tree}
    assert len(masked) == len(RUN_PAGES), "the site has no Recent changes page or feed"
    return {**tree, **masked}


@dataclass(frozen=True)
class Twin:
    """One export's docs and site trees, and the sandbox URL it was exported from."""

    docs: dict[str, bytes]
    site: dict[str, bytes]
    base_url: str

    def normalized(self, tree: dict[str, bytes]) -> dict[str, bytes]:
        """The tree with this sandbox's random-port URL replaced by a fixed stand-in."""
        url = self.base_url.encode()
        return {path: data.replace(url, PORT_STANDIN) for path, data in tree.items()}


def _export(root: Path, name: str, port: int = 0) -> str:
    """Export the sample from a fresh sandbox (on ``port``, 0 for any) into root/name; its URL."""
    with start_sandbox(SandboxOptions(seed="sample"), port=port) as sandbox:
        run_export(sandbox, root / name, flavor="mkdocs", fmt="both")
        sandbox.stop(wait=True)
        return sandbox.base_url


def _build(root: Path) -> dict[str, Any]:
    """Three exports: two from fresh sandboxes on random ports, one on the first one's port."""
    first = _export(root, "first")
    port = urlsplit(first).port
    assert port is not None
    return {
        "first": first,
        "same_url": _export(root, "same_url", port),
        "second": _export(root, "second"),
    }


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Twin]:
    root, urls = shared_build(tmp_path_factory, "twins", _build)
    return {
        name: Twin(
            snapshot(root / name / "docs"), _run_times_masked(snapshot(root / name / "site")), url
        )
        for name, url in urls.items()
    }


@pytest.fixture
def twins(exports: dict[str, Twin]) -> tuple[Twin, Twin]:
    return exports["first"], exports["second"]


def _check(first: Twin, second: Twin, kind: str) -> None:
    left, right = getattr(first, kind), getattr(second, kind)
    assert left, f"the {kind} tree is empty"
    raw = tree_differences(left, right)
    only_port = not tree_differences(first.normalized(left), second.normalized(right))
    if raw and first.base_url != second.base_url and only_port:
        pytest.xfail(
            f"{kind} trees differ only by the sandbox's random port in URLs "
            f"({len(raw)} files, e.g. {raw[0]}): source_url / 'View in Confluence' embed "
            "sandbox.base_url; the sandbox needs a stable site URL (exporter/sandbox)."
        )
    assert raw == []


def test_two_exports_of_the_same_content_give_identical_docs_trees(
    twins: tuple[Twin, Twin],
) -> None:
    _check(*twins, "docs")


def test_two_exports_of_the_same_content_give_identical_site_trees(
    twins: tuple[Twin, Twin],
) -> None:
    _check(*twins, "site")


@pytest.mark.parametrize("kind", ["docs", "site"])
def test_fresh_sandbox_on_the_same_url_gives_byte_identical_trees(
    exports: dict[str, Twin], kind: str
) -> None:
    first, again = exports["first"], exports["same_url"]
    assert first.base_url == again.base_url
    assert getattr(first, kind)
    assert tree_differences(getattr(first, kind), getattr(again, kind)) == []


def test_exports_are_identical_apart_from_the_sandbox_url(twins: tuple[Twin, Twin]) -> None:
    first, second = twins
    for kind in ("docs", "site"):
        left, right = getattr(first, kind), getattr(second, kind)
        assert tree_differences(first.normalized(left), second.normalized(right)) == []
