"""The token file: permissions, atomic replacement, rotation under the lock, hooks."""

from __future__ import annotations

import json
import os
import stat
import time
import typing
from dataclasses import fields, replace
from pathlib import Path

import pytest

from exporter.auth.tokens import TokenChanges, TokenSet, TokenStore
from exporter.errors import ConfigError, LoginRequired


def _tokens(refresh: str = "rt-1", access: str = "at-1", ttl: float = 3600) -> TokenSet:
    now = time.time()
    return TokenSet(
        refresh_token=refresh,
        access_token=access,
        expires_at=now + ttl,
        scope="read:page:confluence offline_access",
        obtained_at=now,
        last_refresh_at=now,
        client_id="cid",
    )


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "state" / "tokens.json")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_token_file_is_created_0600_in_a_new_0700_directory(store: TokenStore) -> None:
    store.save(_tokens())
    assert _mode(store.path) == 0o600
    assert _mode(store.path.parent) == 0o700
    assert store.load() == _tokens().__class__(**json.loads(store.path.read_text()))


def test_saved_tokens_round_trip_every_field(store: TokenStore) -> None:
    tokens = replace(_tokens(), cloud_id="c-1", site_url="https://x.atlassian.net")
    store.save(tokens)
    assert store.load() == tokens


def test_group_readable_token_file_is_refused_with_the_chmod_to_run(store: TokenStore) -> None:
    store.save(_tokens())
    os.chmod(store.path, 0o640)
    with pytest.raises(ConfigError, match=rf"Run `chmod 600 {store.path}`"):
        store.load()


def test_world_readable_token_directory_is_refused_with_the_chmod_to_run(
    store: TokenStore,
) -> None:
    store.save(_tokens())
    os.chmod(store.path.parent, 0o755)
    with pytest.raises(ConfigError, match=rf"Run `chmod 700 {store.path.parent}`"):
        store.load()


def test_symlinked_token_file_is_refused(store: TokenStore, tmp_path: Path) -> None:
    store.save(_tokens())
    target = store.path.parent / "elsewhere.json"
    store.path.rename(target)
    store.path.symlink_to(target)
    with pytest.raises(ConfigError, match="symbolic link"):
        store.load()
    with pytest.raises(ConfigError, match="symbolic link"):
        store.save(_tokens())


def test_missing_token_file_means_login_required(store: TokenStore) -> None:
    assert store.load() is None
    with pytest.raises(LoginRequired, match="Run `confluence-export login`"):
        store.require()


def test_corrupt_token_file_asks_for_login_without_echoing_content(store: TokenStore) -> None:
    store.save(_tokens())
    store.path.write_text('{"refresh_token": "rt-secret-xyz", "access_')
    with pytest.raises(LoginRequired) as info:
        store.load()
    assert "Run `confluence-export login`" in str(info.value)
    assert "rt-secret-xyz" not in str(info.value)


def test_replacing_the_file_leaves_no_temp_files_and_removes_stale_ones(
    store: TokenStore,
) -> None:
    store.save(_tokens())
    stale = store.path.parent / f".{store.path.name}.deadbeef.tmp"
    stale.write_text("half")
    store.save(_tokens("rt-2", "at-2"))
    assert sorted(p.name for p in store.path.parent.iterdir()) == [
        "tokens.json",
        "tokens.json.lock",
    ]


def test_rotate_refreshes_and_persists_before_returning(store: TokenStore) -> None:
    store.save(_tokens())
    fresh = store.rotate("at-1", lambda current: replace(current, refresh_token="rt-2"))
    assert fresh.refresh_token == "rt-2"
    assert store.load() == fresh


def test_rotate_uses_tokens_another_process_already_rotated(store: TokenStore) -> None:
    store.save(_tokens())
    store.save(_tokens("rt-2", "at-2"))  # what another process wrote meanwhile

    def must_not_refresh(current: TokenSet) -> TokenSet:
        raise AssertionError("refreshed although the file was already rotated")

    assert store.rotate("at-1", must_not_refresh).access_token == "at-2"


def test_rotate_refreshes_when_the_rotated_file_is_about_to_expire(store: TokenStore) -> None:
    store.save(_tokens("rt-2", "at-2", ttl=5))
    fresh = store.rotate("at-1", lambda c: _tokens("rt-3", "at-3"), min_valid_s=30)
    assert fresh.refresh_token == "rt-3"


def test_rotation_hook_sees_the_new_token_already_persisted(store: TokenStore) -> None:
    store.save(_tokens())
    seen: list[tuple[str, str]] = []
    store.add_rotation_hook(lambda token: seen.append((token, store.require().refresh_token)))
    store.rotate("at-1", lambda c: _tokens("rt-2", "at-2"))
    assert seen == [("rt-2", "rt-2")]


def test_failing_rotation_hook_aborts_with_its_error(store: TokenStore) -> None:
    store.save(_tokens())

    def hook(token: str) -> None:
        raise RuntimeError("could not write the repository secret")

    store.add_rotation_hook(hook)
    with pytest.raises(RuntimeError, match="repository secret"):
        store.rotate("at-1", lambda c: _tokens("rt-2", "at-2"))
    assert store.require().refresh_token == "rt-2"  # persisted even though the hook failed


def test_token_strings_never_appear_in_repr() -> None:
    tokens = _tokens("rt-very-secret", "at-very-secret")
    assert "very-secret" not in repr(tokens)


def test_delete_removes_the_file(store: TokenStore) -> None:
    store.save(_tokens())
    assert store.delete() is True
    assert not store.path.exists()
    assert store.delete() is False


def test_delete_works_even_when_the_directory_is_unsafe(store: TokenStore) -> None:
    store.save(_tokens())
    os.chmod(store.path.parent, 0o755)
    assert store.delete() is True
    assert not store.path.exists()


def test_delete_without_a_token_directory_reports_nothing_removed(store: TokenStore) -> None:
    assert store.delete() is False
    assert not store.path.parent.exists()


def test_token_store_update_accepts_exactly_the_token_set_fields() -> None:
    declared = typing.get_type_hints(TokenSet)
    assert typing.get_type_hints(TokenChanges) == {
        f.name: declared[f.name] for f in fields(TokenSet)
    }
