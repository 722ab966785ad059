"""The user docs stay honest: every command, option and config key is documented, links resolve.

Modelled on sqlite-utils' ``test_docs.py``: the CLI and the config schema are the source of
truth, and a command, flag or key added without a line of documentation fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml

from exporter.cli.main import EXIT_CODES_HELP, cli
from exporter.config.schema import schema_keys
from exporter.config.settings import load_config
from exporter.docs.layout import FLAVORS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
USAGE = DOCS / "usage.md"
CONFIGURATION = DOCS / "configuration.md"
OUTPUT = DOCS / "output.md"
SANDBOX = DOCS / "sandbox.md"
SETUP_COMMANDS = [
    "python3 -m venv .venv && . .venv/bin/activate && python3 -m pip install . "
    "&& confluence-export demo",
    "bash scripts/test",
]

_CONTEXT = click.Context(cli)
COMMANDS: dict[str, click.Command] = {}
for _name in cli.list_commands(_CONTEXT):
    _command = cli.get_command(_CONTEXT, _name)
    assert _command is not None, _name
    COMMANDS[_name] = _command
GLOBAL_OPTIONS = {p.name for p in cli.params}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _section(text: str, heading: re.Pattern[str]) -> str:
    """The lines under the first heading matching ``heading``, up to the next heading of the
    same or a higher level; empty when there is no such heading."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"(#+) ", line)
        if match and heading.fullmatch(line[match.end() :].strip()):
            level = len(match.group(1))
            body = []
            for following in lines[i + 1 :]:
                deeper = re.match(r"(#+) ", following)
                if deeper and len(deeper.group(1)) <= level:
                    break
                body.append(following)
            return "\n".join(body)
    return ""


def _command_section(name: str) -> str:
    """The section of docs/usage.md headed by the command (``## export`` or
    ``## `confluence-export export` ``)."""
    pattern = re.compile(rf"`?(?:confluence-export )?{re.escape(name)}`?")
    return _section(_text(USAGE), pattern)


def _documented_params() -> list[tuple[str, str, str]]:
    """(command, parameter name, the text that must appear) for every parameter of every
    command: each flag spelling of an option, the metavar of an argument."""
    rows = []
    for name, command in COMMANDS.items():
        for param in command.params:
            if isinstance(param, click.Argument):
                rows.append((name, str(param.name), param.human_readable_name))
            else:
                for flag in [*param.opts, *param.secondary_opts]:
                    rows.append((name, str(param.name), flag))
    return rows


def test_the_cli_has_lazily_loaded_commands_to_document() -> None:
    assert {"login", "convert", "sandbox", "site", "export", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_listed_in_the_readme(name: str) -> None:
    pattern = rf"`(?:confluence-export )?{re.escape(name)}[ `]"
    assert re.search(pattern, _text(README)), f"README.md does not mention `{name}`"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_section_in_usage(name: str) -> None:
    section = _command_section(name)
    assert section.strip(), f"docs/usage.md has no '## {name}' section"
    help_line = (COMMANDS[name].help or "").split("\n")[0].strip()
    assert help_line, f"`{name}` has no help text to document"


@pytest.mark.parametrize(
    ("name", "param", "text"),
    _documented_params(),
    ids=[f"{c}-{t}" for c, _, t in _documented_params()],
)
def test_every_option_is_documented_in_usage(name: str, param: str, text: str) -> None:
    if param in GLOBAL_OPTIONS:
        where, section = "Global options", _section(_text(USAGE), re.compile("Global options"))
    else:
        where, section = f"## {name}", _command_section(name)
    assert re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", section), (
        f"docs/usage.md section '{where}' does not document {text} of `{name}`"
    )


def test_group_options_are_documented_in_usage() -> None:
    section = _section(_text(USAGE), re.compile("Global options"))
    for param in cli.params:
        for flag in param.opts:
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", section), flag


@pytest.mark.parametrize("key", schema_keys())
def test_every_config_key_is_documented_in_configuration_md(key: str) -> None:
    assert f"`{key}`" in _text(CONFIGURATION), f"docs/configuration.md does not document `{key}`"


def _yaml_has_key(data: object, dotted: str) -> bool:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@pytest.mark.parametrize("key", schema_keys())
def test_every_config_key_is_shown_in_the_example_config_yaml(key: str) -> None:
    text = _text(ROOT / "config.yaml")
    if "[]." in key:  # list items are shown in a commented example
        leaf = key.rsplit(".", 1)[1]
        assert re.search(rf"^#\s*(?:- )?{re.escape(leaf)}:", text, re.M), key
    else:
        assert _yaml_has_key(yaml.safe_load(text), key), f"config.yaml does not show {key}"


def _config_examples() -> list[str]:
    """The YAML blocks of docs/configuration.md and of the README's Configuration section."""
    readme = _section(_text(README), re.compile("Configuration"))
    return [
        block
        for text in (readme, _text(CONFIGURATION))
        for block in re.findall(r"^```yaml\n(.*?)^```", text, re.M | re.S)
    ]


def test_every_config_example_loads(tmp_path: Path) -> None:
    env = {name: "x" for name in re.findall(r"\$\{(\w+)", "".join(_config_examples()))}
    assert len(_config_examples()) >= 3
    for i, block in enumerate(_config_examples()):
        path = tmp_path / f"example-{i}.yaml"
        path.write_text(block, encoding="utf-8")
        load_config(path, env=env)  # raises ConfigError naming every problem


def test_readme_setup_section_has_exactly_the_two_setup_commands() -> None:
    section = _section(_text(README), re.compile("Set up on a fresh machine"))
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", section, re.M | re.S)
    assert [block.strip() for block in blocks] == SETUP_COMMANDS


def test_ci_runs_the_readme_test_command() -> None:
    lines = [line.strip() for line in _text(ROOT / ".ci" / "run").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert any(re.search(r"\bbash scripts/test\b", line) for line in commands), commands


def test_readme_lists_every_exit_code() -> None:
    codes = re.findall(r"^\s+(\d+)\s", EXIT_CODES_HELP, re.M)
    readme = _text(README)
    assert codes
    for code in codes:
        assert f"| `{code}` |" in readme, f"README.md exit-code table lacks {code}"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_flavor_has_a_section_in_output_md(flavor: str) -> None:
    assert _section(_text(OUTPUT), re.compile(rf"`?{flavor}`?.*")).strip(), flavor


def test_every_sandbox_option_is_in_sandbox_md() -> None:
    text = _text(SANDBOX)
    missing = [
        flag
        for param in COMMANDS["sandbox"].params
        if param.name not in GLOBAL_OPTIONS
        for flag in param.opts
        if flag not in text
    ]
    assert not missing, f"docs/sandbox.md does not document {missing}"


def test_changelog_has_an_unreleased_section() -> None:
    assert _section(_text(ROOT / "CHANGELOG.md"), re.compile("Unreleased")).strip()


_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.M)


def _relative_links(text: str) -> list[str]:
    """Link targets outside code that point into the repository (no scheme, not an anchor)."""
    text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.M | re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    targets = _LINK.findall(text) + _REFERENCE.findall(text)
    return [t for t in targets if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:|#", t)]


MARKDOWN_FILES = [README, *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=[p.name for p in MARKDOWN_FILES])
def test_every_relative_link_resolves_to_a_file_in_the_repo(path: Path) -> None:
    broken = []
    for target in _relative_links(_text(path)):
        file = (path.parent / target.split("#", 1)[0]).resolve()
        if not file.exists() or not file.is_relative_to(ROOT):
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)} links to missing files: {broken}"


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.M | re.S)
    anchors = set()
    for heading in re.findall(r"^#+ (.+?)\s*$", text, re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=[p.name for p in MARKDOWN_FILES])
def test_every_anchor_link_names_a_heading(path: Path) -> None:
    text = _text(path)
    targets = _relative_links(text) + re.findall(r"\]\((#[^)\s]+)\)", text)
    broken = []
    for target in targets:
        file_part, _, anchor = target.partition("#")
        file = (path.parent / file_part).resolve() if file_part else path
        checkable = anchor and file.suffix == ".md" and file.exists()
        if checkable and anchor not in _anchors(_text(file)):
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)} links to missing headings: {broken}"


def test_link_checker_sees_links_and_ignores_code_and_urls() -> None:
    text = (
        "See [usage](docs/usage.md#export) and ![logo](img/a.png).\n"
        "`[not](a-link.md)` and [site](https://example.com) and [top](#top)\n"
        "```\n[inside](fence.md)\n```\n"
        "[ref]: docs/setup.md\n"
    )
    assert _relative_links(text) == ["docs/usage.md#export", "img/a.png", "docs/setup.md"]


def test_anchors_follow_github_heading_slugs() -> None:
    text = "# Set up on a fresh machine\n## `export`\n```\n# not a heading\n```\n"
    assert _anchors(text) == {"set-up-on-a-fresh-machine", "export"}
