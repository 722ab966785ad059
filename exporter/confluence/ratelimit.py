"""Staying inside Confluence Cloud's rate limits: the gate every request passes, and the wait.

Atlassian meters each app in points and answers 429 with ``Retry-After`` once they run out.
One 429 pauses every request of the client, not only the one that got it, and a 429 or
``X-RateLimit-NearLimit`` halves the concurrency until calm responses let it creep back up.
How long and how often a request is retried is ``exporter.confluence.retry``'s policy.
``ConfluenceClient`` (``exporter.confluence.client``) owns one ``Gate`` and asks ``retry_after`` how long
a 429 or 503 wants it to wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["Gate", "retry_after"]

log = logging.getLogger(__name__)


class Gate:
    """Shared limiter: bounded concurrency, a global pause after a 429, slow-down near the limit."""

    def __init__(self, concurrency: int) -> None:
        self.max = max(1, concurrency)
        self.limit = self.max
        self.active = 0
        self.paused_until = 0.0
        self._ok_streak = 0
        self._cond = asyncio.Condition()

    async def acquire(self) -> None:
        """Take a slot once no pause is in force and fewer than ``limit`` requests run."""
        async with self._cond:
            while True:
                wait = self.paused_until - time.monotonic()
                if wait > 0:
                    self._cond.release()
                    try:
                        await asyncio.sleep(wait)
                    finally:
                        await self._cond.acquire()
                    continue
                if self.active < self.limit:
                    self.active += 1
                    if self.active < self.limit:
                        self._cond.notify(1)  # a slot is still free: pass the wake-up on
                    return
                try:
                    await self._cond.wait()
                except asyncio.CancelledError:
                    if self.active < self.limit:
                        self._cond.notify(1)  # do not swallow a wake-up meant for a slot
                    raise

    async def release(self) -> None:
        """Free a slot and wake one waiter (O(1) per release, not every waiter)."""
        async with self._cond:
            self.active -= 1
            if self.active < self.limit:
                self._cond.notify(1)

    def pause(self, seconds: float) -> None:
        """Hold every request (not only this one) until ``seconds`` from now."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def near_limit(self) -> None:
        """``X-RateLimit-NearLimit``: halve the concurrency before the 429s start."""
        self._halve("Rate limit nearly reached")

    def throttled(self) -> None:
        """A 429: halve the concurrency too, so a burst limit is met with fewer requests."""
        self._halve("Rate limited (429)")

    def _halve(self, why: str) -> None:
        if self.limit > 1:
            self.limit = max(1, self.limit // 2)
            log.info("%s: concurrency lowered to %d", why, self.limit)
        self._ok_streak = 0

    def ok(self) -> None:
        """A calm response; after enough of them concurrency creeps back up."""
        self._ok_streak += 1
        if self.limit < self.max and self._ok_streak >= 50:
            self.limit += 1
            self._ok_streak = 0


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from Retry-After (seconds or HTTP date), else X-RateLimit-Reset."""
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        except ValueError:
            return None
    return None
