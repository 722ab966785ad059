"""REST v2 over real HTTP: envelopes, cursors walked to the end, children order, filters."""

from __future__ import annotations

import httpx

from exporter.sandbox import SandboxHandle

from .helpers import download, site_client, walk_v2


def _space_id(client: httpx.Client, key: str) -> str:
    return client.get(f"/api/v2/spaces?keys={key}").json()["results"][0]["id"]


def test_spaces_cursor_walk_returns_every_space_once(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    spaces, calls = walk_v2(client, tiny, "/api/v2/spaces?limit=1")
    assert [s["key"] for s in spaces] == ["DOC", "OPS"]
    assert calls == 2
    assert all(isinstance(s["id"], str) and s["id"].isdigit() for s in spaces)
    assert spaces[0]["homepageId"] == tiny.store.spaces["DOC"].homepage_id


def test_space_pages_walk_to_the_end_with_storage_bodies(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    sid = _space_id(client, "DOC")
    pages, calls = walk_v2(client, tiny, f"/api/v2/spaces/{sid}/pages?limit=2&body-format=storage")
    titles = sorted(p["title"] for p in pages)
    assert titles == ["Apple notes", "Architecture", "Home", "Stripes", "Zebra guide"]
    assert calls == 3
    home = next(p for p in pages if p["title"] == "Home")
    assert home["parentId"] is None and home["position"] == 0
    assert "Welcome" in home["body"]["storage"]["value"]
    assert home["body"]["storage"]["representation"] == "storage"
    assert home["version"]["number"] == 1 and home["version"]["createdAt"].endswith("Z")
    assert home["_links"]["webui"] == f"/spaces/DOC/pages/{home['id']}/Home"
    assert home["_links"]["tinyui"].startswith("/x/")


def test_pages_under_a_folder_name_the_folder_as_parent(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    sid = _space_id(client, "DOC")
    pages = client.get(f"/api/v2/spaces/{sid}/pages?limit=250").json()["results"]
    arch = next(p for p in pages if p["title"] == "Architecture")
    assert arch["parentType"] == "folder"
    folder = client.get(f"/api/v2/folders/{arch['parentId']}").json()
    assert folder["type"] == "folder" and folder["title"] == "Design docs"


def test_direct_children_follow_manual_order_and_include_folders(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    children, _ = walk_v2(client, tiny, f"/api/v2/pages/{home}/direct-children?limit=1")
    assert [(c["title"], c["type"], c["childPosition"]) for c in children] == [
        ("Zebra guide", "page", 0),
        ("Apple notes", "page", 1),
        ("Design docs", "folder", 2),
    ]
    pages_only = client.get(f"/api/v2/pages/{home}/children").json()["results"]
    assert [c["title"] for c in pages_only] == ["Zebra guide", "Apple notes"]


def test_depth_root_lists_only_top_level_pages(tiny: SandboxHandle, client: httpx.Client) -> None:
    sid = _space_id(client, "DOC")
    roots = client.get(f"/api/v2/spaces/{sid}/pages?depth=root").json()["results"]
    assert [r["title"] for r in roots] == ["Home"]
    assert "storage" not in roots[0]["body"]


def test_pages_by_repeated_or_comma_ids(tiny: SandboxHandle, client: httpx.Client) -> None:
    ids = [r.id for r in tiny.store.content.values() if r.type == "page"][:3]
    comma = client.get("/api/v2/pages", params={"id": ",".join(ids)}).json()["results"]
    repeated = client.get("/api/v2/pages", params=[("id", i) for i in ids]).json()["results"]
    assert sorted(p["id"] for p in comma) == sorted(ids) == sorted(p["id"] for p in repeated)
    too_many = client.get("/api/v2/pages", params={"id": ",".join(str(i) for i in range(251))})
    assert too_many.status_code == 400


def test_limit_is_clamped_to_250_and_rejects_garbage(client: httpx.Client) -> None:
    assert client.get("/api/v2/spaces?limit=999").status_code == 200
    bad = client.get("/api/v2/spaces?limit=abc")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["status"] == 400


def test_attachments_and_labels_of_a_page(tiny: SandboxHandle, client: httpx.Client) -> None:
    zebra = next(r for r in tiny.store.content.values() if r.title == "Zebra guide")
    atts = client.get(f"/api/v2/pages/{zebra.id}/attachments").json()["results"]
    assert len(atts) == 1
    att = atts[0]
    assert att["id"].startswith("att") and att["title"] == "Café menu 2026.txt"
    assert att["mediaType"] == "text/plain" and att["fileSize"] == 21 and att["pageId"] == zebra.id
    assert att["downloadLink"].startswith(
        f"/download/attachments/{zebra.id}/Caf%C3%A9%20menu%202026.txt?version=1"
    )
    assert client.get(att["downloadLink"]).status_code == 401  # the servlet, refused
    assert download(client, zebra.id, att["id"]).content == b"Coffee 2.50\nTea 2.00\n"
    labels = client.get(f"/api/v2/pages/{zebra.id}/labels").json()["results"]
    assert {lab["name"] for lab in labels} == {"guide", "animals"}
    assert all(lab["prefix"] == "global" and lab["id"].isdigit() for lab in labels)


def test_blogposts_are_listed_apart_from_pages(tiny: SandboxHandle, client: httpx.Client) -> None:
    sid = _space_id(client, "DOC")
    posts = client.get(f"/api/v2/spaces/{sid}/blogposts?body-format=storage").json()["results"]
    assert [p["title"] for p in posts] == ["Launch day"]
    assert "/blog/" in posts[0]["_links"]["webui"]
    single = client.get(f"/api/v2/blogposts/{posts[0]['id']}?body-format=storage").json()
    assert single["body"]["storage"]["value"].startswith("<p>We launched")
    assert client.get(f"/api/v2/pages/{posts[0]['id']}").status_code == 404


def test_unknown_page_answers_v2_error_body(client: httpx.Client) -> None:
    response = client.get("/api/v2/pages/999999999")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"


def test_sample_seed_serves_a_deep_tree(sandbox: SandboxHandle) -> None:
    with site_client(sandbox) as client:
        spaces, _ = walk_v2(client, sandbox, "/api/v2/spaces?limit=1")
        total = 0
        for space in spaces:
            pages, _ = walk_v2(client, sandbox, f"/api/v2/spaces/{space['id']}/pages?limit=10")
            total += len(pages)
    expected = sum(
        1
        for r in sandbox.store.content.values()
        if r.type == "page" and r.status in ("current", "archived")
    )
    assert total == expected > 0


def test_descendants_and_ancestors_include_folders(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    found, _ = walk_v2(client, tiny, f"/api/v2/pages/{home}/descendants?limit=2")
    assert [(d["title"], d["depth"]) for d in found] == [
        ("Zebra guide", 1),
        ("Stripes", 2),
        ("Apple notes", 1),
        ("Design docs", 1),
        ("Architecture", 2),
    ]
    arch = next(d for d in found if d["title"] == "Architecture")
    chain = client.get(f"/api/v2/pages/{arch['id']}/ancestors").json()["results"]
    assert [a["type"] for a in chain] == ["page", "folder"]
