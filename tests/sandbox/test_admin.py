"""Admin edits over HTTP, as the incremental-export tests use them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import httpx

from exporter.sandbox import SandboxHandle

from .helpers import HTTP, download


def _admin(sb: SandboxHandle, method: str, path: str, **kwargs: object) -> httpx.Response:
    return HTTP.request(method, f"{sb.base_url}/__sandbox{path}", **kwargs)  # type: ignore[arg-type]


def _titles_under(client: httpx.Client, page_id: str) -> list[str]:
    return [
        c["title"] for c in client.get(f"/api/v2/pages/{page_id}/direct-children").json()["results"]
    ]


def test_created_page_appears_at_the_given_position(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    response = _admin(
        tiny,
        "POST",
        "/pages",
        json={
            "space": "DOC",
            "title": "Mango",
            "body": "<p>m</p>",
            "parent_id": home,
            "position": 1,
        },
    )
    assert response.status_code == 201
    new_id = response.json()["id"]
    assert _titles_under(client, home) == ["Zebra guide", "Mango", "Apple notes", "Design docs"]
    assert (
        client.get(f"/api/v2/pages/{new_id}?body-format=storage").json()["body"]["storage"]["value"]
        == "<p>m</p>"
    )


def test_update_bumps_version_and_cql_lastmodified_finds_it(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    apple = next(r.id for r in tiny.store.content.values() if r.title == "Apple notes")
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    response = _admin(
        tiny, "PUT", f"/pages/{apple}", json={"title": "Apple notes v2", "body": "<p>new</p>"}
    )
    assert response.json()["version"]["number"] == 2
    page = client.get(f"/api/v2/pages/{apple}?body-format=storage").json()
    assert page["title"] == "Apple notes v2" and page["body"]["storage"]["value"] == "<p>new</p>"
    assert page["version"]["createdAt"][:16].replace("T", " ") >= since
    for op in (">=", ">"):
        found = client.get(
            "/rest/api/content/search", params={"cql": f'lastmodified {op} "{since}"'}
        ).json()
        assert [r["id"] for r in found["results"]] == [apple]
    old = client.get(f"/rest/api/content/{apple}?version=1&expand=body.storage").json()
    assert old["body"]["storage"]["value"].startswith("<h2>Apples")


def test_move_changes_parent_and_position_and_bumps_version(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    ids = {r.title: r.id for r in tiny.store.content.values()}
    response = _admin(
        tiny, "PUT", f"/pages/{ids['Stripes']}", json={"parent_id": ids["Home"], "position": 0}
    )
    assert response.json()["version"]["number"] == 2
    assert _titles_under(client, ids["Home"])[0] == "Stripes"
    assert _titles_under(client, ids["Zebra guide"]) == []
    moved = client.get(f"/api/v2/pages/{ids['Stripes']}").json()
    assert moved["parentId"] == ids["Home"] and moved["position"] == 0


def test_deleted_page_goes_to_the_trash(tiny: SandboxHandle, client: httpx.Client) -> None:
    stripes = next(r.id for r in tiny.store.content.values() if r.title == "Stripes")
    assert _admin(tiny, "DELETE", f"/pages/{stripes}").status_code == 204
    space_id = tiny.store.spaces["DOC"].id
    current = client.get(f"/api/v2/spaces/{space_id}/pages").json()["results"]
    assert stripes not in [p["id"] for p in current]
    trashed = client.get(f"/api/v2/spaces/{space_id}/pages?status=trashed").json()["results"]
    assert [p["id"] for p in trashed] == [stripes] and trashed[0]["status"] == "trashed"
    assert client.get(f"/api/v2/pages/{stripes}").status_code == 404
    cql = client.get("/rest/api/content/search", params={"cql": "type=page and space=DOC"}).json()
    assert stripes not in [r["id"] for r in cql["results"]]
    assert client.get(f"/api/v2/pages?id={stripes}").json()["results"] == []


def test_attachment_add_then_replace_makes_version_two(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    first = _admin(tiny, "POST", f"/pages/{home}/attachments?filename=notes.txt", content=b"one")
    assert first.status_code == 201 and first.json()["version"]["number"] == 1
    payload = {"filename": "notes.txt", "data_base64": base64.b64encode(b"two!").decode()}
    second = _admin(tiny, "POST", f"/pages/{home}/attachments", json=payload).json()
    assert second["version"]["number"] == 2 and second["id"] == first.json()["id"]
    assert download(client, home, second["id"]).content == b"two!"
    assert download(client, home, second["id"], version=1).content == b"one"


def test_admin_errors_say_what_to_fix(tiny: SandboxHandle) -> None:
    response = _admin(tiny, "POST", "/pages", json={"space": "NOPE", "title": "x"})
    assert response.status_code == 400 and "Unknown space" in response.json()["message"]
    assert _admin(tiny, "PUT", "/pages/1", json={}).status_code == 404


def test_children_of_a_deleted_page_move_up_to_its_parent(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    ids = {r.title: r.id for r in tiny.store.content.values()}
    _admin(tiny, "DELETE", f"/pages/{ids['Zebra guide']}")
    assert _titles_under(client, ids["Home"]) == ["Stripes", "Apple notes", "Design docs"]
    assert client.get(f"/api/v2/pages/{ids['Stripes']}").json()["parentId"] == ids["Home"]


def _space_keys(client: httpx.Client, query: str = "") -> list[str]:
    return [s["key"] for s in client.get(f"/api/v2/spaces?limit=250{query}").json()["results"]]


def _search_titles(client: httpx.Client, cql: str, extra: str = "") -> list[str]:
    params = {"cql": cql, "limit": "100", **dict([extra.split("=")] if extra else [])}
    reply = client.get("/rest/api/search", params=params)
    return [hit["content"]["title"] for hit in reply.json()["results"]]


def test_archived_space_lists_only_when_asked_for_and_its_content_leaves_search(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    reply = _admin(tiny, "POST", "/spaces/OPS", json={"status": "archived"})
    assert reply.json() == {"key": "OPS", "status": "archived", "readable": True}
    assert _space_keys(client) == ["DOC"]  # status defaults to current (reference 2.1)
    archived = client.get("/api/v2/spaces?keys=OPS&status=archived").json()["results"]
    assert [(s["key"], s["status"]) for s in archived] == [("OPS", "archived")]
    assert _search_titles(client, 'space="OPS"') == []
    assert _search_titles(client, 'space="OPS"', "includeArchivedSpaces=true") == ["Ops home"]
    _admin(tiny, "POST", "/spaces/OPS", json={"status": "current"}).raise_for_status()
    assert _space_keys(client) == ["DOC", "OPS"]


def test_unreadable_space_answers_as_if_it_did_not_exist_until_it_is_readable_again(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    space_id = tiny.store.spaces["OPS"].id
    page_id = tiny.store.spaces["OPS"].homepage_id
    assert _admin(tiny, "POST", "/spaces/OPS", json={"readable": False}).json()["readable"] is False
    assert _space_keys(client) == ["DOC"]
    assert _space_keys(client, "&status=archived") == []
    assert client.get(f"/api/v2/spaces/{space_id}").status_code == 404
    assert client.get(f"/api/v2/pages/{page_id}").status_code == 404
    assert _search_titles(client, 'space="OPS"') == []
    _admin(tiny, "POST", "/spaces/OPS", json={"readable": True}).raise_for_status()
    assert client.get(f"/api/v2/pages/{page_id}").json()["title"] == "Ops home"
    assert _search_titles(client, 'space="OPS"') == ["Ops home"]


def test_deleted_space_is_gone_with_its_content_and_cannot_be_edited_again(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    page_id = tiny.store.spaces["OPS"].homepage_id
    assert _admin(tiny, "DELETE", "/spaces/OPS").status_code == 204
    assert _space_keys(client) == ["DOC"]
    assert _space_keys(client, "&status=archived") == []
    assert client.get(f"/api/v2/pages/{page_id}").status_code == 404
    assert _admin(tiny, "POST", "/spaces/OPS", json={"readable": True}).status_code == 404
    assert _admin(tiny, "POST", "/spaces/DOC", json={"status": "gone"}).status_code == 400


def test_restored_page_returns_under_its_parent_with_its_version_unchanged(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    apple = next(r for r in tiny.store.content.values() if r.title == "Apple notes")
    version = apple.version.number
    assert _admin(tiny, "DELETE", f"/pages/{apple.id}").status_code == 204
    assert "Apple notes" not in _titles_under(client, home)
    response = _admin(tiny, "POST", f"/pages/{apple.id}/restore")
    assert response.status_code == 200
    assert _titles_under(client, home) == ["Zebra guide", "Apple notes", "Design docs"]
    page = client.get(f"/api/v2/pages/{apple.id}").json()
    assert (page["status"], page["version"]["number"]) == ("current", version)
    assert _admin(tiny, "POST", f"/pages/{apple.id}/restore").status_code == 404


def test_restored_page_whose_parent_was_trashed_returns_where_its_siblings_moved(
    tiny: SandboxHandle,
) -> None:
    stripes = next(r for r in tiny.store.content.values() if r.title == "Stripes")
    zebra = tiny.store.content[str(stripes.parent_id)]
    _admin(tiny, "DELETE", f"/pages/{stripes.id}")
    _admin(tiny, "DELETE", f"/pages/{zebra.id}")
    assert _admin(tiny, "POST", f"/pages/{stripes.id}/restore").status_code == 200
    assert stripes.parent_id == zebra.parent_id and stripes.status == "current"


def test_homepage_change_shows_in_the_space_and_needs_a_top_level_page(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    ops_home = str(tiny.store.spaces["OPS"].homepage_id)
    apple = next(r for r in tiny.store.content.values() if r.title == "Apple notes")
    refused = _admin(tiny, "PUT", "/spaces/DOC", json={"homepage_id": apple.id})
    assert refused.status_code == 400 and "top level" in refused.json()["message"]
    assert _admin(tiny, "PUT", "/spaces/DOC", json={"homepage_id": ops_home}).status_code == 400
    _admin(tiny, "PUT", f"/pages/{apple.id}", json={"parent_id": None})
    assert _admin(tiny, "PUT", "/spaces/DOC", json={"homepage_id": apple.id}).status_code == 200
    spaces = client.get("/api/v2/spaces", params={"keys": "DOC"}).json()["results"]
    assert spaces[0]["homepageId"] == apple.id


def test_trashed_attachment_is_not_downloadable(tiny: SandboxHandle, client: httpx.Client) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    att = next(a for a in tiny.store.attachments.values() if a.title == "logo.png")
    by_id = f"/rest/api/content/{home}/child/attachment/{att.id}/download"
    assert client.get(by_id).status_code == 302
    assert _admin(tiny, "DELETE", f"/attachments/{att.id}").status_code == 204
    assert client.get(by_id).status_code == 404
