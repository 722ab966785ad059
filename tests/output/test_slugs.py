"""Slugs and file names that are safe on every file system."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.errors import OutputError
from exporter.slugs import ensure_inside, is_reserved, safe_filename, slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Release notes", "release-notes"),
        ("Übersicht über Ölfässer", "ubersicht-uber-olfasser"),
        ("日本語のページ", "ri-ben-yu-no-pe-ji"),
        ("Привет мир", "privet-mir"),
        ("../../etc/passwd", "etc-passwd"),
        ("a/b", "a-b"),
        ("CON", "con-page"),
        ("lpt1", "lpt1-page"),
        ("", "page"),
        ("!!!", "page"),
        ("  Trailing dots...  ", "trailing-dots"),
    ],
)
def test_titles_become_readable_ascii_slugs(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slug_of_300_character_title_is_capped_at_a_word_boundary() -> None:
    slug = slugify("word " * 60)
    assert len(slug) <= 72
    assert not slug.endswith("-")
    assert slug.startswith("word-word")


def test_slugify_is_stable() -> None:
    assert slugify("Déjà vu: the sequel") == slugify("Déjà vu: the sequel") == "deja-vu-the-sequel"


@pytest.mark.parametrize("name", ["CON", "con.txt", "Nul.tar.gz", "COM1", "lpt9.md", "AUX "])
def test_windows_reserved_names_are_detected_with_any_extension(name: str) -> None:
    assert is_reserved(name)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("diagram.png", "diagram.png"),
        ("Screen Shot 2024-01-01 at 10.00.png", "Screen Shot 2024-01-01 at 10.00.png"),
        ("résumé.pdf", "résumé.pdf"),
        ("../x.png", "x.png"),
        ("..\\..\\evil.exe", "evil.exe"),
        ("CON.txt", "CON_.txt"),
        ("a:b?.png", "a_b_.png"),
        (".env", "_env"),
        ("notes. ", "notes"),
        ("..", "file"),
        ("", "file"),
    ],
)
def test_attachment_names_are_kept_when_safe_else_sanitized(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_long_attachment_name_is_cut_keeping_its_extension() -> None:
    name = safe_filename("日本" * 120 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name) <= 100
    assert len(name.encode()) <= 200


def test_ensure_inside_rejects_parent_segments_and_absolute_paths(tmp_path: Path) -> None:
    for bad in ["../x.md", "a/../../x.md", "/etc/passwd", ""]:
        with pytest.raises(OutputError):
            ensure_inside(tmp_path, bad)
    assert ensure_inside(tmp_path, "a/b.md") == tmp_path.resolve() / "a" / "b.md"


def test_ensure_inside_refuses_a_symlink_leading_out_of_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "eng").symlink_to(outside)
    with pytest.raises(OutputError, match="symlink"):
        ensure_inside(root, "eng/page.md")
