"""config.yaml loading: schema errors with key paths, env expansion, overrides, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.config.settings import (
    Config,
    SpaceSelection,
    config_summary,
    default_token_file,
    load_config,
    require_settings,
)
from exporter.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path | None, env: dict[str, str] | None = None, **kw: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env or {}, **kw)  # type: ignore[arg-type]
    return info.value.problems


def test_unknown_key_names_the_nearest_valid_key(tmp_path):
    path = write(tmp_path, "output:\n  flavour: gfm\n")
    assert problems_of(path) == ["unknown key 'output.flavour' (did you mean 'output.flavor'?)"]


def test_unknown_key_without_a_close_match_has_no_suggestion(tmp_path):
    path = write(tmp_path, "colour: blue\n")
    assert problems_of(path) == ["unknown key 'colour'"]


def test_wrong_type_names_the_key_path_with_list_index(tmp_path):
    path = write(tmp_path, "spaces:\n  - ENG\n  - {key: OPS, root: [a, b]}\n")
    assert problems_of(path) == ["spaces[1].root: expected a string, got a list"]


def test_missing_env_var_without_default_is_an_error_naming_key_and_variable(tmp_path):
    path = write(tmp_path, "auth:\n  client_secret: ${CONF_SECRET}\n")
    assert problems_of(path) == [
        "auth.client_secret: environment variable CONF_SECRET is not set "
        "(set it, or give a default: ${CONF_SECRET:-value})"
    ]


def test_every_problem_is_reported_at_once_in_one_message(tmp_path):
    path = write(
        tmp_path,
        "site: example.com\n"
        "output:\n  format: md\n  flavour: gfm\n"
        "api:\n  concurrency: 0\n  timeout_s: fast\n"
        "spaces: [ENG, {root: x}]\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    expected = [
        "site: expected a URL starting with https://, got 'example.com'",
        "output.format: expected one of docs, site, both, got 'md'",
        "unknown key 'output.flavour' (did you mean 'output.flavor'?)",
        "api.concurrency: expected at least 1, got 0",
        "api.timeout_s: expected a number, got a string",
        "spaces[1]: missing required key 'key'",
    ]
    assert info.value.problems == expected
    assert str(info.value) == (
        f"{path} is invalid (6 problems):\n"
        + "".join(f"  {p}\n" for p in expected)
        + "Fix these and run again."
    )
    assert info.value.exit_code == 2


def test_top_level_list_is_rejected(tmp_path):
    assert problems_of(write(tmp_path, "- a\n- b\n")) == [
        "top level: expected a mapping, got a list"
    ]


def test_invalid_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "output:\n  dir: [unclosed\n")
    with pytest.raises(ConfigError, match=r"is not valid YAML at line \d+, column \d+"):
        load_config(path, env={})


def test_explicit_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml", env={})


def test_no_file_at_all_gives_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={})
    assert config.source is None
    assert config.spaces is None  # not chosen: `export` then needs --space (see test below)
    assert config.output.dir == Path("export")
    assert config.auth.token_file == default_token_file()
    assert default_token_file().name == "tokens.json"
    assert "confluence-export" in str(default_token_file())


def test_default_path_is_config_yaml_in_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path, "output:\n  flavor: gfm\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={})
    assert config.output.flavor == "gfm"
    assert config.source == tmp_path / "config.yaml"


def test_env_expansion_with_defaults_in_every_string(tmp_path):
    path = write(
        tmp_path,
        "site: https://${TENANT}.atlassian.net\n"
        "auth:\n  method: basic\n  email: ${EMAIL:-me@example.com}\n  api_token: ${TOKEN:-}\n"
        "  scopes: [x, '${EXTRA_SCOPE:-read:page:confluence}']\n"
        "spaces: ['${SPACE}']\n"
        "api:\n  concurrency: ${CONC:-3}\n  timeout_s: ${TIMEOUT:-2.5}\n"
        "output:\n  blogposts: ${BLOGS:-true}\n  dir: $${HOME}/out\n",
    )
    config = load_config(path, env={"TENANT": "acme", "SPACE": "ENG", "EMAIL": ""})
    assert config.site == "https://acme.atlassian.net"
    assert config.auth.email == "me@example.com"  # :- also replaces an empty value
    assert config.auth.api_token is None
    assert config.auth.scopes == ("x", "read:page:confluence", "offline_access")
    assert config.spaces == (SpaceSelection("ENG"),)
    assert config.api.concurrency == 3
    assert config.api.timeout_s == 2.5
    assert config.output.blogposts is True
    assert config.output.dir == tmp_path / "${HOME}" / "out"


def test_dash_default_applies_only_when_unset(tmp_path):
    path = write(tmp_path, "cloud_id: ${CLOUD-fallback}\n")
    assert load_config(path, env={}).cloud_id == "fallback"
    assert load_config(path, env={"CLOUD": ""}).cloud_id is None


def test_numbers_written_as_literal_strings_are_still_type_errors(tmp_path):
    path = write(tmp_path, "api:\n  concurrency: '8'\n")
    assert problems_of(path) == ["api.concurrency: expected an integer, got a string"]


def test_spaces_mappings_become_selections(tmp_path):
    path = write(
        tmp_path,
        "spaces:\n"
        "  - ENG\n"
        "  - key: OPS\n    root: 65851\n    include_labels: runbook\n"
        "    exclude_labels: [draft]\n    exclude_titles: ['Meeting*']\n",
    )
    config = load_config(path, env={})
    assert config.spaces == (
        SpaceSelection("ENG"),
        SpaceSelection(
            "OPS",
            root="65851",
            include_labels=("runbook",),
            exclude_labels=("draft",),
            exclude_titles=("Meeting*",),
        ),
    )


def test_space_listed_twice_is_an_error(tmp_path):
    path = write(tmp_path, "spaces: [ENG, {key: ENG}]\n")
    assert problems_of(path) == ["spaces[1]: space 'ENG' is listed twice"]


def test_overrides_apply_only_when_given(tmp_path):
    path = write(tmp_path, "output:\n  dir: out\n  flavor: gfm\n  format: docs\n")
    config = load_config(
        path,
        overrides={"output.dir": None, "output.flavor": "obsidian", "spaces": (), "site": None},
        env={},
    )
    assert config.output.dir == tmp_path / "out"
    assert config.output.flavor == "obsidian"
    assert config.output.format == "docs"
    assert config.spaces is None


def test_override_paths_stay_relative_to_the_working_directory(tmp_path):
    path = write(tmp_path, "output:\n  dir: out\n")
    config = load_config(path, overrides={"output.dir": Path("elsewhere")}, env={})
    assert config.output.dir == Path("elsewhere")


def test_space_override_keeps_per_space_settings_from_the_file(tmp_path):
    path = write(tmp_path, "spaces:\n  - {key: OPS, root: Runbooks}\n  - ENG\n")
    config = load_config(path, overrides={"spaces": ("OPS", "NEW")}, env={})
    assert config.spaces == (SpaceSelection("OPS", root="Runbooks"), SpaceSelection("NEW"))


def test_invalid_override_is_reported_with_its_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    problems = problems_of(None, overrides={"api.concurrency": 0, "output.flavour": "gfm"})
    assert problems == [
        "api.concurrency: expected at least 1, got 0",
        "unknown override 'output.flavour' (did you mean 'output.flavor'?)",
    ]


def test_endpoint_site_defaults_to_site_and_null_means_default(tmp_path):
    path = write(
        tmp_path,
        "site: https://acme.atlassian.net/\nauth:\n  token_file: null\n"
        "api:\n  endpoints:\n    site: null\n    api: http://127.0.0.1:9000/\n",
    )
    config = load_config(path, env={})
    assert config.api.endpoints.site == "https://acme.atlassian.net"
    assert config.api.endpoints.api == "http://127.0.0.1:9000"
    assert config.api.endpoints.auth == "https://auth.atlassian.com"
    assert config.auth.token_file == default_token_file()
    assert config.site_endpoint == "https://acme.atlassian.net"


def test_token_file_tilde_and_relative_paths(tmp_path):
    path = write(tmp_path, "auth:\n  token_file: ~/t.json\noutput:\n  dir: ../out\n")
    config = load_config(path, env={})
    assert config.auth.token_file == Path.home() / "t.json"
    assert config.output.dir == tmp_path / ".." / "out"


def test_summary_redacts_secrets_but_keeps_the_rest(tmp_path):
    path = write(
        tmp_path,
        "auth:\n  client_id: abc\n  client_secret: s3cr3t-value\n  api_token: ATATT-token\n"
        "  email: me@example.com\n"
        "api:\n  endpoints:\n    api: https://user:hunter22@proxy.example.com\n",
    )
    summary = config_summary(load_config(path, env={}))
    assert summary["auth"]["client_secret"] == "***"
    assert summary["auth"]["api_token"] == "***"
    assert summary["auth"]["client_id"] == "abc"
    assert summary["auth"]["email"] == "me@example.com"
    assert summary["auth"]["token_file"] == str(default_token_file())
    assert summary["api"]["endpoints"]["api"] == "https://user:***@proxy.example.com"
    assert "s3cr3t-value" not in repr(summary) and "hunter22" not in repr(summary)


def test_unset_secrets_show_as_null_in_summary():
    summary = config_summary(Config())
    assert summary["auth"]["client_secret"] is None
    assert summary["spaces"] is None


def test_basic_auth_requires_site_email_and_token(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, overrides={"auth.method": "basic"}, env={})
    with pytest.raises(ConfigError) as info:
        require_settings(config, "export")
    assert info.value.problems == [
        "site (your https://<name>.atlassian.net URL)",
        "auth.email (the Atlassian account's email)",
        "auth.api_token (create one at id.atlassian.com, API tokens)",
    ]
    assert str(info.value).startswith(
        "`export` needs settings that are missing in the configuration (no config.yaml was found):\n"
    )


def test_oauth_requires_client_credentials(tmp_path):
    path = write(tmp_path, "auth:\n  client_id: abc\n")
    with pytest.raises(ConfigError) as info:
        require_settings(load_config(path, env={}), "login")
    assert info.value.problems == [
        "auth.client_secret (from your OAuth app in the developer console)"
    ]
    assert str(path) in str(info.value)


def test_spaces_as_one_string_from_the_environment(tmp_path):
    path = write(tmp_path, "spaces: ${SPACES:-all}\n")
    assert load_config(path, env={}).spaces == "all"
    config = load_config(path, env={"SPACES": "ENG, OPS DOC"})
    assert [s.key for s in config.spaces] == ["ENG", "OPS", "DOC"]


def test_empty_expansion_means_the_default(tmp_path):
    path = write(tmp_path, "auth:\n  token_file: ${TOKENS:-}\noutput:\n  dir: ${OUT:-}\n")
    config = load_config(path, env={})
    assert config.auth.token_file == default_token_file()
    assert config.output.dir == tmp_path / "export"  # the default, beside the file
