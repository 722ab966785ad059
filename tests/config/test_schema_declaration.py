"""Each config key is declared once (a settings dataclass field carrying its check), and the
schema that validates config.yaml and the flag overrides is derived from those fields."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from exporter.config import schema
from exporter.config.fields import Choice, Section, Spaces, Str
from exporter.config.schema import NOT_A_KEY, SCHEMA, Config, check, section_of
from exporter.config.settings import load_config
from exporter.errors import ConfigError
from exporter.models import FLAVORS, Flavor


def _declared_keys(cls: type, prefix: str = "") -> list[str]:
    """The dotted keys the dataclasses declare, walked from the fields themselves."""
    keys: list[str] = []
    for item in dataclasses.fields(cls):
        if item.metadata == NOT_A_KEY:
            continue
        dotted = f"{prefix}{item.name}"
        keys.append(dotted)
        factory = item.default_factory
        if isinstance(factory, type) and dataclasses.is_dataclass(factory):
            keys.extend(_declared_keys(factory, dotted + "."))
        if item.name == "spaces":
            keys.extend(_declared_keys(schema.SpaceSelection, dotted + "[]."))
    return keys


def test_the_schema_knows_exactly_the_keys_the_settings_dataclasses_declare() -> None:
    assert schema.schema_keys() == _declared_keys(Config)
    assert "source" not in SCHEMA.fields  # where the config came from is not a key


def test_a_settings_field_without_its_check_is_refused_when_the_schema_is_derived() -> None:
    @dataclass(frozen=True)
    class Forgotten:
        checked: str | None = field(default=None, metadata=check(Str()))
        unchecked: int = 3

    with pytest.raises(TypeError, match=r"Forgotten\.unchecked is declared without its check"):
        section_of(Forgotten)


def test_a_field_without_a_default_is_a_required_key() -> None:
    @dataclass(frozen=True)
    class Item:
        name: str = field(metadata=check(Str(nullable=False)))
        note: str | None = field(default=None, metadata=check(Str()))

    derived = section_of(Item)
    assert derived.required == ("name",)
    problems: list[str] = []
    derived.convert({"note": "x"}, "items[0]", problems, None)
    assert problems == ["items[0]: missing required key 'name'"]


def _choices(section: Section, cls: type, prefix: str = "") -> list[tuple[str, object, object]]:
    hints = typing.get_type_hints(cls, vars(schema))
    found: list[tuple[str, object, object]] = []
    for name, spec in section.fields.items():
        if isinstance(spec, Choice):
            found.append((prefix + name, spec.values, typing.get_args(hints[name])))
        elif isinstance(spec, Section):
            found.extend(_choices(spec, hints[name], prefix + name + "."))
    return found


def test_every_choice_offers_exactly_the_values_of_its_field_type() -> None:
    choices = _choices(SCHEMA, Config)
    names = [name for name, _, _ in choices]
    assert names == [
        "auth.method",
        "output.format",
        "output.flavor",
        "output.attachments",
        "output.history",
    ]
    for name, offered, typed in choices:
        assert offered == typed, name


def test_the_flavor_is_checked_in_config_against_the_one_flavor_list(tmp_path: Path) -> None:
    assert typing.get_args(Flavor) == FLAVORS
    assert SCHEMA.fields["output"].fields["flavor"].values == FLAVORS  # type: ignore[attr-defined]
    path = tmp_path / "config.yaml"
    path.write_text("output:\n  flavor: markdown\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert info.value.problems == [
        "output.flavor: expected one of gfm, mkdocs, docusaurus, obsidian, got 'markdown'"
    ]


def test_spaces_items_are_checked_by_the_space_selection_fields() -> None:
    spaces = SCHEMA.fields["spaces"]
    assert isinstance(spaces, Spaces)
    assert spaces.item is schema.SPACE_FIELDS
    assert list(spaces.item.fields) == [f.name for f in dataclasses.fields(schema.SpaceSelection)]
