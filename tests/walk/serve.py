"""Serve a sandbox Store over real loopback HTTP for walk and pipeline tests.

The shared ``sandbox`` fixtures start the sandbox from a seed; these tests need hand-built
stores (exact trees, labels, trash), so they serve the same ASGI app and uvicorn protocol
(``start_sandbox`` does the same for seeds) from a thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from exporter.config import (
    ApiConfig,
    AuthConfig,
    Config,
    Endpoints,
    OutputConfig,
    SpaceSelection,
)
from exporter.httpauth import ApiTokenAuth
from exporter.sandbox.app import Sandbox
from exporter.sandbox.gateway import Credentials
from exporter.sandbox.limits import Limits
from exporter.sandbox.server import SandboxProtocol  # lets faults reset real connections
from exporter.sandbox.store import Store

USER = "557058:ada"


@dataclass(frozen=True)
class Connection:
    """What ``exporter.auth.connect`` returns, built from the sandbox's credentials."""

    wiki_base: str
    site_url: str
    auth: ApiTokenAuth


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
    """Run ``store`` behind the sandbox app on 127.0.0.1 (``limits``: fail_rate, burst...)."""
    sandbox = Sandbox(store, limits=Limits(store.clock, **limits))  # type: ignore[arg-type]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        sandbox, http=SandboxProtocol, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield Served(sandbox, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()
