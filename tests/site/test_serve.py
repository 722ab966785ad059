"""The preview server (real loopback HTTP) and the `site`/`serve` click commands."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sitedocs import build_docs

from exporter.cli.site import serve_command, site_command
from exporter.errors import ConfigError
from exporter.run.manifest import FORMAT, STATE_DIR
from exporter.site import render_site
from exporter.site.serve import SiteServer, make_server, normalize_sub_path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    render_site(build_docs(root, "gfm"), root / "site", flavor="gfm")
    return root / "site"


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[SiteServer]:
    srv = make_server(site, port=0, sub_path="/proj/")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_sub_path_serves_the_site_under_its_prefix(server: SiteServer) -> None:
    assert server.url.endswith("/proj/")
    page = httpx.get(server.url + "eng/guide/deep/deeper.html")
    assert page.status_code == 200
    assert "Fourth level café" in page.text
    asset = httpx.get(server.url + "eng/guide/deep/deeper.assets/report%20v1.txt")
    assert asset.content == b"report"


def test_root_redirects_to_the_prefix_and_outside_paths_are_404(server: SiteServer) -> None:
    root = httpx.get(server.url.replace("/proj/", "/"))
    assert root.status_code == 302 and root.headers["location"] == "/proj/"
    assert httpx.get(server.url.replace("/proj/", "/eng/index.html")).status_code == 404
    missing = httpx.get(server.url + "no/such/page.html")
    assert missing.status_code == 404 and "Page not found" in missing.text


def test_prefix_index_serves_the_home_page(server: SiteServer) -> None:
    home = httpx.get(server.url)
    assert home.status_code == 200 and "Welcome to the" in home.text


def test_folder_without_slash_redirects_inside_the_prefix(server: SiteServer) -> None:
    folder = httpx.get(server.url + "eng")
    assert folder.status_code == 302 and folder.headers["location"] == "/proj/eng/"
    assert "Engineering" in httpx.get(server.url + "eng/").text


@pytest.mark.parametrize(
    ("given", "expected"), [(None, "/"), ("proj", "/proj/"), ("/a/b/", "/a/b/"), ("/", "/")]
)
def test_sub_path_is_normalized(given: str | None, expected: str) -> None:
    assert normalize_sub_path(given) == expected


def test_sub_path_with_dot_segments_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a plain path"):
        normalize_sub_path("/a/../b/")


def test_serving_a_folder_without_a_site_says_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Build the site first"):
        make_server(tmp_path, port=0)
    result = CliRunner().invoke(serve_command, [str(tmp_path), "--port", "0"])
    assert isinstance(result.exception, ConfigError)


def _record_flavor(docs: Path, flavor: str) -> None:
    """An export state beside ``docs`` that records ``flavor``, as an export leaves it."""
    state = docs.parent / STATE_DIR
    state.mkdir()
    manifest = {"format": FORMAT, "options": {"flavor": flavor}, "pages": {}}
    (state / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_site_command_renders_in_the_flavor_the_export_recorded(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "docusaurus")
    _record_flavor(docs, "docusaurus")
    out = tmp_path / "site"
    result = CliRunner().invoke(site_command, [str(docs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # 20 files and, from the export's (empty) changes log, changes.html and changes.xml
    assert (
        "Site: 10 pages (10 rendered), 2 files (docusaurus flavor); 24 written, 0 removed."
        in result.output
    )
    assert (out / "changes.xml").is_file()
    assert (out / "index.html").resolve().as_uri() in result.output
    cache = tmp_path / STATE_DIR / "site-cache"  # beside the docs, never in the site
    assert [p.suffix for p in cache.iterdir()] == [".jsonl"]
    assert not any(p.suffix == ".jsonl" for p in out.rglob("*"))


def test_site_command_without_a_recorded_flavor_asks_for_the_flag(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "mkdocs")  # its mkdocs.yml is no longer read as a hint
    result = CliRunner().invoke(site_command, [str(docs), "--out", str(tmp_path / "site")])
    assert isinstance(result.exception, ConfigError)
    assert "Pass --flavor" in str(result.exception)
    assert not (tmp_path / "site").exists()
    flagged = [str(docs), "--out", str(tmp_path / "site"), "--flavor", "mkdocs"]
    result = CliRunner().invoke(site_command, flagged)
    assert result.exit_code == 0 and "(mkdocs flavor)" in result.output


def test_site_command_refuses_a_flag_that_contradicts_the_recorded_flavor(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "obsidian")
    _record_flavor(docs, "obsidian")
    args = [str(docs), "--out", str(tmp_path / "site"), "--flavor", "gfm"]
    result = CliRunner().invoke(site_command, args)
    assert isinstance(result.exception, ConfigError)
    assert "exported in the obsidian flavor, not gfm" in str(result.exception)


def test_site_command_rejects_an_unknown_flavor(tmp_path: Path) -> None:
    docs = build_docs(tmp_path, "gfm")
    result = CliRunner().invoke(site_command, [str(docs), "--out", "x", "--flavor", "rst"])
    assert result.exit_code == 2
    assert "Invalid value for '--flavor'" in result.output
