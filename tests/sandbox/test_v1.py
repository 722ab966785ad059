"""REST v1 over real HTTP: envelopes walked to the end, expansions, CQL search, users, downloads."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from exporter.sandbox import SandboxHandle

from .helpers import download, site_client, walk_v1


def _page(sb: SandboxHandle, title: str) -> str:
    return next(r.id for r in sb.store.content.values() if r.title == title)


def test_content_list_walks_to_the_end_with_next_marker(client: httpx.Client) -> None:
    first = client.get("/rest/api/content?spaceKey=DOC&type=page&limit=2").json()
    assert first["start"] == 0 and first["limit"] == 2 and first["size"] == 2
    assert first["_links"]["context"] == "/wiki" and first["_links"]["self"].startswith("http")
    query = parse_qs(urlsplit(first["_links"]["next"]).query)
    assert query["next"] == ["true"] and query["start"] == ["2"] and query["spaceKey"] == ["DOC"]
    pages, calls = walk_v1(client, "/rest/api/content?spaceKey=DOC&type=page&limit=2")
    assert sorted(p["title"] for p in pages) == [
        "Apple notes",
        "Architecture",
        "Home",
        "Stripes",
        "Zebra guide",
    ]
    assert calls == 3
    second = client.get("/rest/api/content?spaceKey=DOC&type=page&limit=2&start=2").json()
    assert "prev" in second["_links"]


def test_limits_clamp_to_1000_and_labels_to_200(tiny: SandboxHandle, client: httpx.Client) -> None:
    assert client.get("/rest/api/content?limit=5000").json()["limit"] == 1000
    home = str(tiny.store.spaces["DOC"].homepage_id)
    assert client.get(f"/rest/api/content/{home}/label?limit=500").json()["limit"] == 200
    assert client.get("/rest/api/content?limit=x").status_code == 400


def test_limit_zero_returns_an_empty_page_with_next(client: httpx.Client) -> None:
    body = client.get("/rest/api/space?limit=0").json()
    assert body["results"] == [] and "next" in body["_links"]


def test_space_with_homepage_expansion_and_numeric_id(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    body = client.get("/rest/api/space/DOC?expand=homepage,description.plain").json()
    assert isinstance(body["id"], int)
    assert body["homepage"]["id"] == tiny.store.spaces["DOC"].homepage_id
    assert body["description"]["plain"]["value"].startswith("A tiny seed")
    assert client.get("/rest/api/space/NOPE").status_code == 404


def test_content_expansions_carry_what_exporters_read(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    arch = _page(tiny, "Architecture")
    expand = "body.storage,body.view,version,ancestors,history.lastUpdated,metadata.labels,space,children.page"
    body = client.get(f"/rest/api/content/{arch}?expand={expand}").json()
    assert [a["title"] for a in body["ancestors"]] == ["Home", "Design docs"]
    assert [a["type"] for a in body["ancestors"]] == ["page", "folder"]
    assert body["version"]["number"] == 1 and body["version"]["by"]["displayName"]
    assert body["history"]["lastUpdated"]["number"] == 1 and body["history"]["createdDate"]
    assert [lab["name"] for lab in body["metadata"]["labels"]["results"]] == ["guide"]
    assert body["space"]["key"] == "DOC" and body["_expandable"]["space"] == "/rest/api/space/DOC"
    assert body["extensions"]["position"] == 0
    assert body["body"]["storage"]["representation"] == "storage"
    assert "columnLayout two-equal" in body["body"]["view"]["value"]
    assert body["_links"]["webui"].startswith("/spaces/DOC/pages/")


def test_child_pages_and_attachments_in_manual_order(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    children, _ = walk_v1(client, f"/rest/api/content/{home}/child/page?limit=1")
    assert [c["title"] for c in children] == ["Zebra guide", "Apple notes"]
    zebra = _page(tiny, "Zebra guide")
    atts = client.get(
        f"/rest/api/content/{zebra}/child/attachment?expand=container.ancestors,version"
    ).json()
    att = atts["results"][0]
    assert att["extensions"]["fileSize"] == 21 and att["extensions"]["mediaType"] == "text/plain"
    assert att["container"]["id"] == zebra and att["version"]["number"] == 1
    assert client.get(att["_links"]["download"]).status_code == 401  # the servlet, refused
    assert download(client, zebra, att["id"]).content == b"Coffee 2.50\nTea 2.00\n"


def test_cql_search_walks_cursor_pages_to_the_end(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    found, calls = walk_v1(
        client,
        f"/rest/api/content/search?cql=type=page AND ancestor={home}&limit=2&expand=ancestors,version",
    )
    assert sorted(p["title"] for p in found) == [
        "Apple notes",
        "Architecture",
        "Stripes",
        "Zebra guide",
    ]
    assert calls == 2


def test_cql_subset(tiny: SandboxHandle, client: httpx.Client) -> None:
    def titles(cql: str) -> list[str]:
        response = client.get("/rest/api/content/search", params={"cql": cql, "limit": 100})
        assert response.status_code == 200, response.text
        return [r["title"] for r in response.json()["results"]]

    assert titles('space = "DOC" and label = guide order by title') == [
        "Architecture",
        "Zebra guide",
    ]
    assert titles("type = folder") == ["Design docs"]
    assert titles("type = blogpost") == ["Launch day"]
    assert titles('title = "Apple notes"') == ["Apple notes"]
    assert titles('type = page and (title ~ "zebra" or label in (start)) order by title desc') == [
        "Zebra guide",
        "Home",
    ]
    ids = ",".join(_page(tiny, t) for t in ("Home", "Stripes"))
    assert sorted(titles(f"id in ({ids})")) == ["Home", "Stripes"]
    assert titles('lastmodified >= "2099-01-01 00:00"') == []
    assert "Home" in titles('type = page and created > "2020-01-01"')
    assert titles("type=attachment and space=DOC order by title") == [
        "Café menu 2026.txt",
        "logo.png",
    ]
    assert (
        client.get("/rest/api/content/search", params={"cql": "type = = page"}).status_code == 400
    )


def test_attachment_search_results_carry_container_and_download(client: httpx.Client) -> None:
    body = client.get(
        "/rest/api/content/search", params={"cql": "type=attachment and space=DOC"}
    ).json()
    att = body["results"][0]
    assert att["type"] == "attachment" and att["container"]["id"]
    assert att["_links"]["download"].startswith("/download/attachments/")
    assert att["extensions"]["fileSize"] > 0 and att["version"]["number"] == 1


def test_search_envelope_has_total_size_and_query(client: httpx.Client) -> None:
    body = client.get(
        "/rest/api/search", params={"cql": 'type=page AND space="DOC"', "limit": 0}
    ).json()
    assert body["totalSize"] == 5 and body["results"] == []
    assert body["cqlQuery"] == 'type=page AND space="DOC"' and "searchDuration" in body
    full = client.get("/rest/api/search", params={"cql": "type=page", "limit": 3}).json()
    assert full["results"][0]["content"]["id"] and full["results"][0]["entityType"] == "content"


def test_users_single_bulk_and_current(tiny: SandboxHandle, client: httpx.Client) -> None:
    ids = list(tiny.store.users)
    one = client.get(f"/rest/api/user?accountId={ids[1]}").json()
    assert one["displayName"] == "Bob Baker" and one["accountId"] == ids[1]
    bulk = client.get("/rest/api/user/bulk", params=[("accountId", i) for i in ids]).json()
    assert [u["displayName"] for u in bulk["results"]] == ["Alice Able", "Bob Baker"]
    assert client.get("/rest/api/user?accountId=missing").status_code == 404
    assert client.get("/rest/api/user/current").json()["accountId"]


def test_unknown_v1_route_answers_xml_404(client: httpx.Client) -> None:
    response = client.get("/rest/api/nopesuchroute")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/xml")
    assert "<status-code>404</status-code>" in response.text


def test_v1_pagination_over_the_sample_reaches_every_page(sandbox: SandboxHandle) -> None:
    with site_client(sandbox, prefix="") as client:
        pages, _ = walk_v1(client, "/rest/api/content/search?cql=type=page&limit=7")
    expected = {
        r.id for r in sandbox.store.content.values() if r.type == "page" and r.status == "current"
    }
    assert {p["id"] for p in pages} == expected


def test_descendant_pages_cross_folders_and_comments_are_empty(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    home = str(tiny.store.spaces["DOC"].homepage_id)
    pages, _ = walk_v1(client, f"/rest/api/content/{home}/descendant/page?limit=2")
    assert [p["title"] for p in pages] == ["Zebra guide", "Stripes", "Apple notes", "Architecture"]
    comments = client.get(f"/rest/api/content/{home}/child/comment").json()
    assert comments["results"] == [] and comments["size"] == 0
