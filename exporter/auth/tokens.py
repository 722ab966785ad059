"""The OAuth token file: private, replaced atomically, rotated under a cross-process lock.

Atlassian rotates refresh tokens on every refresh, so a lost write means a person must log in
again. The file is therefore created ``0600`` in a ``0700`` directory, always replaced whole
(temp file, fsync, ``os.replace``, fsync of the directory), and refreshed under a
:class:`filelock.FileLock` on ``<path>.lock`` with the file re-read after taking the lock, so
concurrent processes never spend the same refresh token.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypedDict, Unpack

import filelock

from exporter._fs import atomic_write, clean_leftovers, fsync_dir
from exporter.config.settings import Config, default_token_file
from exporter.errors import ConfigError, LoginRequired
from exporter.logs import register_secret

__all__ = ["RotationHook", "TokenChanges", "TokenSet", "TokenStore", "token_store"]

log = logging.getLogger(__name__)

_POSIX_MODES = os.name == "posix"  # Windows has ACLs, and st_mode bits that mean nothing here


@dataclass(frozen=True, slots=True)
class TokenSet:
    """One OAuth grant's tokens and what we know about them; token strings never in ``repr``."""

    refresh_token: str = field(repr=False)
    access_token: str = field(repr=False)
    expires_at: float  # epoch seconds when the access token expires
    scope: str = ""  # space-separated, as Atlassian returns it
    cloud_id: str | None = None
    site_url: str | None = None
    obtained_at: float = 0.0  # first refresh token of the grant: 365-day absolute expiry
    last_refresh_at: float = 0.0  # last refresh (or login): 90-day inactivity expiry
    client_id: str | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        """Granted scopes as a tuple."""
        return tuple(self.scope.split())

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        """True when the access token is expired or expires in less than ``seconds``."""
        return self.expires_at - (time.time() if now is None else now) < seconds

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenSet:
        """Parse the file's JSON; raises ``KeyError``/``TypeError``/``ValueError`` when malformed."""
        if not isinstance(data, dict):
            raise TypeError("token file must hold a JSON object")
        refresh, access = data["refresh_token"], data["access_token"]
        if not isinstance(refresh, str) or not refresh or not isinstance(access, str):
            raise ValueError("refresh_token and access_token must be strings")
        return cls(
            refresh_token=refresh,
            access_token=access,
            expires_at=float(data.get("expires_at") or 0),
            scope=str(data.get("scope") or ""),
            cloud_id=data.get("cloud_id"),
            site_url=data.get("site_url"),
            obtained_at=float(data.get("obtained_at") or 0),
            last_refresh_at=float(data.get("last_refresh_at") or 0),
            client_id=data.get("client_id"),
        )


RotationHook = Callable[[str], None]


class TokenChanges(TypedDict, total=False):
    """Fields of a ``TokenSet`` that ``TokenStore.update`` may change (any subset)."""

    refresh_token: str
    access_token: str
    expires_at: float
    scope: str
    cloud_id: str | None
    site_url: str | None
    obtained_at: float
    last_refresh_at: float
    client_id: str | None


class TokenStore:
    """The token file at ``path``: load, save atomically, and rotate under a file lock."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_token_file()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock = filelock.FileLock(str(self.lock_path), mode=0o600)
        self._lock_pid = os.getpid()
        self._hooks: list[RotationHook] = []

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    def add_rotation_hook(self, fn: RotationHook) -> None:
        """Call ``fn(new_refresh_token)`` after each rotation is persisted, before it is used.

        The GitHub Action writes the token back to a repository secret this way; an exception
        from a hook aborts the run with that error.
        """
        self._hooks.append(fn)

    # -- permissions -------------------------------------------------------------------

    def _ensure_dir(self) -> None:
        directory = self.path.parent
        if not directory.exists():
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(directory, 0o700)
        self._check_dir()

    def _check_dir(self) -> None:
        directory = self.path.parent
        mode = directory.stat().st_mode
        if mode & 0o077 and _POSIX_MODES:
            raise ConfigError(
                f"The token directory {directory} is readable by other users "
                f"(mode {stat.S_IMODE(mode):o}). Run `chmod 700 {directory}` or set "
                "auth.token_file to a private location."
            )

    def _check_file(self) -> None:
        if self.path.is_symlink():
            raise ConfigError(
                f"The token file {self.path} is a symbolic link, which could redirect the "
                f"tokens elsewhere. Remove it (`rm {self.path}`) and run `confluence-export login`."
            )
        mode = self.path.stat().st_mode
        if mode & 0o077 and _POSIX_MODES:
            raise ConfigError(
                f"The token file {self.path} is readable by other users "
                f"(mode {stat.S_IMODE(mode):o}). Run `chmod 600 {self.path}`; if others could "
                "read it, also revoke the app and run `confluence-export login`."
            )

    def check_writable(self) -> None:
        """Raise ``ConfigError`` now when a token could not be saved here: the folder open to
        other users or not writable, the file a symlink, open to others or not writable.

        ``login`` asks before it opens the browser: a refusal after the consent would cost the
        authorization code (Atlassian accepts each code once).
        """
        self._ensure_dir()
        if self.exists():
            self._check_file()
        blocked = [p for p in (self.path.parent, self.path) if p.exists() and not _writable(p)]
        if blocked:
            raise ConfigError(
                f"The token file cannot be saved: {blocked[0]} is not writable. Fix its "
                "permissions or set auth.token_file to a writable private location."
            )

    # -- read / write ------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists() or self.path.is_symlink()

    def load(self) -> TokenSet | None:
        """The stored tokens, or ``None`` when there is no token file yet."""
        if not self.exists():
            return None
        self._check_dir()
        self._check_file()
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, encoding="utf-8") as fh:
                tokens = TokenSet.from_json(json.load(fh))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LoginRequired(
                f"The token file {self.path} cannot be read ({type(exc).__name__}). "
                "Run `confluence-export login`."
            ) from None
        register_secret(tokens.refresh_token)
        register_secret(tokens.access_token)
        return tokens

    def require(self) -> TokenSet:
        """The stored tokens; ``LoginRequired`` when nobody has logged in yet."""
        tokens = self.load()
        if tokens is None:
            raise LoginRequired(f"Not logged in (no {self.path}). Run `confluence-export login`.")
        return tokens

    @contextlib.contextmanager
    def locked(self, *, check: bool = True) -> Iterator[None]:
        """Hold the cross-process lock on the token file (re-entrant in one thread)."""
        if check:
            self._ensure_dir()
        elif not self.path.parent.exists():
            yield
            return
        if self._lock_pid != os.getpid():  # a forked child: filelock refuses inherited locks
            self._lock = filelock.FileLock(str(self.lock_path), mode=0o600)
            self._lock_pid = os.getpid()
        with self._lock:
            yield

    def save(self, tokens: TokenSet) -> None:
        """Replace the token file atomically with ``tokens`` (takes the lock)."""
        with self.locked():
            self._write(tokens)

    def update(self, **changes: Unpack[TokenChanges]) -> TokenSet:
        """Re-read the file under the lock, change some fields (e.g. ``cloud_id``) and save."""
        with self.locked():
            tokens = self.require()
            tokens = replace(tokens, **changes)
            self._write(tokens)
            return tokens

    def delete(self) -> bool:
        """Remove the token file, even from an unsafe directory; True when there was one."""
        with self.locked(check=False):
            existed = self.exists()
            if existed:
                self.path.unlink()
                fsync_dir(self.path.parent)
        return existed

    def _write(self, tokens: TokenSet) -> None:
        """Write a complete new file beside the old one and rename it over; caller holds lock."""
        register_secret(tokens.refresh_token)
        register_secret(tokens.access_token)
        self._remove_stale_temps()
        if self.path.is_symlink():
            self._check_file()
        data = json.dumps(tokens.to_json(), indent=2, sort_keys=True).encode() + b"\n"
        atomic_write(self.path, data, mode=0o600, durable=True)

    def _remove_stale_temps(self) -> None:
        # Every writer holds the lock, so a temp file seen now was left by a killed process.
        clean_leftovers(self.path.parent, of=self.path.name)

    # -- rotation ----------------------------------------------------------------------

    def rotate(
        self,
        stale_access_token: str | None,
        refresh: Callable[[TokenSet], TokenSet],
        *,
        min_valid_s: float = 0.0,
    ) -> TokenSet:
        """Return fresh tokens, refreshing only if no other process already did.

        Under the lock the file is re-read: when it holds an access token other than
        ``stale_access_token`` that is valid for ``min_valid_s`` more seconds, another process
        has rotated and its tokens are used as they are. Otherwise ``refresh(current)`` is called
        and its result persisted, then the rotation hooks run, all before the caller may use the
        new access token.
        """
        with self.locked():
            current = self.require()
            if current.access_token != stale_access_token and not current.expires_within(
                min_valid_s
            ):
                log.debug("token file already rotated by another process; using it")
                return current
            fresh = refresh(current)
            self._write(fresh)
            for hook in self._hooks:
                hook(fresh.refresh_token)
            return fresh


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK | (os.X_OK if path.is_dir() else 0))


def token_store(config: Config) -> TokenStore:
    """The token file configured by ``auth.token_file`` (or the platform default)."""
    return TokenStore(config.auth.token_file)
