"""Footer and inline comments, content properties and labels, over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from exporter.sandbox import SandboxHandle

from .helpers import HTTP, gateway_client, walk_v2

BOB = "557058:bbbbbbbb-2222-4222-8222-222222222222"
SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}


def _page_id(sb: SandboxHandle, title: str) -> str:
    return next(r.id for r in sb.store.content.values() if r.title == title)


def _comment(sb: SandboxHandle, page: str, **fields: object) -> dict[str, object]:
    response = HTTP.post(f"{sb.base_url}/__sandbox/pages/{page}/comments", json=fields)
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


def test_footer_comments_and_replies_have_the_v2_shape(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _page_id(tiny, "Apple notes")
    root = _comment(tiny, page, body="<p>Looks good</p>", author=BOB, when="2025-02-01T09:00:00Z")
    reply = _comment(tiny, page, body="<p>Thanks</p>", parent_id=root["id"])
    listed = client.get(f"/api/v2/pages/{page}/footer-comments?body-format=storage").json()
    (item,) = listed["results"]
    assert set(item) == {"id", "status", "title", "pageId", "version", "body", "_links"}
    assert (item["id"], item["pageId"], item["status"]) == (root["id"], page, "current")
    assert item["title"] == "Re: Apple notes"
    assert item["version"]["authorId"] == BOB
    assert item["version"]["createdAt"] == "2025-02-01T09:00:00.000Z"
    assert item["body"] == {"storage": {"representation": "storage", "value": "<p>Looks good</p>"}}
    assert item["_links"]["webui"].endswith(f"?focusedCommentId={root['id']}")
    children = client.get(f"/api/v2/footer-comments/{root['id']}/children").json()["results"]
    assert [c["id"] for c in children] == [reply["id"]]
    assert children[0]["parentCommentId"] == root["id"] and "pageId" not in children[0]
    assert children[0]["body"] == {}  # no body-format, no body
    assert client.get(f"/api/v2/inline-comments/{root['id']}/children").status_code == 404


def test_inline_comments_carry_marker_selection_and_resolution(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _page_id(tiny, "Apple notes")
    marker = {"marker_ref": "4f1c0b2e-aaaa", "selection": "apples"}
    open_one = _comment(tiny, page, kind="inline", body="<p>Which apples?</p>", **marker)
    _comment(tiny, page, kind="inline", body="<p>Done</p>", resolved=True, selection="x")
    _comment(tiny, page, body="<p>footer, not inline</p>")
    both = client.get(f"/api/v2/pages/{page}/inline-comments").json()["results"]
    assert len(both) == 2
    first = both[0]
    assert first["resolutionStatus"] == "open"
    assert first["properties"]["inlineMarkerRef"] == "4f1c0b2e-aaaa"
    assert first["properties"]["inlineOriginalSelection"] == "apples"
    resolved = client.get(f"/api/v2/pages/{page}/inline-comments?resolution-status=resolved")
    assert [c["resolutionStatus"] for c in resolved.json()["results"]] == ["resolved"]
    reply = _comment(tiny, page, body="<p>Golden</p>", parent_id=open_one["id"])
    kids = client.get(f"/api/v2/inline-comments/{open_one['id']}/children").json()["results"]
    assert [k["id"] for k in kids] == [reply["id"]] and kids[0]["resolutionStatus"] == "open"
    reopened = HTTP.put(
        f"{tiny.base_url}/__sandbox/comments/{open_one['id']}", json={"resolved": False}
    )
    assert reopened.json()["resolutionStatus"] == "reopened"
    assert reopened.json()["version"]["number"] == 2
    bad = client.get(f"/api/v2/pages/{page}/inline-comments?resolution-status=fixed")
    assert bad.status_code == 400


def test_comments_paginate_and_cost_a_point_each(tiny: SandboxHandle, client: httpx.Client) -> None:
    page = _page_id(tiny, "Ops home")
    for n in range(5):
        _comment(tiny, page, body=f"<p>{n}</p>")
    tiny.reset_stats()
    results, calls = walk_v2(client, tiny, f"/api/v2/pages/{page}/footer-comments?limit=2")
    assert [r["version"]["number"] for r in results] == [1] * 5 and calls == 3
    assert tiny.stats()["points"] == 3 + 5


def test_comments_need_read_comment_scope(tiny: SandboxHandle) -> None:
    page = _page_id(tiny, "Ops home")
    root = _comment(tiny, page, body="<p>c</p>")
    without = tiny.mint_token({"read:page:confluence", "read:confluence-content.all"})
    with_it = tiny.mint_token({"read:comment:confluence"})
    paths = [
        f"/api/v2/pages/{page}/footer-comments",
        f"/api/v2/pages/{page}/inline-comments",
        f"/api/v2/footer-comments/{root['id']}/children",
    ]
    with (
        gateway_client(tiny, without["access_token"]) as no,
        gateway_client(tiny, with_it["access_token"]) as yes,
    ):
        for path in paths:
            assert no.get(path).json() == SCOPE_MISMATCH
            assert yes.get(path).status_code == 200, path


def test_admin_comment_refuses_a_reply_to_another_pages_comment(tiny: SandboxHandle) -> None:
    root = _comment(tiny, _page_id(tiny, "Ops home"), body="<p>c</p>")
    other = _page_id(tiny, "Apple notes")
    response = HTTP.post(
        f"{tiny.base_url}/__sandbox/pages/{other}/comments",
        json={"body": "<p>r</p>", "parent_id": root["id"]},
    )
    assert response.status_code == 400 and "to reply to" in response.json()["message"]


def test_content_properties_are_listed_by_key_with_their_own_versions(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _page_id(tiny, "Apple notes")
    base = f"{tiny.base_url}/__sandbox/pages/{page}/properties"
    assert HTTP.put(f"{base}/owner", json={"value": {"team": "fruit"}}).status_code == 201
    assert HTTP.put(f"{base}/editor", json={"value": "v2"}).status_code == 201
    assert HTTP.put(f"{base}/owner", json={"value": {"team": "veg"}}).status_code == 200
    assert HTTP.put(f"{base}/empty", json={}).status_code == 400
    results = client.get(f"/api/v2/pages/{page}/properties").json()["results"]
    assert [p["key"] for p in results] == ["editor", "owner"]
    owner = results[1]
    assert set(owner) == {"id", "key", "value", "version"}
    assert owner["value"] == {"team": "veg"} and owner["version"]["number"] == 2
    one = client.get(f"/api/v2/pages/{page}/properties?key=editor").json()["results"]
    assert [p["value"] for p in one] == ["v2"]
    desc = client.get(f"/api/v2/pages/{page}/properties?sort=-key").json()["results"]
    assert [p["key"] for p in desc] == ["owner", "editor"]
    token = tiny.mint_token({"read:comment:confluence"})["access_token"]
    with gateway_client(tiny, token) as no:
        assert no.get(f"/api/v2/pages/{page}/properties").json() == SCOPE_MISMATCH


def test_labels_list_with_prefix_filter_and_pages_per_label(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    labels, _ = walk_v2(client, tiny, "/api/v2/labels?limit=2")
    assert {lab["name"] for lab in labels} == {"start", "guide", "animals"}
    assert all(set(lab) == {"id", "name", "prefix"} for lab in labels)
    assert client.get("/api/v2/labels?prefix=team").json()["results"] == []
    assert len(client.get("/api/v2/labels?prefix=global").json()["results"]) == 3
    guide = next(lab for lab in labels if lab["name"] == "guide")
    pages, _ = walk_v2(client, tiny, f"/api/v2/labels/{guide['id']}/pages?limit=1")
    assert sorted(p["title"] for p in pages) == ["Architecture", "Zebra guide"]
    assert "body" in pages[0] and "storage" not in pages[0]["body"]
    with_body = client.get(f"/api/v2/labels/{guide['id']}/pages?body-format=storage").json()
    assert all("storage" in p["body"] for p in with_body["results"])
    other_space = str(tiny.store.spaces["OPS"].id)
    filtered = client.get(f"/api/v2/labels/{guide['id']}/pages?space-id={other_space}").json()
    assert filtered["results"] == []
    assert client.get("/api/v2/labels/999/pages").status_code == 404


def test_labels_need_read_label_and_label_pages_read_page(tiny: SandboxHandle) -> None:
    label_only = tiny.mint_token({"read:label:confluence"})["access_token"]
    page_only = tiny.mint_token({"read:page:confluence"})["access_token"]
    label_id = tiny.store.all_labels()[0].id
    with gateway_client(tiny, label_only) as labels, gateway_client(tiny, page_only) as pages:
        assert labels.get("/api/v2/labels").status_code == 200
        assert pages.get("/api/v2/labels").json() == SCOPE_MISMATCH
        assert pages.get(f"/api/v2/labels/{label_id}/pages").status_code == 200
        assert labels.get(f"/api/v2/labels/{label_id}/pages").json() == SCOPE_MISMATCH


@pytest.mark.parametrize("query", ["type=global,personal", "type=team", "status=current,archived"])
def test_spaces_take_one_type_and_one_status(client: httpx.Client, query: str) -> None:
    response = client.get(f"/api/v2/spaces?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_REQUEST_PARAMETER"


def test_properties_labels_and_label_pages_paginate_at_a_point_per_object(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page = _page_id(tiny, "Apple notes")
    for n in range(3):
        HTTP.put(f"{tiny.base_url}/__sandbox/pages/{page}/properties/k{n}", json={"value": n})
    guide = next(lab.id for lab in tiny.store.all_labels() if lab.name == "guide")
    for path, count in [
        (f"/api/v2/pages/{page}/properties?limit=2", 3),
        ("/api/v2/labels?limit=2", 3),
        (f"/api/v2/labels/{guide}/pages?limit=1", 2),
    ]:
        tiny.reset_stats()
        results, calls = walk_v2(client, tiny, path)
        assert len(results) == count
        assert tiny.stats()["points"] == calls + count, path
