"""A sandbox (the fake Atlassian) for the auth tests, served over real loopback HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from exporter.auth.login import login
from exporter.config.settings import Config, load_config
from exporter.sandbox import SandboxHandle
from exporter.sandbox.app import Sandbox

TINY_SEED = Path(__file__).parents[1] / "sandbox" / "seeds" / "tiny"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningSandbox:
    """The shared sandbox handle plus the few things the auth tests read from it."""

    handle: SandboxHandle

    @property
    def base_url(self) -> str:
        return self.handle.base_url

    @property
    def app(self) -> Sandbox:
        return self.handle.sandbox

    @property
    def client_id(self) -> str:
        return str(self.handle.ready["client_id"])

    @property
    def client_secret(self) -> str:
        return str(self.handle.ready["client_secret"])

    def stats(self) -> dict[str, Any]:
        return self.handle.stats()

    def advance(self, seconds: float) -> None:
        self.handle.advance_clock(seconds)


@pytest.fixture
def oauth_sandbox_factory(
    sandbox_factory: Callable[..., SandboxHandle],
) -> Callable[..., RunningSandbox]:
    """Start a sandbox with the tiny seed (auth needs little content), e.g. a short token TTL."""

    def start(access_token_ttl: int = 3600, **knobs: Any) -> RunningSandbox:
        handle = sandbox_factory(seed=TINY_SEED, access_token_ttl=access_token_ttl, **knobs)
        return RunningSandbox(handle)

    return start


@pytest.fixture
def oauth_sandbox(oauth_sandbox_factory: Callable[..., RunningSandbox]) -> RunningSandbox:
    return oauth_sandbox_factory()


def write_config(
    sandbox: RunningSandbox, tmp_path: Path, scopes: list[str] | None = None, **auth: Any
) -> Path:
    """A config.yaml pointing every endpoint at the sandbox, OAuth, token file under tmp_path."""
    data: dict[str, Any] = {
        "spaces": "all",
        "auth": {
            "method": "oauth",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "redirect_uri": "http://localhost:8976/callback",
            "token_file": str(tmp_path / "state" / "tokens.json"),
            **auth,
        },
        "api": {
            "endpoints": {
                "auth": sandbox.base_url,
                "api": sandbox.base_url,
                "site": sandbox.base_url,
            }
        },
    }
    if scopes is not None:
        data["auth"]["scopes"] = scopes
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def cli(
    config: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``confluence-export --config CONFIG ARGS -vvv`` (every log line on)."""
    return subprocess.run(
        [sys.executable, "-m", "exporter", "--config", str(config), *args, "-vvv"],
        capture_output=True,
        text=True,
        input=input,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


class AutoConsent:
    """Plays the user of ``login --no-browser``: opens the printed URL, pastes the redirect."""

    def __init__(self) -> None:
        import io

        self.out = io.StringIO()
        self.redirects: list[str] = []

    def readline(self) -> str:
        url = next(word for word in self.out.getvalue().split() if "/authorize?" in word)
        response = httpx.get(url)
        assert response.status_code == 302, response.text
        self.redirects.append(response.headers["location"])
        return self.redirects[-1] + "\n"


def sandbox_login(config_path: Path, user: AutoConsent | None = None) -> Config:
    """Log in to the sandbox in-process (auto-consent) and return the loaded config."""
    config = load_config(config_path)
    user = user or AutoConsent()
    login(config, open_browser=False, stdin=user, out=user.out)  # type: ignore[arg-type]
    return config
