"""Personal spaces in the sample and synthetic seeds, the seed keys for history, and the
``spaces`` command's type column."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from exporter.sandbox import SandboxHandle
from exporter.sandbox.seed import load_seed, personal_space_key

from .helpers import site_client, walk_v2


def _spaces_command(config: Path) -> subprocess.CompletedProcess[str]:
    """``confluence-export spaces`` in its own process (it sets up logging for the process)."""
    return subprocess.run(
        [sys.executable, "-m", "exporter", "--config", str(config), "spaces"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


def _spaces(sb: SandboxHandle, query: str) -> list[dict[str, object]]:
    with site_client(sb) as client:
        results, _ = walk_v2(client, sb, f"/api/v2/spaces?limit=1&{query}")
    return results


def test_sample_has_personal_spaces_keyed_by_their_owners_account_id(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(seed="sample")
    personal = _spaces(sb, "type=personal")
    users = sb.store.users
    assert 1 <= len(personal) <= 2
    for space in personal:
        owner = next(u for u in users.values() if personal_space_key(u.account_id) == space["key"])
        assert space["name"] == owner.display_name and space["authorId"] == owner.account_id
    assert {s["key"] for s in _spaces(sb, "type=global")} == {"ACME", "ENG"}


def test_synthetic_seed_adds_a_few_personal_spaces_beside_syn(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(seed=None, synthetic_pages=10)
    personal = _spaces(sb, "type=personal")
    assert len(personal) == 3 and all(str(s["key"]).startswith("~") for s in personal)
    assert [s["key"] for s in _spaces(sb, "type=global")] == ["SYN"]
    with site_client(sb) as client:
        pages = client.get(f"/api/v2/spaces/{personal[0]['id']}/pages").json()["results"]
    assert len(pages) == 2


def test_archived_space_from_the_seed_is_listed_only_by_status(tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    (seed / "spaces" / "OLD").mkdir(parents=True)
    (seed / "site.yaml").write_text("name: T\nusers: [{account_id: '557058:t', display_name: T}]\n")
    (seed / "spaces" / "OLD" / "space.yaml").write_text(
        "key: OLD\nstatus: archived\ntype: knowledge_base\npages: [{title: Old home}]\n"
    )
    store = load_seed(seed)
    assert (store.spaces["OLD"].status, store.spaces["OLD"].type) == ("archived", "knowledge_base")


def test_seed_history_comments_and_properties(tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    space = seed / "spaces" / "DOC"
    space.mkdir(parents=True)
    (seed / "site.yaml").write_text(
        "name: T\nusers:\n  - {account_id: '557058:a', display_name: Ann}\n"
        "  - {account_id: '557058:b', display_name: Ben}\n"
    )
    (space / "v1.xml").write_text("<p>first</p>")
    (space / "now.xml").write_text("<p>now</p>")
    (space / "space.yaml").write_text(
        """key: DOC
pages:
  - title: Guide
    body: now.xml
    author: Ann
    message: Tidy up
    updated: "2025-03-01T00:00:00.000Z"
    history:
      - {title: Draft, body: v1.xml, when: "2025-01-01T00:00:00.000Z", message: Start}
      - {when: "2025-02-01T00:00:00.000Z", author: Ben, minor_edit: true}
    properties: {owner: {team: docs}}
    comments:
      - body: <p>Nice</p>
        author: Ben
        replies: [{body: <p>Thanks</p>, author: Ann}]
      - {body: <p>Typo</p>, kind: inline, selection: teh, resolved: true}
"""
    )
    store = load_seed(seed)
    page = next(iter(store.content.values()))
    assert [v.number for v in page.versions] == [1, 2, 3]
    assert [v.title for v in page.versions] == ["Draft", "Guide", "Guide"]
    assert [v.author_id for v in page.versions] == ["557058:a", "557058:b", "557058:a"]
    assert [v.message for v in page.versions] == ["Start", "", "Tidy up"]
    assert page.versions[1].minor_edit is True
    assert [page.body_at(n) for n in (1, 2, 3)] == ["<p>first</p>", "<p>first</p>", "<p>now</p>"]
    roots = [store.comments[i] for i in store.page_comments[page.id]]
    assert [(c.kind, c.resolution) for c in roots] == [("footer", "open"), ("inline", "resolved")]
    assert [store.comments[i].body for i in roots[0].children] == ["<p>Thanks</p>"]
    assert [(p.key, p.value) for p in store.properties[page.id]] == [("owner", {"team": "docs"})]


def test_spaces_command_lists_personal_spaces_with_an_aligned_type_column(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory(seed="sample")
    config = sb.write_config(tmp_path / "config.yaml")
    result = _spaces_command(config)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(sb.store.spaces)
    personal = [line for line in lines if line.startswith("~")]
    assert len(personal) == 2 and all(" personal " in line for line in personal)
    starts = {line.index(line.split()[1], len(line.split()[0])) for line in lines}
    assert len(starts) == 1  # the type column starts at the same place on every line
    assert any(line.startswith("ACME ") and " global " in line for line in lines)


def test_spaces_command_marks_archived_spaces(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sb = sandbox_factory(seed="sample")
    sb.store.spaces["ENG"].status = "archived"
    config = sb.write_config(tmp_path / "config.yaml")
    result = _spaces_command(config)
    assert any(
        line.startswith("ENG ") and "global (archived)" in line
        for line in result.stdout.splitlines()
    )


def test_type_filter_counts_points_per_returned_space(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(seed="sample")
    with site_client(sb) as client:
        sb.reset_stats()
        response = client.get("/api/v2/spaces?type=personal")
    assert isinstance(response, httpx.Response) and len(response.json()["results"]) == 2
    assert sb.stats()["points"] == 1 + 2
