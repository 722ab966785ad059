"""Names from Confluence on the site: space folders labelled by space name, the home page's
cards, and the names recorded for a later `site` command."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sitedocs import build_docs

from exporter.cli.site import site_command
from exporter.models import Space
from exporter.run.manifest import STATE_DIR
from exporter.site import render_site

SPACES = (Space(id="1", key="ENG", name="Engineering Space", description="We build."),)
LISTING = "---\ntitle: Documentation\n---\n\n- [Engineering](eng/README.md)\n- [Operations](ops/README.md)\n"


def test_a_space_folder_is_labelled_by_its_space_name_and_others_keep_their_title(
    tmp_path: Path,
) -> None:
    docs = build_docs(tmp_path, "gfm")
    render_site(docs, tmp_path / "site", flavor="gfm", spaces=SPACES)
    html = (tmp_path / "site/ops/runbook.html").read_text(encoding="utf-8")
    sidebar = html[html.index('<nav id="sidebar"') : html.index("</nav>")]
    assert '<a class="nav-link" href="../eng/index.html">Engineering Space</a>' in sidebar
    assert '<a class="nav-link" href="../ops/index.html">Operations</a>' in sidebar  # not given
    assert ">Engineering</a>" not in sidebar
    deep = (tmp_path / "site/eng/guide/deep/deeper.html").read_text(encoding="utf-8")
    assert '<a href="../../index.html">Engineering Space</a>' in deep  # the breadcrumb


def test_the_docs_generated_list_of_spaces_gives_way_to_the_cards(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    (docs / "README.md").write_text(LISTING, encoding="utf-8")
    render_site(docs, tmp_path / "with", flavor="gfm", site_name="Acme", spaces=SPACES)
    home = (tmp_path / "with/index.html").read_text(encoding="utf-8")
    assert home.count('class="space-card"') == 1 and "We build." in home
    assert '<a href="ops/index.html" rel="noopener noreferrer">Operations</a>' not in home
    assert '<h1 class="page-title">Acme</h1>' in home
    render_site(docs, tmp_path / "without", flavor="gfm")  # no names known: no cards
    plain = (tmp_path / "without/index.html").read_text(encoding="utf-8")
    assert "space-card" not in plain
    assert '<a href="ops/index.html" rel="noopener noreferrer">Operations</a>' in plain


def test_site_command_shows_the_names_the_export_recorded(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    cache = tmp_path / STATE_DIR / "site-cache"  # where the export renders its site from
    render_site(
        docs, tmp_path / "a", flavor="gfm", site_name="Acme", spaces=SPACES, cache_dir=cache
    )
    args = [str(docs), "--out", str(tmp_path / "b"), "--flavor", "gfm"]
    result = CliRunner().invoke(site_command, args)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "b/index.html").read_text(encoding="utf-8")
    assert "<title>Acme</title>" in html and "Engineering Space" in html
