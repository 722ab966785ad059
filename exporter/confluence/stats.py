"""What one client spent: API requests, retries, bytes, points by route, and media transfers.

Kept apart from ``exporter.confluence.client`` so the counters read as one small data model; the client
bumps them, summaries and benchmarks read ``as_dict()``.
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
    """What the run spent: API requests, retries, bytes received and estimated points, by route.

    ``requests`` and ``bytes`` are Confluence API calls only; the media host, where downloads
    land after their redirect, is counted apart (``media_requests``, ``media_bytes``).
    """

    requests: int = 0
    retries: int = 0
    bytes: int = 0
    points: int = 0
    downloads: int = 0  # attachments fully received
    redirects: int = 0  # download routes that answered a redirect to the media host
    media_requests: int = 0  # requests to the media host (not Confluence API calls)
    media_bytes: int = 0
    media_refused: int = 0  # media links refused (token expired), asked for again
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
            "redirects": self.redirects,
            "media_requests": self.media_requests,
            "media_bytes": self.media_bytes,
            "media_refused": self.media_refused,
            "by_route": {k: vars(v).copy() for k, v in sorted(self.by_route.items())},
        }
