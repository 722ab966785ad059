"""A small, fast router plus the request/reply types every sandbox handler uses.

Handlers take a :class:`Call` and return a :class:`Reply`; the reply carries the points the
request costs (objects returned, users returned), so costing stays next to the data it counts.
Route templates (``/api/v2/spaces/{id}/pages``) double as the keys of ``stats.by_route``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.datastructures import QueryParams
from starlette.requests import Request

from exporter.sandbox.limits import Limits
from exporter.sandbox.records import AttachmentRecord, AttachmentVersion, Clock
from exporter.sandbox.replies import HTTPError, Reply, json_reply
from exporter.sandbox.stats import Stats
from exporter.sandbox.store import Store

__all__ = ["Call", "HTTPError", "Reply", "Route", "Router", "SandboxState", "json_reply"]


class MediaLocator(Protocol):
    """The media host as the download route sees it (``media.MediaHost``)."""

    def location(self, att: AttachmentRecord, version: AttachmentVersion) -> str: ...


class SandboxState(Protocol):
    """What a handler may reach of the running sandbox (``app.Sandbox``): a Protocol, so the
    router and the handlers never import the app that imports them."""

    @property
    def store(self) -> Store: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def stats(self) -> Stats: ...
    @property
    def limits(self) -> Limits: ...
    @property
    def media(self) -> MediaLocator: ...
    @property
    def extra_sites(self) -> list[tuple[str, str, str]]:
        """Further sites (cloud id, name, URL) that accessible-resources lists."""
        ...


@dataclass
class Call:
    """One request as a handler sees it: path params, query, and how to write links back."""

    request: Request
    params: dict[str, str]
    query: QueryParams
    sandbox: SandboxState
    origin: str  # http://127.0.0.1:PORT: where the request came in (never written into bodies)
    base: str  # _links.base: the site URL's wiki base ("{site}/wiki", or "{site}" without context)
    context: str  # "/wiki" or ""
    path: str  # the request path relative to the context ("/api/v2/pages")
    scopes: frozenset[str] | None = None  # None: unscoped (classic API token on the site)
    account_id: str = ""

    def values(self, name: str) -> list[str]:
        """A multi-value filter given either repeated (``id=1&id=2``) or comma-separated."""
        out: list[str] = []
        for raw in self.query.getlist(name):
            out.extend(v.strip() for v in raw.split(",") if v.strip())
        return out


Handler = Callable[[Call], Reply | Awaitable[Reply]]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    regex: re.Pattern[str]
    scopes: tuple[frozenset[str], ...] = ()  # alternatives: the token must hold one whole set
    is_async: bool = False
    gone_on_gateway: bool = False  # removed behind api.atlassian.com: 410 GoneException there


class Router:
    """Routes by method and path template; literal segments win over parameters."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._static: dict[tuple[str, str], Route] = {}

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        scopes: tuple[str, ...] = (),
        *,
        gone_on_gateway: bool = False,
    ) -> None:
        """Register a handler; ``scopes`` lists alternatives, each "a b" meaning all of a and b.

        ``gone_on_gateway``: Atlassian removed the route behind the gateway (reference 9).
        """
        pattern = re.sub(
            r"\{(\w+)(:path)?\}",
            lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(2) else '[^/]+'})",
            template,
        )
        route = Route(
            method,
            template.replace(":path", ""),
            handler,
            re.compile(f"^{pattern}$"),
            tuple(frozenset(s.split()) for s in scopes),
            inspect.iscoroutinefunction(handler),
            gone_on_gateway,
        )
        if "{" not in template:
            self._static[(method, template)] = route
        else:
            self.routes.append(route)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route for a request, its path params, and whether the path exists for any method."""
        route = self._static.get((method, path))
        if route:
            return route, {}, True
        known = any(p == path for (_, p) in self._static)
        for route in self.routes:
            found = route.regex.match(path)
            if found:
                if route.method == method:
                    return route, found.groupdict(), True
                known = True
        return None, {}, known
