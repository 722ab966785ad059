"""Starting the sandbox: options, building the app, and serving it with uvicorn.

``start_sandbox`` runs uvicorn in a background thread on a free loopback port and returns a
handle tests use as a context manager; ``serve_forever`` is what the ``sandbox`` command runs.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from exporter.errors import ConfigError
from exporter.sandbox.app import Sandbox
from exporter.sandbox.limits import Fault, Limits
from exporter.sandbox.media import DEFAULT_TOKEN_TTL
from exporter.sandbox.oauth import DEAD_REFRESH_ERRORS, OAuthServer
from exporter.sandbox.seed import load_seed, resolve_seed
from exporter.sandbox.stats import Stats
from exporter.sandbox.store import Clock, Store
from exporter.sandbox.synthetic import add_synthetic_space

__all__ = [
    "SandboxHandle",
    "SandboxOptions",
    "build_sandbox",
    "config_yaml",
    "serve_sandbox",
    "start_sandbox",
]


@dataclass(frozen=True)
class SandboxOptions:
    """The sandbox's knobs, mirroring the ``sandbox`` command's options."""

    seed: str | Path | None = "sample"
    synthetic_pages: int = 0
    attachments_per_page: float = 0.0
    latency_ms: int = 0
    fail_rate: float = 0.0
    rate_limit_burst: int | None = None
    points_per_hour: int | None = None
    access_token_ttl: int = 3600
    auto_consent: bool = True
    redirect_uri: str | None = None
    site_url: str | None = None  # the public site URL to report; default: the seed's ``url``
    # how /oauth/token answers a dead refresh token: "invalid_grant" (documented) or
    # "unauthorized_client" (seen live)
    dead_refresh_error: str = "invalid_grant"
    media_token_ttl: int = DEFAULT_TOKEN_TTL  # seconds a media-host download token is valid


def build_sandbox(options: SandboxOptions) -> Sandbox:
    """The ASGI app with its store loaded from the seed and synthetic options."""
    if options.dead_refresh_error not in DEAD_REFRESH_ERRORS:
        raise ConfigError(
            f"dead_refresh_error {options.dead_refresh_error!r} is not one of "
            f"{', '.join(DEAD_REFRESH_ERRORS)}."
        )
    clock = Clock()
    seed_dir = resolve_seed(options.seed)
    if seed_dir is not None and not seed_dir.is_dir():
        raise ConfigError(
            f"Seed directory {seed_dir} does not exist. Use --seed sample or a directory."
        )
    store = load_seed(seed_dir, clock) if seed_dir else Store("Synthetic Sandbox", clock)
    if options.site_url:
        store.site_url = options.site_url.rstrip("/")
    if not store.users:
        store.add_user("557058:00000000-0000-4000-8000-000000000001", "Sandbox Admin")
    add_synthetic_space(store, options.synthetic_pages, options.attachments_per_page)
    limits = Limits(
        clock,
        burst=options.rate_limit_burst,
        points_per_hour=options.points_per_hour,
        fail_rate=options.fail_rate,
        latency_ms=options.latency_ms,
    )
    oauth = OAuthServer(
        clock,
        Stats(),
        redirect_uri=options.redirect_uri,
        auto_consent=options.auto_consent,
        access_ttl=options.access_token_ttl,
        dead_refresh_error=options.dead_refresh_error,
    )
    return Sandbox(
        store, limits=limits, oauth_server=oauth, media_token_ttl=options.media_token_ttl
    )


def ready_info(sandbox: Sandbox, base_url: str) -> dict[str, Any]:
    """The ready-file JSON (CONTRACT.md) plus the site URL and the scoped API token.

    ``base_url`` is the loopback origin requests go to; ``site_url`` is the public URL the
    sandbox reports as its site (accessible-resources ``url``, ``_links.base``); ``media_url``
    the second loopback origin, Atlassian's media host, that attachment downloads redirect to.
    """
    creds = sandbox.credentials
    return {
        "base_url": base_url,
        "media_url": sandbox.media.url,
        "site_url": sandbox.store.site_url,
        "cloud_id": sandbox.store.cloud_id,
        "client_id": sandbox.oauth.client_id,
        "client_secret": sandbox.oauth.client_secret,
        "email": creds.email,
        "api_token": creds.api_token,
        "spaces": list(sandbox.store.spaces),
        "scoped_api_token": creds.scoped_api_token,
        "site_name": sandbox.store.site_name,
    }


def config_yaml(ready: dict[str, Any]) -> str:
    """A config.yaml pointing the exporter at the sandbox with Basic auth and ``spaces: all``.

    ``site`` is the sandbox's public site URL (what web links and exported front matter show);
    every request goes to the loopback origin through ``api.endpoints``. No ``cloud_id``: a
    classic API token reads the site directly, and OAuth finds the site by matching ``site``.
    """
    base = ready["base_url"]
    config = {
        "site": ready.get("site_url") or base,
        "auth": {"method": "basic", "email": ready["email"], "api_token": ready["api_token"]},
        "spaces": "all",
        "api": {"endpoints": {"auth": base, "api": base, "site": base}},
        "output": {"dir": "export"},
    }
    header = (
        "# Written by `confluence-export sandbox`. For OAuth, set auth.method: oauth with\n"
        f"# client_id: {ready['client_id']} and client_secret from the ready file, then run login.\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False)


class SandboxProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, exposing the transport so faults can reset connections."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {"sandbox.transport": self.transport}  # type: ignore[dict-item]


def _server(sandbox: Sandbox, **kwargs: Any) -> uvicorn.Server:
    config = uvicorn.Config(
        sandbox,
        http=SandboxProtocol,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
        proxy_headers=False,
        **kwargs,
    )
    return uvicorn.Server(config)


class SandboxHandle:
    """A running sandbox: its URL, ready info, store, stats and test helpers."""

    def __init__(
        self, sandbox: Sandbox, server: uvicorn.Server, thread: threading.Thread, port: int
    ) -> None:
        self.sandbox = sandbox
        self.server = server
        self.thread = thread
        self.base_url = f"http://127.0.0.1:{port}"
        self.media_url: str = sandbox.media.url  # the media host's origin (downloads land here)
        self.ready = ready_info(sandbox, self.base_url)
        self.site_url: str = sandbox.store.site_url
        self._http: httpx.Client | None = None

    @property
    def http(self) -> httpx.Client:
        """A plain client for this sandbox's origin (created once: SSL setup is slow)."""
        if self._http is None:
            # A pooled connection idle longer than uvicorn's keep-alive (5 s) is closed by the
            # server; reusing it races that close (a reset, seen once on a loaded CI machine
            # after a long export between two admin calls). Drop idle connections first.
            limits = httpx.Limits(keepalive_expiry=1.0)
            self._http = httpx.Client(
                base_url=self.base_url, timeout=30, verify=False, limits=limits
            )
        return self._http

    @property
    def store(self) -> Store:
        return self.sandbox.store

    def stats(self) -> dict[str, Any]:
        """``GET /__sandbox/stats`` over HTTP."""
        data: dict[str, Any] = self.http.get("/__sandbox/stats").json()
        return data

    def reset_stats(self) -> None:
        self.http.post("/__sandbox/reset-stats").raise_for_status()

    def write_config(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(config_yaml(self.ready), encoding="utf-8")
        return path

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox's clock (token expiry, grace windows, quota hours)."""
        self.sandbox.clock.advance(seconds)

    def inject(
        self, kind: str, count: int = 1, retry_after: int | None = None, target: str = "api"
    ) -> None:
        """Make the next ``count`` API requests fail: "503", "429", "500", "reset", "truncate"...

        ``target="setup"``: the token endpoint, accessible-resources and tenant_info instead.
        """
        self.sandbox.limits.enqueue(Fault(kind, retry_after), count, target)

    def expire_next_media_tokens(self, count: int = 1) -> None:
        """Issue the next ``count`` download redirects with already expired media tokens."""
        self.sandbox.media.expire_next += count

    def mint_token(self, scopes: set[str] | frozenset[str]) -> dict[str, Any]:
        """A token response as ``/oauth/token`` would give, without the browser dance."""
        return self.sandbox.oauth.mint(frozenset(scopes))

    def stop(self, wait: bool = False) -> None:
        """Ask the server to exit; it finishes within about 0.4 s (``wait=True`` blocks until then)."""
        self.server.should_exit = True
        if self._http is not None:
            self._http.close()
            self._http = None
        if wait:
            self.thread.join(timeout=5)

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    options: SandboxOptions | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> SandboxHandle:
    """Serve a sandbox in a background thread; returns once it accepts connections."""
    return serve_sandbox(build_sandbox(options or SandboxOptions()), host=host, port=port)


def _listen(host: str, port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(1024)
    return sock


def _media_socket(sandbox: Sandbox, host: str) -> socket.socket:
    """Bind the media host's own port (a second origin, as api.media.atlassian.com is)."""
    sock = _listen(host)
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    sandbox.media.bind(f"http://{shown}:{port}", port)
    return sock


def serve_sandbox(sandbox: Sandbox, *, host: str = "127.0.0.1", port: int = 0) -> SandboxHandle:
    """Serve an already built :class:`Sandbox` (e.g. around a hand-made store) in a thread."""
    sock = _listen(host, port)
    sock.set_inheritable(True)
    bound = sock.getsockname()[1]
    media = _media_socket(sandbox, host)
    server = _server(sandbox)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock, media]}, daemon=True, name="sandbox"
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("The sandbox server did not start; run it with -v to see why.")
        time.sleep(0.002)
    return SandboxHandle(sandbox, server, thread, bound)


def serve_forever(
    options: SandboxOptions,
    host: str,
    port: int,
    ready_file: Path | None,
    write_config: Path | None,
    announce: Any = print,
) -> None:
    """Run in the foreground until interrupted, writing the ready file once listening."""
    try:  # before the seed is built: a busy port is known at once
        sock = _listen(host, port)
    except OSError as exc:
        raise ConfigError(
            f"Cannot listen on {host}:{port} ({exc.strerror or exc}). Stop what uses it, or "
            "pass --port 0 to pick a free port."
        ) from None
    try:
        sandbox = build_sandbox(options)
    except BaseException:
        sock.close()
        raise
    bound = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    media = _media_socket(sandbox, host)
    info = ready_info(sandbox, f"http://{shown}:{bound}")
    server = _server(sandbox)

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock, media]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            if write_config:
                write_config.write_text(config_yaml(info), encoding="utf-8")
            if ready_file:
                tmp = ready_file.with_name(ready_file.name + ".tmp")
                tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
                tmp.replace(ready_file)
            lines = [
                f"Sandbox listening on {info['base_url']} (cloud id {info['cloud_id']}), "
                f"presenting the site {info['site_url']}.",
                f"  Basic auth: {info['email']} / {info['api_token']}",
                f"  OAuth client: {info['client_id']} / {info['client_secret']}",
                f"  Spaces: {', '.join(info['spaces'])}",
                f"  Media host (attachment downloads redirect here): {info['media_url']}",
            ]
            if write_config:
                lines.append(
                    f"  Config written to {write_config}: confluence-export --config {write_config} export"
                )
            announce("\n".join(lines))
        await task

    with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
        runner.run(main())
