"""What a client run spent: requests, retries, bytes and estimated points, in total and by route.

:class:`exporter.client.ConfluenceClient` bumps these; summaries and benchmarks read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ClientStats", "RouteStats"]


@dataclass
class RouteStats:
    """Counters of one route (method and path with ids replaced by ``{id}``)."""

    requests: int = 0
    retries: int = 0
    bytes: int = 0
    points: int = 0


@dataclass
class ClientStats:
    """What the run spent: requests, retries, bytes received and estimated points, by route."""

    requests: int = 0
    retries: int = 0
    bytes: int = 0
    points: int = 0
    downloads: int = 0
    by_route: dict[str, RouteStats] = field(default_factory=dict)

    def route(self, name: str) -> RouteStats:
        """The counters of one route, created on first use."""
        return self.by_route.setdefault(name, RouteStats())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for summaries and benchmarks."""
        return {
            "requests": self.requests,
            "retries": self.retries,
            "bytes": self.bytes,
            "points": self.points,
            "downloads": self.downloads,
            "by_route": {k: vars(v).copy() for k, v in sorted(self.by_route.items())},
        }
