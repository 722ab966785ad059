"""The OAuth refresh token's write-back to a GitHub repository secret.

Atlassian rotates OAuth refresh tokens on every refresh, and runners are thrown away, so the new
refresh token must be saved to the repository secret before the new access token is used:
``GitHubSecretWriter`` does that through GitHub's REST API (libsodium sealed box via PyNaCl).
The action's ``prepare`` step checks it early; the CLI registers it as a token rotation hook.
"""

from __future__ import annotations

import os
import sys
from base64 import b64encode
from collections.abc import Mapping
from typing import Any

import httpx

from exporter.errors import AuthError, ConfigError

__all__ = ["GitHubSecretWriter", "add_mask", "encrypt_secret", "rotation_hook_from_env"]

TOKEN_HELP = (
    'a fine-grained personal access token with "Secrets: write" on this repository is needed '
    "(the workflow's GITHUB_TOKEN cannot write secrets); pass it as the action's github-token "
    "input"
)


def encrypt_secret(public_key_b64: str, value: str) -> str:
    """Seal ``value`` for GitHub with the repository's public key (libsodium sealed box)."""
    from nacl import encoding, public

    key = public.PublicKey(public_key_b64.encode(), encoding.Base64Encoder)
    return b64encode(public.SealedBox(key).encrypt(value.encode())).decode()


def add_mask(value: str | None, stream: Any = None) -> None:
    """Ask the Actions runner to mask ``value`` in all later log output."""
    if value and len(value) >= 4:
        out = stream or sys.stdout
        out.write(f"::add-mask::{value}\n")
        out.flush()


class GitHubSecretWriter:
    """Callable ``(new_refresh_token) -> None`` that saves the token to a repository secret.

    Registered as a ``TokenStore`` rotation hook, it runs after each refresh and before the new
    access token is used, so a failed write stops the run instead of losing the token.
    """

    def __init__(
        self,
        repo: str,
        secret_name: str,
        token: str,
        api_url: str = "https://api.github.com",
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.repo = repo
        self.secret_name = secret_name
        self._token = token
        self.api_url = api_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.api_url,
            transport=transport,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "confluence-export",
            },
        )
        self._key: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return f"GitHubSecretWriter({self.repo!r}, {self.secret_name!r})"

    def _request(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise AuthError(
                f"Could not reach the GitHub API at {self.api_url} to {what} "
                f"({type(exc).__name__}). Check GITHUB_API_URL and the runner's network."
            ) from None
        if response.status_code in (401, 403, 404):
            try:
                detail = response.json().get("message", "")
            except ValueError:
                detail = response.text[:200]
            raise AuthError(
                f"GitHub refused to {what} ({response.status_code}: {detail}): {TOKEN_HELP}."
            )
        if response.is_error:
            raise AuthError(
                f"GitHub answered {response.status_code} when asked to {what}; "
                "try again, or check https://www.githubstatus.com."
            )
        return response

    def public_key(self) -> tuple[str, str]:
        """The repository's secrets public key as ``(key_id, key)``, fetched once."""
        if self._key is None:
            what = f"read the secrets public key of {self.repo}"
            data = self._request(
                "GET", f"/repos/{self.repo}/actions/secrets/public-key", what
            ).json()
            self._key = (str(data["key_id"]), str(data["key"]))
        return self._key

    def check(self) -> None:
        """Fail early (before any token rotates) when the token cannot reach the secrets API."""
        self.public_key()

    def __call__(self, new_refresh_token: str) -> None:
        add_mask(new_refresh_token)
        key_id, key = self.public_key()
        body = {"encrypted_value": encrypt_secret(key, new_refresh_token), "key_id": key_id}
        what = f"write the rotated refresh token to secret {self.secret_name} of {self.repo}"
        try:
            self._request(
                "PUT", f"/repos/{self.repo}/actions/secrets/{self.secret_name}", what, json=body
            )
        except AuthError as exc:
            raise AuthError(
                f"{exc} The new refresh token was NOT saved, so the next run will be refused: "
                f"run `confluence-export login` locally and set secret {self.secret_name} to "
                "the refresh_token from your token file."
            ) from None


def rotation_hook_from_env(env: Mapping[str, str] | None = None) -> GitHubSecretWriter | None:
    """A ``GitHubSecretWriter`` when ``CONFLUENCE_EXPORT_SECRET_NAME`` is set, else None.

    Reads ``GITHUB_REPOSITORY``, ``GH_TOKEN`` (or ``GITHUB_TOKEN``) and ``GITHUB_API_URL``;
    raises ``AuthError`` at once when the token is missing, before any token rotates.
    """
    env = os.environ if env is None else env
    name = env.get("CONFLUENCE_EXPORT_SECRET_NAME", "").strip()
    if not name:
        return None
    repo = env.get("GITHUB_REPOSITORY", "").strip()
    if not repo:
        raise ConfigError(
            f"CONFLUENCE_EXPORT_SECRET_NAME={name} asks to save rotated refresh tokens to a "
            "repository secret, but GITHUB_REPOSITORY (owner/name) is not set."
        )
    token = env.get("GH_TOKEN") or env.get("GITHUB_TOKEN") or ""
    if not token:
        raise AuthError(
            f"Saving the rotated refresh token to secret {name} needs GH_TOKEN: {TOKEN_HELP}."
        )
    add_mask(token)
    api_url = env.get("GITHUB_API_URL") or "https://api.github.com"
    return GitHubSecretWriter(repo, name, token, api_url)
