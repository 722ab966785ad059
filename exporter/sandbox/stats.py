"""Request counters served at ``/__sandbox/stats`` (CONTRACT.md "Sandbox")."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["MEDIA_KEYS", "Stats"]

# The media host's counters (``media`` in the snapshot); it is not a Confluence API, so its
# requests stay out of ``requests``, ``by_route`` and ``points``.
MEDIA_KEYS = (
    "requests",
    "with_authorization",
    "with_cookie",
    "expired",
    "bad_token",
    "faults",
    "bytes_out",
)


class Stats:
    """Counts requests per route template and status, points, bytes out, token and media events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.requests = 0
            self.by_route: Counter[str] = Counter()
            self.status: Counter[str] = Counter()
            self.points = 0
            self.bytes_out = 0
            self.refresh_reuse = 0
            self.revoked_families = 0
            self.faults: Counter[str] = Counter()
            self.media: Counter[str] = Counter({k: 0 for k in MEDIA_KEYS})
            self.media_status: Counter[str] = Counter()

    def record(self, route: str, status: int, points: int, bytes_out: int) -> None:
        """Count one request."""
        with self._lock:
            self.requests += 1
            self.by_route[route] += 1
            self.status[str(status)] += 1
            self.points += points
            self.bytes_out += bytes_out

    def fault(self, kind: str) -> None:
        """Count one injected fault by kind."""
        with self._lock:
            self.faults[kind] += 1

    def media_event(self, kind: str) -> None:
        """Count one media-host request (``requests``) or refusal (``expired``, ...)."""
        with self._lock:
            self.media[kind] += 1

    def media_sent(self, status: int, bytes_out: int) -> None:
        """Count one media-host answer (kept apart from the Confluence API's counters)."""
        with self._lock:
            self.media["bytes_out"] += bytes_out
            self.media_status[str(status)] += 1

    def snapshot(self) -> dict[str, Any]:
        """The JSON body of ``GET /__sandbox/stats``."""
        with self._lock:
            return {
                "requests": self.requests,
                "by_route": dict(self.by_route),
                "status": dict(self.status),
                "points": self.points,
                "bytes_out": self.bytes_out,
                "refresh_reuse": self.refresh_reuse,
                "revoked_families": self.revoked_families,
                "faults": dict(self.faults),
                "media": {**self.media, "status": dict(self.media_status)},
            }
