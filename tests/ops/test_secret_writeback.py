"""Rotated OAuth refresh tokens are written back to a repository secret (sealed box, REST)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exporter.action.secrets import GitHubSecretWriter, rotation_hook_from_env
from exporter.errors import AuthError, ConfigError

from .fake_github import FakeGitHub


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


def test_rotated_token_is_stored_encrypted_and_decrypts_to_the_new_token(github, capsys):
    writer = GitHubSecretWriter(
        github.repo, "CONFLUENCE_REFRESH_TOKEN", github.write_token, api_url=github.url
    )
    writer("rotated-refresh-token-1")
    stored = github.secrets["CONFLUENCE_REFRESH_TOKEN"]
    assert stored["key_id"] == github.key_id
    assert "rotated-refresh-token-1" not in stored["encrypted_value"]
    assert github.decrypt("CONFLUENCE_REFRESH_TOKEN") == "rotated-refresh-token-1"
    assert "::add-mask::rotated-refresh-token-1" in capsys.readouterr().out


def test_second_rotation_replaces_the_secret_and_fetches_the_key_once(github):
    writer = GitHubSecretWriter(github.repo, "RT", github.write_token, api_url=github.url)
    writer("first-token-aaaa")
    writer("second-token-bbbb")
    assert github.decrypt("RT") == "second-token-bbbb"
    assert [m for m, _ in github.log] == ["GET", "PUT", "PUT"]


def test_read_only_token_gets_an_error_naming_secrets_write(github):
    writer = GitHubSecretWriter(github.repo, "RT", github.read_token, api_url=github.url)
    writer.check()  # reading the public key is allowed
    with pytest.raises(AuthError) as info:
        writer("rotated-token-cccc")
    message = str(info.value)
    assert message.startswith(
        f"GitHub refused to write the rotated refresh token to secret RT of {github.repo} "
        "(403: Resource not accessible by personal access token): a fine-grained personal "
        'access token with "Secrets: write" on this repository is needed'
    )
    assert "was NOT saved" in message
    assert info.value.exit_code == 4
    assert "RT" not in github.secrets


def test_bad_token_fails_the_early_check_before_any_rotation(github):
    writer = GitHubSecretWriter(github.repo, "RT", "not-a-token", api_url=github.url)
    with pytest.raises(AuthError, match=r"\(401: Bad credentials\).*Secrets: write"):
        writer.check()
    assert github.log == [("GET", f"/repos/{github.repo}/actions/secrets/public-key")]


def test_unreachable_api_is_an_auth_error_with_the_url():
    writer = GitHubSecretWriter("a/b", "RT", "tok-1234", api_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(AuthError, match=r"Could not reach the GitHub API at http://127.0.0.1:9"):
        writer.check()


def test_hook_from_env_is_none_without_a_secret_name():
    assert rotation_hook_from_env({"GITHUB_REPOSITORY": "a/b", "GH_TOKEN": "x"}) is None


def test_hook_from_env_needs_a_token(capsys):
    env = {"CONFLUENCE_EXPORT_SECRET_NAME": "RT", "GITHUB_REPOSITORY": "a/b"}
    with pytest.raises(AuthError, match='needs GH_TOKEN: a fine-grained .*"Secrets: write"'):
        rotation_hook_from_env(env)
    with pytest.raises(ConfigError, match="GITHUB_REPOSITORY"):
        rotation_hook_from_env({"CONFLUENCE_EXPORT_SECRET_NAME": "RT", "GH_TOKEN": "tok-1234"})


def test_hook_from_env_writes_through_the_configured_api(github, capsys):
    hook = rotation_hook_from_env(
        {
            "CONFLUENCE_EXPORT_SECRET_NAME": "CONFLUENCE_REFRESH_TOKEN",
            "GITHUB_REPOSITORY": github.repo,
            "GITHUB_TOKEN": github.write_token,
            "GITHUB_API_URL": github.url,
        }
    )
    assert isinstance(hook, GitHubSecretWriter)
    assert f"::add-mask::{github.write_token}" in capsys.readouterr().out
    hook("from-env-token-dddd")
    assert github.decrypt("CONFLUENCE_REFRESH_TOKEN") == "from-env-token-dddd"


def test_writer_repr_and_errors_never_contain_the_token(github):
    writer = GitHubSecretWriter(github.repo, "RT", github.read_token, api_url=github.url)
    assert github.read_token not in repr(writer)
    with pytest.raises(AuthError) as info:
        writer("rotated-token-eeee")
    assert github.read_token not in str(info.value)
    assert "rotated-token-eeee" not in str(info.value)


def test_token_store_rotation_saves_the_secret_before_returning_new_tokens(github, tmp_path):
    from exporter.auth.tokens import TokenSet, TokenStore

    store = TokenStore(tmp_path / "state" / "tokens.json")
    store.save(TokenSet(refresh_token="old-refresh-0000", access_token="", expires_at=0.0))
    store.add_rotation_hook(
        GitHubSecretWriter(github.repo, "RT", github.write_token, api_url=github.url)
    )
    seen_secret_at_refresh: list[bool] = []

    def refresh(current: TokenSet) -> TokenSet:
        seen_secret_at_refresh.append("RT" in github.secrets)
        return TokenSet(
            refresh_token="new-refresh-1111", access_token="new-access-2222", expires_at=9e9
        )

    fresh = store.rotate("", refresh)
    assert seen_secret_at_refresh == [False]
    assert github.decrypt("RT") == "new-refresh-1111" == fresh.refresh_token


def test_failed_write_back_stops_the_rotation_before_the_new_token_is_used(github, tmp_path):
    from exporter.auth.tokens import TokenSet, TokenStore

    store = TokenStore(tmp_path / "state" / "tokens.json")
    store.save(TokenSet(refresh_token="old-refresh-0000", access_token="", expires_at=0.0))
    store.add_rotation_hook(
        GitHubSecretWriter(github.repo, "RT", github.read_token, api_url=github.url)
    )
    new = TokenSet(refresh_token="new-refresh-3333", access_token="new-access-4444", expires_at=9e9)
    with pytest.raises(AuthError, match="NOT saved"):
        store.rotate("", lambda current: new)
    # The token file still holds the new token, so a person can copy it into the secret.
    assert store.require().refresh_token == "new-refresh-3333"
