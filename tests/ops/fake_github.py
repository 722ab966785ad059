"""A small fake of GitHub's Actions secrets API on 127.0.0.1, holding a real libsodium keypair."""

from __future__ import annotations

import json
import re
import threading
from base64 import b64decode
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from nacl import encoding, public


@dataclass
class FakeGitHub:
    """Accepts ``write_token`` for reads and writes, ``read_token`` for reads only."""

    repo: str = "acme/docs"
    write_token: str = "github_pat_write_1234"
    read_token: str = "github_pat_read_5678"
    key_id: str = "568250167242549743"
    private_key: public.PrivateKey = field(default_factory=public.PrivateKey.generate)
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""

    def decrypt(self, name: str) -> str:
        """The plaintext of a stored secret, opened with the private key."""
        sealed = b64decode(self.secrets[name]["encrypted_value"])
        return public.SealedBox(self.private_key).decrypt(sealed).decode()

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def reply(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def auth(self) -> str | None:
                header = self.headers.get("Authorization", "")
                token = header.removeprefix("Bearer ").strip()
                if token in (fake.write_token, fake.read_token):
                    return token
                self.reply(401, {"message": "Bad credentials"})
                return None

            def do_GET(self) -> None:
                fake.log.append(("GET", self.path))
                if self.auth() is None:
                    return
                if self.path != f"/repos/{fake.repo}/actions/secrets/public-key":
                    return self.reply(404, {"message": "Not Found"})
                key = fake.private_key.public_key.encode(encoding.Base64Encoder).decode()
                self.reply(200, {"key_id": fake.key_id, "key": key})

            def do_PUT(self) -> None:
                fake.log.append(("PUT", self.path))
                token = self.auth()
                if token is None:
                    return
                match = re.fullmatch(
                    rf"/repos/{fake.repo}/actions/secrets/([A-Za-z0-9_]+)", self.path
                )
                if not match:
                    return self.reply(404, {"message": "Not Found"})
                if token != fake.write_token:
                    return self.reply(
                        403, {"message": "Resource not accessible by personal access token"}
                    )
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if body.get("key_id") != fake.key_id:
                    return self.reply(422, {"message": "Bad key_id"})
                created = match.group(1) not in fake.secrets
                fake.secrets[match.group(1)] = body
                self.reply(201 if created else 204, {} if created else None)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
