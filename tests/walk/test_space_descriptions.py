"""Spaces come with their plain-text description (the site's home cards show it)."""

from __future__ import annotations

import asyncio

from exporter.config.settings import SpaceSelection
from exporter.confluence.client import ConfluenceClient
from exporter.confluence.walker import Walker

from .serve import new_store, serve


def test_selected_spaces_carry_their_plain_description_by_key_and_for_all() -> None:
    store = new_store()
    store.add_space("ENG", "Engineering", "How we <build> & ship.")
    store.add_space("OPS", "Operations")

    async def go() -> tuple[dict[str, str], dict[str, str]]:
        conn = served.connection()
        async with ConfluenceClient(conn.wiki_base, conn.auth) as client:
            walker = Walker(client, site_url=served.base_url)
            named = await walker.select_spaces((SpaceSelection("ENG"), SpaceSelection("OPS")))
            listed = await walker.select_spaces("all")
        return (
            {s.space.key: s.space.description for s in named.selected},
            {s.space.key: s.space.description for s in listed.selected},
        )

    with serve(store) as served:
        named, listed = asyncio.run(go())
    assert named == listed == {"ENG": "How we <build> & ship.", "OPS": ""}
