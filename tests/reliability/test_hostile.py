"""Path and site safety with the hostile seed: paths stay in OUT, symlinks are not followed out,
unsafe token files are refused, and the static site carries no script but its own."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from exporter.auth.tokens import TokenStore
from exporter.errors import ConfigError, OutputError, PartialExport
from exporter.sandbox import SandboxHandle, SandboxOptions, start_sandbox
from exporter.site.render import templates_dir

from .helpers import ROOT, oauth_login, run_cli, run_inprocess, tree_hashes, write_config

HOSTILE = ROOT / "tests" / "seeds" / "hostile"
OWN_SCRIPT = re.compile(r"^(\.\./)*_static/[a-z-]+\.js$")
UNSAFE_URL = re.compile(r"^(javascript|vbscript|data:text/html)", re.I)
URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset")


@pytest.fixture(scope="module")
def hostile() -> Iterator[SandboxHandle]:
    with start_sandbox(SandboxOptions(seed=HOSTILE)) as sb:
        yield sb


def export_hostile(sb: SandboxHandle, folder: Path, flavor: str, fmt: str = "docs") -> Path:
    """Export the hostile space (all attachments) into ``folder/out``; returns OUT."""
    output = {"flavor": flavor, "format": fmt, "attachments": "all"}
    run_inprocess(write_config(sb, folder, output=output))
    return folder / "out"


def escapes(out: Path) -> list[str]:
    """Paths below OUT whose real location is outside OUT."""
    real = out.resolve()
    bad = []
    for path in out.rglob("*"):
        if not path.resolve().is_relative_to(real):
            bad.append(str(path.relative_to(out)))
    return bad


@pytest.mark.parametrize("flavor", ["gfm", "mkdocs", "docusaurus", "obsidian"])
def test_hostile_titles_and_filenames_stay_inside_out_in_every_flavor(
    hostile: SandboxHandle, tmp_path: Path, flavor: str
) -> None:
    out = export_hostile(hostile, tmp_path, flavor)
    assert escapes(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "out"]
    pages = [p for p in (out / "docs").rglob("*.md")]
    assert len(pages) >= 40, "every hostile page should be written"


def test_symlinks_already_in_the_output_are_not_followed_out_of_it(
    hostile: SandboxHandle, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.md").write_text("outside file\n", encoding="utf-8")
    before = tree_hashes(outside)
    out = export_hostile(hostile, tmp_path / "first", "mkdocs")
    # A second output where the space folder and some files are symlinks leading outside.
    second = tmp_path / "second" / "out"
    shutil.copytree(out, second, symlinks=True)
    victims = sorted((second / "docs" / "host").glob("*.md"))[:3]
    for victim in victims:
        victim.unlink()
        victim.symlink_to(outside / "keep.md")
    attachments = next((second / "docs" / "host").glob("*.assets"))
    shutil.rmtree(attachments)
    attachments.symlink_to(outside, target_is_directory=True)
    # Refusing to write through the link (a partial export) is as good as replacing it.
    with contextlib.suppress(OutputError, PartialExport):
        config = write_config(hostile, tmp_path / "second", output={"attachments": "all"})
        run_inprocess(config, full=True)
    assert tree_hashes(outside) == before, "the export wrote through a symlink to outside OUT"
    assert sorted(p.name for p in outside.iterdir()) == ["keep.md"]


def test_space_folder_symlinked_outside_is_not_written_through(
    hostile: SandboxHandle, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    docs = tmp_path / "out" / "docs"
    docs.mkdir(parents=True)
    (docs / "host").symlink_to(outside, target_is_directory=True)
    with contextlib.suppress(OutputError, PartialExport):
        export_hostile(hostile, tmp_path, "mkdocs")
    assert list(outside.iterdir()) == [], "pages were written through out/docs/host -> outside"


def test_group_readable_or_symlinked_token_file_is_refused(
    hostile: SandboxHandle, tmp_path: Path
) -> None:
    config = write_config(hostile, tmp_path, method="oauth")
    oauth_login(hostile, config)
    token_file = tmp_path / "private" / "tokens.json"
    token_file.chmod(0o640)
    with pytest.raises(ConfigError, match="readable by other users"):
        TokenStore(token_file).load()
    result = run_cli(config, "export")
    assert result.code == 2 and "chmod 600" in result.stderr, result.stderr

    token_file.chmod(0o600)
    real = tmp_path / "private" / "real.json"
    token_file.rename(real)
    token_file.symlink_to(real)
    with pytest.raises(ConfigError, match="symbolic link"):
        TokenStore(token_file).load()
    assert json.loads(real.read_text())["refresh_token"]


def unsafe_html(site: Path) -> list[str]:
    """Scripts other than the site's own, on* handlers and javascript:-like URLs in the site.

    The root 404 page (served at any depth, so it loads nothing by a relative path) may hold
    one inline script: byte for byte the packaged ``404.js``, allowed by its CSP hash alone.
    """
    problems = []
    own_404 = (templates_dir() / "static" / "404.js").read_text(encoding="utf-8")
    own_404_csp = (
        "script-src 'sha256-" + base64.b64encode(sha256(own_404.encode()).digest()).decode()
    )
    for page in site.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        rel = page.relative_to(site)
        is_404 = rel == Path("404.html")
        for script in soup.find_all("script"):
            src = str(script.get("src") or "")
            if is_404 and not src and script.string == own_404:
                continue
            if not OWN_SCRIPT.match(src) or script.string:
                problems.append(f"{rel}: foreign <script src={src!r}>")
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                if name.lower().startswith("on"):
                    problems.append(f"{rel}: <{tag.name} {name}=...>")
                if name.lower() in URL_ATTRS:
                    url = re.sub(r"[\x00-\x20]", "", str(value))
                    if UNSAFE_URL.match(url):
                        problems.append(f"{rel}: <{tag.name} {name}={value!r}>")
            refresh = tag.name == "meta" and str(tag.get("http-equiv", "")).lower() == "refresh"
            if tag.name in ("iframe", "object", "embed", "base") or refresh:
                problems.append(f"{rel}: <{tag.name}>")
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        limit = own_404_csp + "'" if is_404 else "script-src 'self'"
        if csp is None or f"{limit};" not in str(csp.get("content", "")):
            problems.append(f"{rel}: no Content-Security-Policy limiting scripts to the site")
    return problems


@pytest.fixture(scope="module")
def hostile_site(hostile: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-site")
    return export_hostile(hostile, folder, "mkdocs", fmt="both") / "site"


def test_hostile_site_has_no_foreign_script_handler_or_javascript_url(hostile_site: Path) -> None:
    assert list(hostile_site.rglob("*.html")), "the site was not rendered"
    assert unsafe_html(hostile_site) == []
    assert escapes(hostile_site.parent) == []


def test_svg_attachments_in_the_site_cannot_run_script(hostile_site: Path) -> None:
    """A scripted SVG may be shown with <img> (scripts never run there) but not be linked."""
    scripted = [
        svg
        for svg in hostile_site.rglob("*.svg")
        if re.search(rb"<script|\son[a-z]+\s*=", svg.read_bytes(), re.I)
    ]
    linked = [
        f"{page.name} -> {a['href']}"
        for page in hostile_site.rglob("*.html")
        for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("a")
        if str(a.get("href", "")).endswith(".svg")
    ]
    assert not (scripted and linked), (scripted, linked)
