"""Preview server for a built site: stdlib ``http.server`` on 127.0.0.1, optional sub-path.

``--sub-path /proj/`` serves the site under that prefix, the way GitHub Pages serves project
sites, so relative links can be checked away from the server root.
"""

from __future__ import annotations

import functools
import http.server
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from exporter.errors import ConfigError

__all__ = ["SiteServer", "make_server", "normalize_sub_path"]


def normalize_sub_path(sub_path: str | None) -> str:
    """``proj`` / ``/proj`` / ``/proj/`` → ``/proj/``; nothing → ``/``."""
    text = (sub_path or "").strip().strip("/")
    if any(part in ("", ".", "..") for part in text.split("/")) and text:
        raise ConfigError(f"--sub-path {sub_path!r} is not a plain path like /project/.")
    return f"/{text}/" if text else "/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files under the prefix, redirects ``/`` to it, and answers misses with 404.html."""

    prefix = "/"

    def __init__(self, *args: Any, prefix: str, **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def _route(self) -> bool:
        path = urlsplit(self.path).path
        if self.prefix != "/" and path in ("/", self.prefix.rstrip("/")):
            self._redirect(self.prefix)
            return False
        if not path.startswith(self.prefix):
            self._not_found()
            return False
        self.path = "/" + self.path[len(self.prefix) :]
        local = Path(self.translate_path(self.path))
        if not local.exists():
            self._not_found()
            return False
        if local.is_dir() and not path.endswith("/"):
            self._redirect(path + "/")  # keep the prefix, unlike http.server's own redirect
            return False
        return True

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_found(self) -> None:
        page = Path(self.directory) / "404.html"
        body = page.read_bytes() if page.is_file() else b"Not found"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self._route():
            super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        if self._route():
            super().do_HEAD()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet by default: a preview server should not flood the terminal."""


class SiteServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that knows its public URL."""

    daemon_threads = True
    prefix = "/"

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"


def make_server(directory: Path, *, port: int = 8000, sub_path: str | None = None) -> SiteServer:
    """Bind a server for ``directory`` on 127.0.0.1:``port`` (0 picks a free port)."""
    if not (directory / "index.html").is_file():
        raise ConfigError(
            f"{directory} has no index.html. Build the site first: "
            "`confluence-export site DOCS_DIR --out SITE_DIR`."
        )
    prefix = normalize_sub_path(sub_path)
    handler = functools.partial(_Handler, directory=str(directory.resolve()), prefix=prefix)
    try:
        server = SiteServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise ConfigError(
            f"Cannot listen on 127.0.0.1:{port} ({exc}). Try another --port."
        ) from exc
    server.prefix = posixpath.normpath(prefix) + "/" if prefix != "/" else "/"
    return server
