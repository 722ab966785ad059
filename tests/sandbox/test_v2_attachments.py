"""The site-wide v2 attachment list: one status a request, newest trash first, a point each."""

from __future__ import annotations

import httpx

from exporter.sandbox import SandboxHandle

from .helpers import gateway_client, walk_v2

SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}


def _trash_three(sb: SandboxHandle) -> list[str]:
    """Add three files to a page and trash them one a minute, in order."""
    zebra = next(r for r in sb.store.content.values() if r.title == "Zebra guide")
    ids = []
    for name in ("one.txt", "two.txt", "three.txt"):
        ids.append(sb.store.add_attachment(zebra.id, name, b"x", "text/plain").id)
    for att_id in ids:
        sb.store.clock.advance(60)
        sb.store.trash_attachment(att_id)
    return ids


def test_trashed_attachments_list_newest_trash_first_with_their_page(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    ids = _trash_three(tiny)
    tiny.reset_stats()
    results, calls = walk_v2(
        client, tiny, "/api/v2/attachments?status=trashed&sort=-modified-date&limit=2"
    )
    assert [r["id"] for r in results] == ids[::-1] and calls == 2
    assert all(r["status"] == "trashed" and r["pageId"] for r in results)
    assert tiny.stats()["points"] == 2 + 3


def test_attachment_list_defaults_to_current_files_and_takes_one_status(
    tiny: SandboxHandle, client: httpx.Client
) -> None:
    ids = _trash_three(tiny)
    current, _ = walk_v2(client, tiny, "/api/v2/attachments")
    assert current and not {r["id"] for r in current} & set(ids)
    assert all(r["status"] == "current" for r in current)
    both = client.get("/api/v2/attachments?status=current,trashed")
    assert both.status_code == 400 and both.json()["errors"][0]["status"] == 400
    assert client.get("/api/v2/attachments?sort=title").status_code == 400


def test_attachment_list_needs_the_attachment_scope(tiny: SandboxHandle) -> None:
    without = tiny.mint_token({"read:page:confluence", "read:confluence-content.all"})
    with_it = tiny.mint_token({"read:attachment:confluence"})
    path = "/api/v2/attachments?status=trashed"
    with (
        gateway_client(tiny, without["access_token"]) as no,
        gateway_client(tiny, with_it["access_token"]) as yes,
    ):
        assert no.get(path).json() == SCOPE_MISMATCH
        assert yes.get(path).status_code == 200
