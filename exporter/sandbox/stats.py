"""Request counters served at ``/__sandbox/stats`` (CONTRACT.md "Sandbox")."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["Stats"]


class Stats:
    """Counts requests per route template and status, points, bytes out and token events."""

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
            }
