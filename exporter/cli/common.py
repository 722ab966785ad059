"""What every command shares: the global options, logging set-up, loading the config, logging
in (with the Action's token write-back) and the per-stage progress display.

Kept apart from ``main.py`` so that each command module imports only this, never the root
group that loads it lazily.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from exporter.errors import exit_codes_help

if TYPE_CHECKING:
    from exporter.auth.connect import Connection
    from exporter.cli.report import Progress
    from exporter.config.settings import Config

__all__ = [
    "EXIT_CODES_HELP",
    "ConfigOption",
    "Context",
    "StageProgress",
    "connect",
    "examples",
    "global_options",
    "global_params",
    "load_settings",
    "setup",
]

log = logging.getLogger("exporter")

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = exit_codes_help()


def examples(*lines: str) -> str:
    """A ``--help`` epilog: the examples (clig.dev's first rule), then the exit-code table.

    ``\\b`` keeps click from rewrapping the block.
    """
    block = "\n".join(f"  $ {line}" for line in lines)
    return f"\b\nExamples:\n{block}\n\n{EXIT_CODES_HELP}"


class Context:
    """Global options shared by every command."""

    def __init__(self) -> None:
        self.config_path: Path | None = None
        self.verbose = 0
        self.quiet = False
        self.log_format = "text"


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        state = ctx.ensure_object(Context)
        if value:  # 0, False, None and () mean "not given here": keep the group's value
            setattr(state, attr, value)
        return value

    return callback


def global_options(f: F) -> F:
    """Options accepted on every command (and before it)."""
    f = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        expose_value=False,
        callback=_store("config_path"),
        help="Config file.  [default: ./config.yaml when it exists]",
    )(f)
    f = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_store("verbose"),
        help="More output: -v the effective config, -vv HTTP details (secrets redacted), "
        "-vvv third-party libraries' debug lines too.",
    )(f)
    f = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_store("quiet"),
        help="Only errors and results.",
    )(f)
    f = click.option(
        "--log-format",
        type=click.Choice(["text", "json", "github"]),
        expose_value=False,
        callback=_store("log_format"),
        help="Log lines as text, JSON objects, or GitHub Actions workflow commands.  "
        "[default: text]",
    )(f)
    return f


class ConfigOption(click.Option):
    """An option that overrides a config key: its help names the key and shows the value a run
    would use now (from config.yaml when it sets it, else the built-in default)."""

    def __init__(self, *args: Any, config_key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config_key = config_key

    def get_help_extra(self, ctx: click.Context) -> Any:
        extra = super().get_help_extra(ctx)
        config = _help_config(ctx)
        value: Any = config
        for part in self.config_key.split("."):
            value = getattr(value, part)
        where = f" in {config.source.name}" if config.source else ""
        extra["default"] = f"{_shown(value)} ({self.config_key}{where})"
        return extra


def _help_config(ctx: click.Context) -> Config:
    """The config a run would load (for ``--help``); the defaults when it cannot be loaded."""
    from exporter.config.settings import Config, load_config
    from exporter.errors import ExportError

    state = ctx.find_root().obj
    try:
        return load_config(getattr(state, "config_path", None))
    except (ExportError, OSError):  # --help never fails: a broken config shows the defaults
        return Config()


def _shown(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, tuple):
        return ", ".join(getattr(v, "key", str(v)) for v in value) or "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def global_params() -> list[click.Parameter]:
    """The global options as click parameters (added to lazily loaded commands)."""

    @global_options
    def dummy() -> None:  # only its parameters are used
        pass

    return list(getattr(dummy, "__click_params__", []))


def setup(state: Context) -> None:
    """Set up logging from the global options."""
    from exporter.logs import setup_logging

    setup_logging(state.verbose, state.quiet, state.log_format)  # type: ignore[arg-type]


def load_settings(state: Context, overrides: dict[str, object] | None = None) -> Config:
    """config.yaml (``--config`` or ./) with the command line's overrides; -v logs the result."""
    from exporter.config.settings import config_summary, load_config

    config = load_config(state.config_path, overrides)
    if state.verbose:
        log.info("effective configuration: %s", json.dumps(config_summary(config), sort_keys=True))
    return config


def connect(config: Config) -> Connection:
    """Log in as configured; in a GitHub Action with OAuth, rotated refresh tokens are first
    written back to the repository secret (``exporter.action.secrets``) before they are used."""
    from exporter.action.secrets import rotation_hook_from_env
    from exporter.auth.connect import connect as connect_to_site

    hook = rotation_hook_from_env() if config.auth.method == "oauth" else None
    if hook is not None:
        hook.check()
    return connect_to_site(config, rotation_hooks=[hook] if hook is not None else ())


class StageProgress:
    """Adapts the pipeline's (stage, done, total) callbacks to one progress display per stage."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._bar: Progress | None = None
        self._done = 0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        from exporter.cli.report import progress

        if stage != self._stage:
            self.close()
            self._stage, self._bar = stage, progress(total, stage)
            self._done = 0
        if self._bar is not None and done > self._done:
            self._bar.advance(done - self._done)
            self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
