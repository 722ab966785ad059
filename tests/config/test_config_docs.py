"""The example config.yaml at the repo root documents every schema key and is itself valid."""

from __future__ import annotations

import re
from pathlib import Path

from exporter.config.schema import SCHEMA, schema_keys
from exporter.config.settings import load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.yaml"


def test_every_schema_key_is_documented_in_the_example_config():
    text = EXAMPLE.read_text(encoding="utf-8")
    written = set(re.findall(r"^[#\s-]*([a-z_]+):", text, flags=re.M))
    missing = [key for key in schema_keys() if key.rsplit(".", 1)[-1].split("]")[-1] not in written]
    assert missing == []


def test_schema_keys_cover_nested_sections_and_space_items():
    keys = schema_keys()
    assert "api.endpoints.site" in keys
    assert "spaces[].exclude_titles" in keys
    assert len(keys) == len(set(keys))
    assert set(SCHEMA.fields) == {
        "site",
        "cloud_id",
        "auth",
        "spaces",
        "space_types",
        "output",
        "api",
        "history",
    }


def test_example_config_loads_and_equals_the_defaults_without_env():
    config = load_config(EXAMPLE, env={})
    assert config.spaces == "all"
    assert config.auth.method == "oauth"
    assert config.site is None
    assert config.output.dir == ROOT / "export"


def test_example_config_takes_credentials_from_the_environment():
    env = {
        "CONFLUENCE_SITE": "https://acme.atlassian.net",
        "CONFLUENCE_AUTH_METHOD": "basic",
        "CONFLUENCE_EMAIL": "me@example.com",
        "CONFLUENCE_API_TOKEN": "ATATT-example",
    }
    config = load_config(EXAMPLE, env=env)
    assert config.auth.method == "basic"
    assert config.auth.api_token == "ATATT-example"
    assert config.site_endpoint == "https://acme.atlassian.net"
