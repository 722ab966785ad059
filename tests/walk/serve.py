"""Serve a sandbox Store over real loopback HTTP for walk and pipeline tests.

The shared ``sandbox`` fixtures start the sandbox from a seed; these tests need hand-built
stores (exact trees, labels, trash), so they serve the same ASGI app with ``serve_sandbox``
(what ``start_sandbox`` does for seeds) from a thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from exporter.auth.httpauth import ApiTokenAuth
from exporter.config.settings import (
    ApiConfig,
    AuthConfig,
    Config,
    Endpoints,
    OutputConfig,
    SpaceSelection,
)
from exporter.sandbox.app import Sandbox
from exporter.sandbox.gateway import Credentials
from exporter.sandbox.limits import Limits
from exporter.sandbox.server import serve_sandbox
from exporter.sandbox.store import Store

USER = "557058:ada"


@dataclass(frozen=True)
class Connection:
    """What ``exporter.auth.connect.connect`` returns, built from the sandbox's credentials."""

    wiki_base: str
    site_url: str
    auth: ApiTokenAuth
    method: str = "basic"  # a classic API token: unscoped, no scope preflight
    granted_scopes: tuple[str, ...] = ()


@dataclass
class Served:
    sandbox: Sandbox
    base_url: str

    @property
    def store(self) -> Store:
        return self.sandbox.store

    def connection(self) -> Connection:
        cred = self.sandbox.credentials
        return Connection(
            self.base_url + "/wiki", self.base_url, ApiTokenAuth(cred.email, cred.api_token)
        )

    def config(
        self,
        spaces: tuple[SpaceSelection, ...] | str = "all",
        *,
        attachments: str = "referenced",
        flavor: str = "mkdocs",
        concurrency: int = 8,
    ) -> Config:
        return Config(
            site=self.base_url,
            auth=AuthConfig(
                method="basic", email=Credentials().email, api_token=Credentials().api_token
            ),
            spaces=spaces,  # type: ignore[arg-type]
            output=OutputConfig(format="docs", flavor=flavor, attachments=attachments),  # type: ignore[arg-type]
            api=ApiConfig(
                concurrency=concurrency, endpoints=Endpoints(api=self.base_url, site=self.base_url)
            ),
        )


def new_store() -> Store:
    store = Store("Test site")
    store.add_user(USER, "Ada Lovelace")
    return store


@contextmanager
def serve(store: Store, **limits: object) -> Iterator[Served]:
    """Run ``store`` behind the sandbox app on 127.0.0.1 (``limits``: fail_rate, burst...).

    ``serve_sandbox`` also binds the media host's own port, where downloads redirect.
    """
    sandbox = Sandbox(store, limits=Limits(store.clock, **limits))  # type: ignore[arg-type]
    handle = serve_sandbox(sandbox)
    try:
        yield Served(sandbox, handle.base_url)
    finally:
        handle.stop(wait=True)
