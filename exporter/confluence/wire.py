"""The wire details of Confluence's answers: query parameters, next-page links, error advice.

Small pure helpers the client uses; kept apart so the client is only about sending requests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["Params", "clean_params", "next_link", "next_step", "redact"]

Params = Mapping[str, str | int | float | bool | None]

_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def clean_params(params: Params | None) -> dict[str, str | int | float | bool]:
    """The query parameters without the ones left out (``None``)."""
    if not params:
        return {}
    return {k: v for k, v in params.items() if v is not None}


def next_link(data: dict[str, Any], headers: httpx.Headers | None) -> str | None:
    """The next page's link from the body's ``_links.next`` or a ``Link: rel=next`` header."""
    links = data.get("_links")
    nxt = links.get("next") if isinstance(links, dict) else None
    if not nxt and headers is not None:
        match = _LINK_NEXT.search(headers.get("Link", ""))
        nxt = match.group(1) if match else None
    return str(nxt) if nxt else None


def redact(url: str) -> str:
    """The URL without its query (which may carry tokens or cursors), for messages and logs."""
    return url.split("?", 1)[0]


def next_step(status: int) -> str:
    """What the user can do about an HTTP error status, for the error message."""
    if status == 401:
        return "Check the credentials (run `confluence-export check`)."
    if status == 403:
        return "The account lacks permission or a scope; run `confluence-export check`."
    if status == 404:
        return "The item does not exist or is not visible to this account."
    return "If this persists, run with -vv and report it."
