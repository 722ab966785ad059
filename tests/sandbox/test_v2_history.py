"""Page versions, past versions' bodies and the admin API that makes them, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from exporter.sandbox import SandboxHandle

from .helpers import HTTP, gateway_client, walk_v2

ALICE = "712020:aaaaaaaa-1111-4111-8111-111111111111"
BOB = "557058:bbbbbbbb-2222-4222-8222-222222222222"


def _page_id(sb: SandboxHandle, title: str) -> str:
    return next(r.id for r in sb.store.content.values() if r.title == title)


def _edit(sb: SandboxHandle, page_id: str, **fields: object) -> httpx.Response:
    return HTTP.post(f"{sb.base_url}/__sandbox/pages/{page_id}/versions", json=fields)


def _history(sb: SandboxHandle, title: str = "Apple notes") -> str:
    """Versions 2-4 of a page: a message by Bob, a minor edit, a rename by Alice."""
    page = _page_id(sb, title)
    steps = [
        {"body": "<p>two</p>", "message": "Add two", "author": BOB, "when": "2025-01-02T10:00:00Z"},
        {"body": "<p>three</p>", "minor_edit": True, "when": "2025-01-03T10:00:00.000Z"},
        {"title": "Pear notes", "message": "Rename", "author": "Alice Able"},
    ]
    for step in steps:
        assert _edit(sb, page, **step).status_code == 201
    return page


def test_versions_list_newest_first_with_author_message_minor_edit_and_title_then(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _history(tiny)
    body = client.get(f"/api/v2/pages/{page}/versions").json()
    numbers = [v["number"] for v in body["results"]]
    assert numbers == [4, 3, 2, 1]
    four, three, two, one = body["results"]
    assert set(two) == {"number", "authorId", "createdAt", "message", "minorEdit", "page"}
    assert (two["authorId"], two["message"], two["minorEdit"]) == (BOB, "Add two", False)
    assert two["createdAt"] == "2025-01-02T10:00:00.000Z"
    assert three["minorEdit"] is True
    assert (four["authorId"], four["message"]) == (ALICE, "Rename")
    assert four["page"] == {"id": page, "title": "Pear notes"}
    assert one["page"] == {"id": page, "title": "Apple notes"}
    assert body["_links"]["base"] == tiny.site_url + "/wiki"


def test_versions_list_never_carries_bodies_even_with_body_format(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _history(tiny)
    results = client.get(f"/api/v2/pages/{page}/versions?body-format=storage").json()["results"]
    assert results and all("body" not in v["page"] for v in results)
    ascending = client.get(f"/api/v2/pages/{page}/versions?sort=modified-date").json()
    assert [v["number"] for v in ascending["results"]] == [1, 2, 3, 4]
    assert client.get(f"/api/v2/pages/{page}/versions?sort=title").status_code == 400
    assert client.get(f"/api/v2/pages/{page}/versions?body-format=wiki").status_code == 400


def test_page_at_an_old_version_has_that_versions_body_title_and_version(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _history(tiny)
    first = client.get(f"/api/v2/pages/{page}?version=1&body-format=storage").json()
    assert first["body"]["storage"]["value"] == tiny.store.content[page].body_at(1)
    assert first["title"] == "Apple notes"
    assert first["version"]["number"] == 1
    assert first["status"] == "historical"
    second = client.get(f"/api/v2/pages/{page}?version=2&body-format=storage").json()
    assert second["body"]["storage"]["value"] == "<p>two</p>"
    assert second["version"]["message"] == "Add two"
    current = client.get(f"/api/v2/pages/{page}?version=4&body-format=storage").json()
    assert current["status"] == "current"
    assert (current["title"], current["body"]["storage"]["value"]) == ("Pear notes", "<p>three</p>")
    assert client.get(f"/api/v2/pages/{page}?version=9").status_code == 404
    assert client.get(f"/api/v2/pages/{page}?version=x").status_code == 400
    view = client.get(f"/api/v2/pages/{page}?version=2&body-format=view").json()
    assert "two" in view["body"]["view"]["value"]


def test_page_at_an_old_version_names_the_parent_it_had_then(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    stripes, home = _page_id(tiny, "Stripes"), str(tiny.store.spaces["DOC"].homepage_id)
    zebra = _page_id(tiny, "Zebra guide")
    assert HTTP.put(
        f"{tiny.base_url}/__sandbox/pages/{stripes}", json={"parent_id": home}
    ).is_success
    old = client.get(f"/api/v2/pages/{stripes}?version=1").json()
    new = client.get(f"/api/v2/pages/{stripes}?version=2").json()
    assert (old["parentId"], new["parentId"]) == (zebra, home)


def test_admin_put_keeps_the_previous_body_and_accepts_message_and_author(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _page_id(tiny, "Ops home")
    before = tiny.store.content[page].body
    response = HTTP.put(
        f"{tiny.base_url}/__sandbox/pages/{page}",
        json={"body": "<p>new</p>", "message": "Rewrite", "author": BOB, "minor_edit": True},
    )
    assert response.status_code == 200
    versions = client.get(f"/api/v2/pages/{page}/versions").json()["results"]
    assert (versions[0]["message"], versions[0]["authorId"], versions[0]["minorEdit"]) == (
        "Rewrite",
        BOB,
        True,
    )
    old = client.get(f"/api/v2/pages/{page}?version=1&body-format=storage").json()
    assert old["body"]["storage"]["value"] == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"author": "Nobody"}, "Unknown author"),
        ({"when": "yesterday"}, "not an ISO timestamp"),
        ({"when": "2001-01-01T00:00:00Z"}, "give versions in order"),
    ],
)
def test_admin_versions_refuse_unknown_authors_and_bad_or_backward_times(
    tiny: SandboxHandle, fields: dict[str, str], message: str
) -> None:
    response = _edit(tiny, _page_id(tiny, "Ops home"), **fields)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_versions_paginate_with_link_header_and_cost_a_point_per_version(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _page_id(tiny, "Ops home")
    for n in range(6):
        assert _edit(tiny, page, body=f"<p>{n}</p>").status_code == 201
    tiny.reset_stats()
    results, calls = walk_v2(client, tiny, f"/api/v2/pages/{page}/versions?limit=3")
    assert [v["number"] for v in results] == [7, 6, 5, 4, 3, 2, 1]
    assert calls == 3
    stats = tiny.stats()
    assert stats["points"] == 3 + 7  # one per request, one per version returned
    assert client.get(f"/api/v2/pages/{page}/versions?limit=0").status_code == 400
    assert len(client.get(f"/api/v2/pages/{page}/versions?limit=999").json()["results"]) == 7


def test_versions_need_read_page_and_serve_on_gateway_and_site_paths(tiny: SandboxHandle) -> None:
    page = _page_id(tiny, "Ops home")
    allowed = tiny.mint_token({"read:page:confluence"})["access_token"]
    refused = tiny.mint_token({"read:space:confluence", "read:confluence-content.summary"})
    with gateway_client(tiny, allowed) as ok, gateway_client(tiny, refused["access_token"]) as no:
        assert ok.get(f"/api/v2/pages/{page}/versions").status_code == 200
        denied = no.get(f"/api/v2/pages/{page}/versions")
    assert denied.status_code == 401
    assert denied.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
    plain = HTTP.get(
        f"{tiny.base_url}/api/v2/pages/{page}/versions",
        auth=(tiny.ready["email"], tiny.ready["api_token"]),
    )
    assert plain.status_code == 200


def test_seeded_pages_without_history_keep_no_body_copies(tiny: SandboxHandle) -> None:
    assert all(record.bodies is None for record in tiny.store.content.values())


def test_synthetic_pages_keep_one_body_each_until_edited(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    sb = sandbox_factory(seed=None, synthetic_pages=50)
    assert all(record.bodies is None for record in sb.store.content.values())
    page = next(r for r in sb.store.content.values() if r.space_key == "SYN")
    assert _edit(sb, page.id, body="<p>edited</p>").status_code == 201
    assert page.bodies is not None and list(page.bodies) == [1]
