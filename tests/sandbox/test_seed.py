"""Seeds and synthetic spaces: ids, manual order, authors, attachments, determinism, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.errors import ConfigError
from exporter.sandbox import SandboxOptions, build_sandbox
from exporter.sandbox.seed import load_seed
from exporter.sandbox.synthetic import SYNTHETIC_KEY

from .conftest import TINY


def test_seed_gives_realistic_ids_and_manual_order() -> None:
    store = load_seed(TINY)
    assert list(store.spaces) == ["DOC", "OPS"]
    space = store.spaces["DOC"]
    assert isinstance(space.id, int)
    home = store.content[space.homepage_id]  # type: ignore[index]
    assert [store.content[c].title for c in home.children] == [
        "Zebra guide",
        "Apple notes",
        "Design docs",
    ]
    assert all(cid.isdigit() for cid in store.content)
    assert all(aid.startswith("att") and aid[3:].isdigit() for aid in store.attachments)


def test_seed_authors_labels_and_renamed_attachments() -> None:
    store = load_seed(TINY)
    zebra = next(r for r in store.content.values() if r.title == "Zebra guide")
    assert store.users[zebra.author_id].display_name == "Bob Baker"
    assert [lab.name for lab in zebra.labels] == ["guide", "animals"]
    att = store.attachments[zebra.attachments[0]]
    assert att.title == "Café menu 2026.txt" and att.media_type == "text/plain"
    assert att.current.data == b"Coffee 2.50\nTea 2.00\n"


def test_missing_body_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("name: Broken\n")
    space = tmp_path / "spaces" / "X"
    space.mkdir(parents=True)
    (space / "space.yaml").write_text(
        "key: X\nname: X\npages:\n  - title: A\n    body: missing.xml\n"
    )
    with pytest.raises(ConfigError, match="missing.xml"):
        load_seed(tmp_path)


def test_seed_directory_without_site_yaml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="site.yaml"):
        load_seed(tmp_path)


def test_sample_seed_matches_the_issue_brief() -> None:
    store = build_sandbox(SandboxOptions(seed="sample")).store
    pages = [r for r in store.content.values() if r.type == "page"]
    assert len(store.spaces) >= 2 and len(pages) >= 40
    assert any(r.type == "folder" for r in store.content.values())
    assert any(r.type == "blogpost" for r in store.content.values())
    assert len(store.attachments) >= 15
    assert max(len(store.ancestors(p)) for p in pages) >= 3


def test_synthetic_space_is_deterministic_bushy_and_realistic() -> None:
    opts = SandboxOptions(seed=None, synthetic_pages=60, attachments_per_page=1.5)
    one = build_sandbox(opts).store
    two = build_sandbox(opts).store
    pages = [r for r in one.content.values() if r.space_key == SYNTHETIC_KEY]
    assert len(pages) == 60
    assert [(r.id, r.title, r.body) for r in pages] == [
        (r.id, r.title, r.body) for r in two.content.values() if r.space_key == SYNTHETIC_KEY
    ]
    assert all(5000 <= len(r.body.encode()) <= 22000 for r in pages)
    home = one.content[one.spaces[SYNTHETIC_KEY].homepage_id]  # type: ignore[index]
    assert len(home.children) == 6
    assert 60 <= len(one.attachments) <= 120
    assert one.attachments[pages[0].attachments[0]].current.data.startswith(b"\x89PNG")


def test_a_hand_built_store_can_be_served() -> None:
    from exporter.sandbox import Sandbox, serve_sandbox
    from exporter.sandbox.store import Store

    store = Store("Hand made")
    store.add_user("557058:ada", "Ada")
    store.add_space("HM", "Hand made")
    store.add_content("HM", "Only page", "<p>hi</p>")
    with serve_sandbox(Sandbox(store)) as sb:
        response = sb.http.get(
            "/wiki/api/v2/pages", auth=(sb.ready["email"], sb.ready["api_token"])
        )
    assert [p["title"] for p in response.json()["results"]] == ["Only page"]
