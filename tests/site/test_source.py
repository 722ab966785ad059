"""Reading the docs folder: front matter, bodies left on disk until rendered."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from exporter.site import source
from exporter.site.source import page_body, read_docs, split_front_matter

FRONT = """---
title: "Ünïcödé: a page"
confluence_id: '0012'
updated: 2024-05-06T07:08:09Z
position: 3
labels: [docs, "two words"]
author: {display_name: Ada}
---
# Ünïcödé: a page
Body line.
"""


def test_front_matter_uses_libyaml_when_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    assert source._YAML_LOADER is yaml.CSafeLoader


def test_front_matter_reads_as_the_pure_python_safe_loader_does() -> None:
    meta, body = split_front_matter(FRONT)
    assert meta == yaml.safe_load(FRONT.split("---\n")[1])
    assert meta["confluence_id"] == "0012" and meta["labels"] == ["docs", "two words"]
    assert meta["updated"] == dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    assert body.startswith("# Ünïcödé")


def test_unsafe_yaml_tags_are_not_loaded() -> None:
    meta, body = split_front_matter("---\nx: !!python/object/apply:os.system [echo]\n---\nB\n")
    assert meta == {} and body.startswith("---")


def test_page_bodies_stay_on_disk_until_rendered(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.md").write_bytes(FRONT.replace("\n", "\r\n").encode("utf-8"))
    (page,) = read_docs(docs).pages
    assert page.title == "Ünïcödé: a page" and page.body == ""
    assert page_body(docs, page) == "Body line.\n"
    assert len(page.digest) == 64
