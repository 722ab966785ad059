"""Rate limits and faults (reference section 4): a burst token bucket, an hourly points quota,
queued or random faults (5xx with or without ``Retry-After``, connection resets, truncated bodies)
and per-request latency.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from exporter.sandbox.replies import Reply
from exporter.sandbox.store import Clock

__all__ = ["Fault", "Limits", "points_for"]

FAULT_KINDS = ("500", "502", "503", "504", "reset", "truncate")
# Where queued faults land: Confluence API paths (default), or the requests that start a run
# and are not Confluence API calls (the token endpoint, accessible-resources, tenant_info).
FAULT_TARGETS = ("api", "setup")
SETUP_PATHS = ("/oauth/token", "/oauth/token/accessible-resources", "/_edge/tenant_info")
BETA_QUOTA = 65000  # reference 4.1/4.2: the announced global app quota, per hour, not enforced


def points_for(reply: Reply) -> int:
    """Reference 4.2: 1 base point, +1 per core object, +2 per user; a download costs 2."""
    if reply.download:
        return 2
    return 1 + reply.objects + 2 * reply.users


@dataclass(frozen=True)
class Fault:
    """One injected failure: an HTTP status (with optional Retry-After), ``reset`` or ``truncate``."""

    kind: str
    retry_after: int | None = None


def _iso_minute(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Limits:
    """Decides, per API request, whether it fails, waits or is throttled, and charges points."""

    def __init__(
        self,
        clock: Clock,
        *,
        burst: int | None = None,
        points_per_hour: int | None = None,
        fail_rate: float = 0.0,
        latency_ms: int = 0,
        seed: int = 1234,
    ) -> None:
        self.clock = clock
        self.burst = burst
        self.points_per_hour = points_per_hour
        self.fail_rate = fail_rate
        self.latency_ms = latency_ms
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._tokens = float(burst or 0)
        self._refilled = clock.time()
        self._hour = self._hour_of(clock.time())
        self.points_used = 0
        self.queue: deque[Fault] = deque()
        self.setup_queue: deque[Fault] = deque()

    # ---- faults -------------------------------------------------------------------------

    def enqueue(self, fault: Fault, count: int = 1, target: str = "api") -> None:
        """Make the next ``count`` API requests (or ``setup`` requests) fail this way."""
        with self._lock:
            (self.setup_queue if target == "setup" else self.queue).extend([fault] * count)

    def next_setup_fault(self) -> Fault | None:
        """The queued fault for a setup request (never random: ``fail_rate`` is for the API)."""
        with self._lock:
            return self.setup_queue.popleft() if self.setup_queue else None

    def next_fault(self) -> Fault | None:
        """The queued fault, else a random one at ``fail_rate``, else None."""
        with self._lock:
            if self.queue:
                return self.queue.popleft()
            if self.fail_rate and self._rng.random() < self.fail_rate:
                kind = self._rng.choice(FAULT_KINDS)
                return Fault(kind, 1 if kind == "503" else None)
        return None

    def random_fault(self) -> Fault | None:
        """A random fault at ``fail_rate`` only (the media host: queued faults are the API's)."""
        with self._lock:
            if self.fail_rate and self._rng.random() < self.fail_rate:
                return Fault(self._rng.choice(FAULT_KINDS))
        return None

    @staticmethod
    def fault_reply(fault: Fault) -> Reply:
        """The reply for an HTTP-status fault (with ``Retry-After`` when set)."""
        status = int(fault.kind)
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        body = {"statusCode": status, "message": "Service temporarily unavailable (sandbox fault)"}
        return Reply(body, status, headers=headers)

    # ---- burst bucket -------------------------------------------------------------------

    def check_burst(self) -> Reply | None:
        """Token bucket of ``burst`` requests refilled at ``burst`` per second."""
        if not self.burst:
            return None
        with self._lock:
            now = self.clock.time()
            self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.burst)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
        headers = {
            "Retry-After": "1",
            "X-RateLimit-Limit": str(self.burst),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": _iso_minute(now + 1),
            "RateLimit-Reason": "confluence-burst-based",
        }
        return Reply({"message": "Rate limit exceeded"}, 429, headers=headers)

    # ---- points quota -------------------------------------------------------------------

    @staticmethod
    def _hour_of(ts: float) -> int:
        return int(ts // 3600)

    def _roll(self) -> float:
        now = self.clock.time()
        hour = self._hour_of(now)
        if hour != self._hour:
            self._hour = hour
            self.points_used = 0
        return now

    def quota_headers(self) -> dict[str, str]:
        """Headers describing the hourly points budget (reference 4.1).

        Enforced (``--points-per-hour``): ``X-RateLimit-*``, ``RateLimit-Policy`` and, past 80%
        of the budget, ``RateLimit``. Otherwise the announced but unenforced quota, as Atlassian
        sends it: ``Beta-RateLimit-Policy`` and, past 80% of it, ``Beta-RateLimit``.
        """
        with self._lock:
            now = self._roll()
            used = self.points_used
        limit = self.points_per_hour or BETA_QUOTA
        remaining = max(0, limit - used)
        reset_at = (self._hour_of(now) + 1) * 3600
        near = remaining < limit * 0.2
        usage = f'"global-app-quota";r={remaining};t={int(reset_at - now)}'
        if not self.points_per_hour:
            headers = {"Beta-RateLimit-Policy": f'"global-app-quota";q={limit};w=3600'}
            if near:
                headers["Beta-RateLimit"] = usage
            return headers
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": _iso_minute(reset_at),
            "RateLimit-Policy": f'"global-app-quota";q={limit};w=3600',
        }
        if near:
            headers["X-RateLimit-NearLimit"] = "true"
            headers["RateLimit"] = usage
        return headers

    def check_quota(self) -> Reply | None:
        """Once the hour's points are spent, every request answers 429 until the next UTC hour."""
        if not self.points_per_hour:
            return None
        with self._lock:
            now = self._roll()
            exhausted = self.points_used >= self.points_per_hour
        if not exhausted:
            return None
        reset_at = (self._hour_of(now) + 1) * 3600
        headers = self.quota_headers()
        headers.update(
            {
                "Retry-After": str(max(1, int(reset_at - now))),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-NearLimit": "true",
                "RateLimit-Reason": "confluence-quota-global-based",
            }
        )
        return Reply({"message": "Rate limit exceeded"}, 429, headers=headers)

    def charge(self, points: int) -> None:
        """Spend points from the hour's budget (tracked unenforced too, for the Beta headers)."""
        with self._lock:
            self._roll()
            self.points_used += points
