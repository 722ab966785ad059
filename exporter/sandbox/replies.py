"""What a sandbox handler answers: a :class:`Reply` (or an :class:`HTTPError` carrying one).

Below the router, so that the rate limiter and the gateway can shape replies without importing
the router that dispatches to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HTTPError", "Reply", "json_reply"]


@dataclass
class Reply:
    """What a handler answers; ``objects``/``users`` feed the points cost (reference 4.2)."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"
    objects: int = 0
    users: int = 0
    download: bool = False

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


def json_reply(body: Any, status: int = 200, *, objects: int = 0, users: int = 0) -> Reply:
    return Reply(body=body, status=status, objects=objects, users=users)


class HTTPError(Exception):
    """Raised by handlers to answer an error reply (already shaped like Atlassian's)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply
