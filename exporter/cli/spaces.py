"""`confluence-export spaces`: the spaces the account can read, as a key/type/name table."""

from __future__ import annotations

import asyncio

import click

from exporter.cli.common import Context, connect, examples, global_options, load_settings, setup
from exporter.models import Space

__all__ = ["space_rows", "spaces_command"]


@click.command(
    "spaces",
    epilog=examples("confluence-export spaces", "confluence-export spaces --config site.yaml"),
)
@global_options
@click.pass_obj
def spaces_command(state: Context) -> None:
    """List the spaces you can read (key, type, name), all of them."""
    from exporter.auth.connect import open_client
    from exporter.config.settings import require_settings
    from exporter.confluence.spaces import listed_spaces

    setup(state)
    config = load_settings(state)
    require_settings(config, "spaces")
    connection = connect(config)

    async def listing() -> list[Space]:
        async with open_client(connection, config) as client:
            return await listed_spaces(client, connection.site_url or "")

    for line in space_rows(asyncio.run(listing())):
        click.echo(line)


def space_rows(spaces: list[Space]) -> list[str]:
    """One aligned line per space: key, type (``knowledge_base``, ``personal``..., archived
    marked) and name."""
    rows = [
        (s.key, f"{s.type} (archived)" if s.status == "archived" else s.type, s.name)
        for s in spaces
    ]
    key_width = max([12, *(len(r[0]) for r in rows)])
    type_width = max([10, *(len(r[1]) for r in rows)])
    return [f"{key:<{key_width}} {kind:<{type_width}} {name}".rstrip() for key, kind, name in rows]
