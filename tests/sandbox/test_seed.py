"""Seeds and synthetic spaces: ids, manual order, authors, attachments, determinism, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from exporter.errors import ConfigError
from exporter.sandbox import SandboxHandle, SandboxOptions, build_sandbox
from exporter.sandbox.seed import load_seed
from exporter.sandbox.synthetic import SYNTHETIC_KEY

from .conftest import TINY
from .helpers import site_client


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


DATED_SPACE = """\
key: D
name: Dated
pages:
  - title: Handbook
    body: body.xml
    created: "2023-01-10T08:00:00.000Z"
    updated: "2026-02-02T09:30:00.000Z"
    version: 4
    attachments: [notes.txt]
  - title: Legacy
    versions: 3
  - title: Recap
    type: blogpost
    body: body.xml
    posting_day: "2026-01-16"
    created: "2026-01-16T23:30:00.000Z"
    updated: "2026-01-19T09:12:00.000Z"
    version: 2
  - title: Undated post
    type: blogpost
    posting_day: 2025-04-01
"""


@pytest.fixture
def dated(tmp_path: Path, sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    (tmp_path / "site.yaml").write_text("name: Dated\nurl: https://dated.atlassian.net\n")
    space = tmp_path / "spaces" / "D"
    (space / "attachments").mkdir(parents=True)
    (space / "space.yaml").write_text(DATED_SPACE)
    (space / "body.xml").write_text("<p>hello</p>")
    (space / "attachments" / "notes.txt").write_text("notes\n")
    return sandbox_factory(seed=tmp_path)


def _by_title(client: httpx.Client, path: str) -> dict[str, dict[str, Any]]:
    return {p["title"]: p for p in client.get(path, params={"limit": 50}).json()["results"]}


def test_created_updated_and_version_set_the_page_history(dated: SandboxHandle) -> None:
    with site_client(dated) as client:
        page = _by_title(client, "/api/v2/pages")["Handbook"]
        assert page["createdAt"] == "2023-01-10T08:00:00.000Z"
        assert page["version"]["number"] == 4
        assert page["version"]["createdAt"] == "2026-02-02T09:30:00.000Z"
        v1 = client.get(f"/rest/api/content/{page['id']}", params={"expand": "history"}).json()
        old = client.get(f"/api/v2/pages/{page['id']}", params={"version": 2}).json()
    assert v1["history"]["createdDate"] == "2023-01-10T08:00:00.000Z"
    assert "2023-01-10T08:00:00.000Z" < old["version"]["createdAt"] < "2026-02-02T09:30:00.000Z"


def test_versions_key_still_sets_the_version_count(dated: SandboxHandle) -> None:
    with site_client(dated) as client:
        assert _by_title(client, "/api/v2/pages")["Legacy"]["version"]["number"] == 3


def test_blog_post_urls_use_the_seed_posting_day(dated: SandboxHandle) -> None:
    with site_client(dated) as client:
        posts = _by_title(client, "/api/v2/blogposts")
    recap, undated = posts["Recap"], posts["Undated post"]
    assert recap["createdAt"] == "2026-01-16T23:30:00.000Z"
    assert recap["version"]["number"] == 2
    assert recap["_links"]["webui"].startswith(f"/spaces/D/blog/2026/01/16/{recap['id']}/")
    assert undated["_links"]["webui"].startswith("/spaces/D/blog/2025/04/01/")
    assert undated["createdAt"].startswith("2025-04-01T")


def test_sample_blog_post_is_dated_as_its_seed_says(sandbox: SandboxHandle) -> None:
    with site_client(sandbox) as client:
        posts = _by_title(client, "/api/v2/blogposts")
    recap = posts["Q4 2025 all-hands recap"]
    assert recap["createdAt"] == "2026-01-16T15:00:00.000Z"
    assert "/blog/2026/01/16/" in recap["_links"]["webui"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('    created: "last week"\n', "ISO timestamp"),
        ('    created: "2025-02-01T00:00:00Z"\n    updated: "2025-01-01T00:00:00Z"\n', "before"),
        ("    version: 0\n", "whole number"),
        ('    posting_day: "soon"\n', "posting_day"),
    ],
)
def test_bad_seed_dates_are_config_errors(tmp_path: Path, extra: str, message: str) -> None:
    (tmp_path / "site.yaml").write_text("name: Bad\n")
    space = tmp_path / "spaces" / "X"
    space.mkdir(parents=True)
    (space / "space.yaml").write_text("key: X\nname: X\npages:\n  - title: A\n" + extra)
    with pytest.raises(ConfigError, match=message):
        load_seed(tmp_path)
