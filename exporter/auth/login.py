"""``confluence-export login``: the OAuth 2.0 (3LO) authorization-code flow (confluence-api.md 1.1).

A one-shot HTTP server on 127.0.0.1 receives the browser's redirect; ``state`` (32 random
bytes) is checked before the code is exchanged, so a forged callback cannot plant someone
else's grant. ``--no-browser`` prints the URL and reads the redirected URL (or the bare code)
from stdin for machines without a browser. The first token pair is saved before the cloudId is
discovered, so a discovery problem never costs the login.
"""

from __future__ import annotations

import secrets
import sys
import threading
import webbrowser
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import IO
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx

from exporter.auth.httpauth import OAuthAuth
from exporter.auth.oauth import accessible_resources, choose_site, oauth_endpoint
from exporter.auth.tokens import TokenSet, TokenStore, token_store
from exporter.config.settings import Config
from exporter.errors import ConfigError, LoginRequired

__all__ = ["authorize_url", "login", "parse_callback"]

AUDIENCE = "api.atlassian.com"
_AGAIN = "Run `confluence-export login` again."
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>confluence-export</title>"
    "<p>{message}</p><p>You can close this window.</p>"
)


def authorize_url(config: Config, *, redirect_uri: str, state: str) -> str:
    """The consent URL: audience, client id, scopes plus offline_access, state, prompt=consent."""
    scopes = tuple(dict.fromkeys((*config.auth.scopes, "offline_access")))
    query = urlencode(
        {
            "audience": AUDIENCE,
            "client_id": config.auth.client_id or "",
            "scope": " ".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "prompt": "consent",
        }
    )
    return f"{config.api.endpoints.auth.rstrip('/')}/authorize?{query}"


def parse_callback(text: str) -> dict[str, str]:
    """Query parameters of a redirected URL; a bare code becomes ``{"code": text}``."""
    text = text.strip()
    if not text:
        raise LoginRequired(f"No redirected URL or code was given. {_AGAIN}")
    if "?" not in text and "=" not in text:
        return {"code": text}
    query = urlsplit(text).query if "?" in text else text
    return {key: values[0] for key, values in parse_qs(query).items()}


def _with_port(redirect_uri: str, port: int) -> str:
    parts = urlsplit(redirect_uri)
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{port}"))


@dataclass
class _Callback:
    path: str
    params: dict[str, str] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)


def _handler(callback: _Callback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            if url.path != callback.path or callback.done.is_set():
                self.send_error(404)
                return
            callback.params = {k: v[0] for k, v in parse_qs(url.query).items()}
            ok = "code" in callback.params
            message = "Logged in; return to the terminal." if ok else "Login did not complete."
            body = _PAGE.format(message=message).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            callback.done.set()

        def log_message(self, format: str, *args: object) -> None:
            pass  # the query holds the code: never log it

    return Handler


def _serve(redirect_uri: str, port: int | None) -> tuple[HTTPServer, _Callback, str]:
    """Start the callback server on 127.0.0.1; returns it and the exact redirect_uri to send."""
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1"):
        raise ConfigError(
            f"auth.redirect_uri {redirect_uri} must be http://localhost:<port>/<path> (or "
            "127.0.0.1) so the login can receive the callback; use the same URL as the app's "
            "callback URL in the developer console."
        )
    default = parts.port if parts.port is not None else 80
    wanted = port if port is not None else default
    callback = _Callback(parts.path or "/")
    try:
        server = HTTPServer(("127.0.0.1", wanted), _handler(callback))
    except OSError as exc:
        raise ConfigError(
            f"Cannot listen on 127.0.0.1:{wanted} for the login callback ({exc.strerror}). "
            "Free the port or pass --port N (and add that callback URL to the app)."
        ) from None
    actual = server.server_address[1]
    if port is not None or actual != parts.port:
        redirect_uri = _with_port(redirect_uri, int(actual))
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    ).start()
    return server, callback, redirect_uri


def _wait_in_browser(
    config: Config, port: int | None, timeout: float, state: str, out: IO[str]
) -> tuple[dict[str, str], str]:
    server, callback, redirect_uri = _serve(config.auth.redirect_uri, port)
    try:
        url = authorize_url(config, redirect_uri=redirect_uri, state=state)
        print(f"Opening the browser to log in. If it does not open, visit:\n{url}", file=out)
        webbrowser.open(url)
        if not callback.done.wait(timeout):
            raise LoginRequired(
                f"No login callback arrived within {timeout:.0f} s. {_AGAIN[:-1]}, or use "
                "`confluence-export login --no-browser` on a machine without a browser."
            )
        return callback.params, redirect_uri
    finally:
        server.shutdown()
        server.server_close()


def _read_stdin(
    config: Config, port: int | None, state: str, stdin: IO[str], out: IO[str]
) -> tuple[dict[str, str], str]:
    redirect_uri = config.auth.redirect_uri
    if port is not None:
        redirect_uri = _with_port(redirect_uri, port)
    url = authorize_url(config, redirect_uri=redirect_uri, state=state)
    print(
        "Open this URL in a browser, approve access, then paste the URL you are redirected to "
        f"(it may show an error page; copy its address):\n{url}",
        file=out,
    )
    print("Redirected URL or code: ", end="", file=out, flush=True)
    return parse_callback(stdin.readline()), redirect_uri


def login(
    config: Config,
    *,
    open_browser: bool = True,
    port: int | None = None,
    timeout: float = 300,
    stdin: IO[str] | None = None,
    out: IO[str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> TokenSet:
    """Run the consent flow, save the tokens, discover and cache the cloudId; return the tokens."""
    endpoint = oauth_endpoint(config, transport)
    store: TokenStore = token_store(config)
    store.check_writable()  # before the browser: a code spent on a refused save is lost
    out = out or sys.stderr
    state = secrets.token_urlsafe(32)
    if open_browser:
        params, redirect_uri = _wait_in_browser(config, port, timeout, state, out)
    else:
        params, redirect_uri = _read_stdin(config, port, state, stdin or sys.stdin, out)
    if params.get("error") == "access_denied":
        raise LoginRequired(f"Access was declined on Atlassian's consent screen. {_AGAIN}")
    if "error" in params:
        detail = params.get("error_description") or params["error"]
        raise LoginRequired(f"Atlassian refused the authorization ({detail}). {_AGAIN}")
    if "state" in params and not secrets.compare_digest(params["state"], state):
        raise LoginRequired(
            "The login callback's state does not match this login (a stale or forged "
            f"redirect); nothing was saved. {_AGAIN}"
        )
    if not params.get("code"):
        raise LoginRequired(f"The redirect carried no authorization code. {_AGAIN}")
    tokens = endpoint.exchange_code(params["code"], redirect_uri)
    store.save(tokens)
    sites = accessible_resources(
        config.api.endpoints.api,
        OAuthAuth(store, endpoint, tokens),
        transport=transport,
        timeout_s=config.api.timeout_s,
    )
    if config.cloud_id:
        match = [s for s in sites if s.cloud_id == config.cloud_id]
        site_url = match[0].url if match else config.site
        return store.update(cloud_id=config.cloud_id, site_url=site_url)
    site = choose_site(sites, config.site)
    return store.update(cloud_id=site.cloud_id, site_url=site.url)
