"""A real export over the sandbox names its site and spaces as Confluence does (issue 18)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from exporter.sandbox import SandboxHandle
from tests.e2e.helpers import exported_space_keys, run_export


def _title(html: str) -> str:
    found = re.search(r"<title>([^<]*)</title>", html)
    assert found, "page without a title"
    return found.group(1)


def test_export_titles_the_site_from_config_or_the_site_and_cards_its_spaces(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    store = sandbox.store
    keys = exported_space_keys(store)
    run_export(sandbox, tmp_path / "default", flavor="gfm", fmt="both")
    home = (tmp_path / "default/site/index.html").read_text(encoding="utf-8")
    host = urlsplit(str(getattr(sandbox, "site_url", "") or sandbox.base_url)).hostname
    assert _title(home) in (store.site_name, host)  # the name Atlassian gives, else the host
    for key in keys:
        space = store.spaces[key]
        assert f'class="space-card-name" href="{key.lower()}/index.html">{space.name}</a>' in home
        if space.description:
            assert space.description in home
    assert home.count('class="space-card"') == len(keys)

    run_export(
        sandbox, tmp_path / "named", flavor="mkdocs", overrides={"output.site_name": "Handbook"}
    )
    page = next((tmp_path / "named/site").glob("*/index.html")).read_text(encoding="utf-8")
    assert _title(page).endswith(" · Handbook")
