"""HTTP edges: clients that vanish mid-request, and attachment names beyond ASCII."""

from __future__ import annotations

import logging
import socket
import struct
import time
from urllib.parse import unquote, urlsplit

import pytest

from exporter.sandbox import SandboxHandle

from .helpers import download, site_client


def _half_sent_post(sb: SandboxHandle, path: str, *, reset: bool) -> None:
    """POST a body shorter than its Content-Length, then close (or reset) the connection."""
    port = urlsplit(sb.base_url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            "grant_type=refresh_token&refresh_token=abc".encode()
        )
        time.sleep(0.1)  # let the handler start reading the body
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _wait_for_status(sb: SandboxHandle, status: str) -> dict[str, int]:
    deadline = time.monotonic() + 5
    while True:
        seen: dict[str, int] = sb.stats()["status"]
        if status in seen or time.monotonic() > deadline:
            return seen
        time.sleep(0.02)


@pytest.mark.parametrize("reset", [False, True], ids=["close", "reset"])
def test_client_disconnect_mid_request_logs_one_debug_line_not_a_traceback(
    tiny: SandboxHandle, caplog: pytest.LogCaptureFixture, reset: bool
) -> None:
    caplog.set_level(logging.DEBUG, logger="exporter.sandbox")
    _half_sent_post(tiny, "/oauth/token", reset=reset)
    assert _wait_for_status(tiny, "499").get("499") == 1
    sandbox_records = [r for r in caplog.records if r.name.startswith("exporter.sandbox")]
    assert not [r for r in sandbox_records if r.levelno >= logging.WARNING or r.exc_info]
    gone = [r for r in sandbox_records if "client went away" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.DEBUG
    assert "/oauth/token" in gone[0].getMessage()
    # The server is still fine for the next caller.
    assert tiny.http.get("/_edge/tenant_info").status_code == 200


def test_unicode_attachment_name_downloads_with_rfc_5987_filename(tiny: SandboxHandle) -> None:
    name = "東京オフィス 地図.png"
    page = next(r for r in tiny.store.content.values() if r.type == "page")
    tiny.http.post(
        f"/__sandbox/pages/{page.id}/attachments",
        params={"filename": name},
        content=b"\x89PNG\r\n\x1a\nfake",
    ).raise_for_status()
    att = next(a for a in tiny.store.attachments.values() if a.title == name)
    with site_client(tiny) as client:
        response = download(client, page.id, att.id)
    assert response.status_code == 200
    assert response.content == b"\x89PNG\r\n\x1a\nfake"
    disposition = response.headers["content-disposition"]
    assert disposition.isascii()
    kind, fallback, extended = (part.strip() for part in disposition.split(";"))
    assert kind == "attachment"
    assert fallback.startswith('filename="') and fallback.endswith('.png"')
    assert fallback[len('filename="') : -1].isascii() and '"' not in fallback[10:-1]
    assert extended.startswith("filename*=UTF-8''")
    assert unquote(extended.removeprefix("filename*=UTF-8''"), encoding="utf-8") == name
    assert " " not in extended


def test_ascii_attachment_name_keeps_its_fallback_verbatim(tiny: SandboxHandle) -> None:
    name = "report (final) [v2] #1.png"
    page = next(r for r in tiny.store.content.values() if r.type == "page")
    tiny.http.post(
        f"/__sandbox/pages/{page.id}/attachments", params={"filename": name}, content=b"x"
    ).raise_for_status()
    att = next(a for a in tiny.store.attachments.values() if a.title == name)
    with site_client(tiny) as client:
        response = download(client, page.id, att.id)
    assert response.status_code == 200
    assert f'filename="{name}"' in response.headers["content-disposition"]
