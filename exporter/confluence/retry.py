"""When and for how long one request is retried: the policy every HTTP caller shares.

The async client (``exporter.confluence.client``) and the blocking setup requests (``exporter.auth.connect``,
``exporter.auth.oauth``: tenant_info, accessible-resources, the first probes) follow the same rules,
so a connection reset on the very first request of a run is retried like any later one:

- idempotent GETs are retried after connection errors, truncated bodies, 5xx and 429, with
  exponential backoff and jitter, ``Retry-After`` being the minimum delay (reference 4.3);
- at most ``attempts`` failures per request, except 429s whose ``Retry-After`` is at least a
  second and whose reason is not a points quota: the server paces those, so they are waited
  out for as long as the request's total wait stays within ``budget_s`` (a burst limit slows a
  run down instead of ending it);
- a single ``Retry-After`` beyond ``max_single_wait`` (a spent points quota resets at the top
  of the hour) ends the run at once with ``RateLimited``; so does a spent ``budget_s``;
- when the retries run out on connection errors, the host is unreachable:
  ``NetworkUnavailable`` (exit 75, the next run resumes).

Requests that are not idempotent (the OAuth token endpoint) use :func:`post_unrepeatable`.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from exporter.confluence.ratelimit import retry_after
from exporter.errors import ApiError, NetworkUnavailable, RateLimited

__all__ = [
    "RETRY_STATUSES",
    "Attempts",
    "Failure",
    "RetryPolicy",
    "describe_transport",
    "gave_up",
    "get_with_retries",
    "post_unrepeatable",
    "quota_exhausted",
    "redact",
    "status_failure",
    "unreachable",
]

log = logging.getLogger(__name__)

# 500 is retried too: every request retried here is an idempotent GET, and Confluence Cloud
# answers transient 500s under load (the sandbox's fault injection does the same).
RETRY_STATUSES = {429, 500, 502, 503, 504}
# Failures of the connect phase: the request never left this machine, so even a POST that is
# not idempotent may be sent again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How many failures and how much waiting one request may take before the run gives up."""

    attempts: int = 6
    backoff_base: float = 1.5
    backoff_cap: float = 30.0
    budget_s: float = 900.0  # total seconds one request may wait between its attempts
    max_single_wait: float = 60.0  # a longer Retry-After ends the run at once (points quota)

    def backoff(self, failures: int) -> float:
        """Exponential backoff with jitter (x0.7-1.3) for the ``failures``-th failure."""
        base = min(self.backoff_cap, self.backoff_base * 2 ** (max(1, failures) - 1))
        return base * random.uniform(0.7, 1.3)


@dataclass(frozen=True)
class Failure:
    """One failed attempt: what kind, why, the server's ``Retry-After``, and whether it paces."""

    kind: Literal["transport", "body", "status", "throttled"]
    reason: str
    delay: float | None = None
    paced: bool = False  # a burst 429 with Retry-After >= 1 s: waited out within the budget


class Attempts:
    """The retry state of one request: failures counted, seconds waited."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.failures = 0
        self.tries = 0
        self.waited = 0.0

    def delay_for(self, failure: Failure) -> float | None:
        """Seconds to wait before the next attempt, or None when this request's retries are spent."""
        self.tries += 1
        if not failure.paced:
            self.failures += 1
            if self.failures >= self.policy.attempts:
                return None
        delay = failure.delay if failure.delay is not None else self.policy.backoff(self.failures)
        if self.waited + delay > self.policy.budget_s:
            return None
        self.waited += delay
        return delay


def _is_quota(reason: str) -> bool:
    # Reasons are matched loosely: live 429s carried "conf-global-based" instead of the
    # documented "confluence-quota-global-based" (reference 4.1 [DISAGREE]).
    reason = reason.lower()
    return any(word in reason for word in ("quota", "global", "tenant"))


def status_failure(status: int, headers: httpx.Headers) -> Failure | None:
    """The failure a retryable status stands for, None for any other status."""
    if status not in RETRY_STATUSES:
        return None
    delay = retry_after(headers) if status in (429, 503) else None
    if status == 429:
        paced = (
            delay is not None and delay >= 1 and not _is_quota(headers.get("RateLimit-Reason", ""))
        )
        return Failure("throttled", "HTTP 429", delay, paced)
    return Failure("status", f"HTTP {status}", delay)


def quota_exhausted(failure: Failure, headers: httpx.Headers) -> RateLimited:
    """The error for a 429 whose ``Retry-After`` is longer than a run waits for one request."""
    delay = failure.delay or 0.0
    return RateLimited(
        f"Confluence's rate limit is exhausted for {delay:.0f} s "
        f"(RateLimit-Reason: {headers.get('RateLimit-Reason', 'n/a')}). "
        "State is saved: run the export again later.",
        retry_after=delay,
    )


def gave_up(method: str, url: str, failure: Failure, attempts: Attempts) -> ApiError | RateLimited:
    """The error that ends a request whose retries are spent on ``failure``."""
    where = f"{method} {redact(url)}"
    if failure.kind == "throttled":
        return RateLimited(
            f"{where} was answered 429 (rate limited) {attempts.tries} times over "
            f"{attempts.waited:.0f} s. State is saved: run the export again later.",
            retry_after=failure.delay,
        )
    if failure.kind == "transport":
        return unreachable(url, failure.reason)
    return ApiError(
        f"{where} failed {attempts.tries} times (last: {failure.reason}). "
        "Confluence may be unavailable; run the export again later (it resumes)."
    )


def describe_transport(exc: BaseException) -> str:
    """A few words on why a connection failed (name resolution, refused, timeout, dropped)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "its name does not resolve"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    if "name resolution" in text or "name or service not known" in text or "nodename" in text:
        return "its name does not resolve"
    if "refused" in text:
        return "connection refused"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection dropped mid-answer"
    if "reset" in text or isinstance(exc, httpx.ReadError):
        return "connection reset"
    return f"connection failed: {type(exc).__name__}"


def unreachable(url: str, why: str) -> NetworkUnavailable:
    """``NetworkUnavailable`` for ``url``'s host: one line, naming the host, saying what next."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2] or url
    hint = (
        "the network is down, or the host name in config.yaml is misspelt"
        if why == "its name does not resolve"
        else "the network or the service is down"
    )
    return NetworkUnavailable(
        f"Cannot reach {host} ({why}): {hint}. Run again later; the next run resumes where "
        "this one stopped.",
        host=host,
    )


def redact(url: str) -> str:
    """``url`` without its query (cursors and tokens stay out of messages)."""
    return url.split("?", 1)[0]


def get_with_retries(
    client: httpx.Client,
    url: str,
    policy: RetryPolicy,
    *,
    json_body: bool = False,
    **kwargs: Any,
) -> httpx.Response:
    """A blocking GET retried like the async client's: the setup requests of a run.

    Connection errors and truncated bodies (and, with ``json_body``, a 200 that is not JSON)
    are retried; so are 429 and 5xx, whose last answer is returned once the retries are spent
    (the caller knows what it means). Raises ``NetworkUnavailable`` or ``RateLimited``.
    """
    attempts = Attempts(policy)
    while True:
        response: httpx.Response | None = None
        try:
            response = client.get(url, **kwargs)
        except httpx.TransportError as exc:
            failure: Failure | None = Failure("transport", describe_transport(exc))
        else:
            failure = status_failure(response.status_code, response.headers)
            if failure is None and json_body and response.status_code == 200:
                try:
                    json.loads(response.content)
                except ValueError:
                    failure = Failure("body", "truncated or invalid JSON")
        if failure is None:
            assert response is not None
            return response
        if failure.kind == "throttled" and (failure.delay or 0) > policy.max_single_wait:
            assert response is not None
            raise quota_exhausted(failure, response.headers)
        delay = attempts.delay_for(failure)
        if delay is None:
            if failure.kind == "status" and response is not None:
                return response
            raise gave_up("GET", url, failure, attempts)
        log.info("Retrying GET %s in %.1f s (%s)", redact(url), delay, failure.reason)
        time.sleep(delay)


def post_unrepeatable(
    client: httpx.Client, url: str, *, attempts: int = 3, **kwargs: Any
) -> httpx.Response:
    """POST a request that must not reach the server twice (an OAuth code or refresh grant).

    A refresh rotates the refresh token and an authorization code is single-use, so once the
    request may have been delivered (any answer, or a connection that broke after sending) it
    is never sent again: a second delivery would present a token the first one disabled. Only
    failures of the connect phase (DNS, refused, connect timeout), where nothing was sent, are
    retried. Raises ``NetworkUnavailable`` when the host stays unreachable or the connection
    breaks mid-request.
    """
    for attempt in range(1, attempts + 1):
        try:
            return client.post(url, **kwargs)
        except NOT_SENT as exc:
            if attempt == attempts:
                raise unreachable(url, describe_transport(exc)) from None
            log.info("Cannot connect to %s (%s); retrying", redact(url), describe_transport(exc))
            time.sleep(0.5 * attempt)
        except httpx.TransportError as exc:
            host = urlsplit(url).netloc
            raise NetworkUnavailable(
                f"The connection to {host} broke after the token request was sent "
                f"({describe_transport(exc)}); it is not sent twice, because a refresh token "
                "works once. Run again within 10 minutes (Atlassian still accepts the previous "
                "refresh token that long); the next run resumes where this one stopped.",
                host=host,
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover
