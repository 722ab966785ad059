"""`login` against the sandbox over real HTTP: browser and --no-browser flows, and refusals."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from exporter.auth.connect import connect, oauth_endpoint, token_store
from exporter.auth.login import authorize_url, login
from exporter.config.settings import load_config
from exporter.errors import LoginRequired
from tests.auth.conftest import ROOT, AutoConsent, RunningSandbox, cli, sandbox_login, write_config

URL_LINE = re.compile(r"^(http\S+/authorize\?\S+)$", re.M)


def _browser_script(tmp_path: Path) -> Path:
    """A stand-in browser: fetches the authorize URL and follows the redirect to the callback."""
    script = tmp_path / "browser.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, urllib.request\n"
        "urllib.request.urlopen(sys.argv[1], timeout=10).read()\n"
    )
    script.chmod(0o755)
    return script


def _tokens(tmp_path: Path) -> dict[str, object]:
    return json.loads((tmp_path / "state" / "tokens.json").read_text())


def _no_browser(config: Path, answer: callable) -> subprocess.CompletedProcess[str]:  # type: ignore[valid-type]
    """Run `login --no-browser`, read the printed URL, and type ``answer(url)`` as the user."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exporter",
            "-vvv",
            "--config",
            str(config),
            "login",
            "--no-browser",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert process.stderr is not None and process.stdin is not None
    seen = ""
    while not (match := URL_LINE.search(seen)):
        line = process.stderr.readline()
        assert line, f"login printed no URL: {seen}"
        seen += line
    stdout, stderr = process.communicate(answer(match.group(1)) + "\n", timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, seen + stderr)


def _redirected(url: str) -> str:
    """What the browser's address bar shows after consent (the sandbox auto-approves)."""
    response = httpx.get(url)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def test_login_opens_the_browser_and_receives_the_callback(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = write_config(oauth_sandbox, tmp_path)
    env = {"BROWSER": str(_browser_script(tmp_path))}
    result = cli(config, "login", "--port", "0", "--timeout", "20", env=env)
    assert result.returncode == 0, result.stderr
    tokens = _tokens(tmp_path)
    assert tokens["cloud_id"] == oauth_sandbox.app.store.cloud_id
    assert "offline_access" in str(tokens["scope"])
    assert f"cloudId {tokens['cloud_id']}" in result.stdout
    assert stat.S_IMODE((tmp_path / "state" / "tokens.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
    output = result.stdout + result.stderr
    for secret in (tokens["refresh_token"], tokens["access_token"], oauth_sandbox.client_secret):
        assert str(secret) not in output


def test_login_without_browser_reads_the_redirected_url(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = write_config(oauth_sandbox, tmp_path)
    result = _no_browser(config, _redirected)
    assert result.returncode == 0, result.stderr
    tokens = _tokens(tmp_path)
    assert tokens["site_url"] == oauth_sandbox.handle.site_url
    output = result.stdout + result.stderr
    assert str(tokens["refresh_token"]) not in output
    assert str(tokens["access_token"]) not in output


def test_login_without_browser_accepts_the_bare_code(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    class PastesCode(AutoConsent):
        def readline(self) -> str:
            return parse_qs(urlsplit(super().readline().strip()).query)["code"][0] + "\n"

    config = sandbox_login(write_config(oauth_sandbox, tmp_path), PastesCode())
    assert config.auth.token_file is not None
    assert _tokens(tmp_path)["refresh_token"]


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if "Error:" in line]
    assert len(lines) == 1, result.stderr
    return lines[0][lines[0].index("Error:") :]


def test_wrong_state_is_refused_with_exit_4_and_nothing_saved(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = write_config(oauth_sandbox, tmp_path)
    result = _no_browser(
        config, lambda url: re.sub(r"state=[^&]+", "state=forged", _redirected(url))
    )
    assert result.returncode == 4
    line = _error_line(result)
    assert "state does not match" in line
    assert line.endswith("Run `confluence-export login` again.")
    assert not (tmp_path / "state" / "tokens.json").exists()


def test_reused_code_is_refused_with_exit_4(oauth_sandbox: RunningSandbox, tmp_path: Path) -> None:
    config = write_config(oauth_sandbox, tmp_path)
    first = AutoConsent()
    sandbox_login(config, first)
    old_code = parse_qs(urlsplit(first.redirects[0]).query)["code"][0]

    def replay(url: str) -> str:
        state = parse_qs(urlsplit(url).query)["state"][0]
        return f"http://localhost:8976/callback?code={old_code}&state={state}"

    result = _no_browser(config, replay)
    assert result.returncode == 4
    line = _error_line(result)
    assert "authorization code" in line and "single-use" in line
    assert line.endswith("Run `confluence-export login` again.")


def test_declined_consent_says_so_with_exit_4(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    class Declines(AutoConsent):
        def readline(self) -> str:
            redirect = super().readline()
            return re.sub(r"code=[^&]+", "error=access_denied", redirect)

    with pytest.raises(LoginRequired) as info:
        sandbox_login(write_config(oauth_sandbox, tmp_path), Declines())
    assert info.value.exit_code == 4
    assert str(info.value) == (
        "Access was declined on Atlassian's consent screen. Run `confluence-export login` again."
    )


def test_login_times_out_with_a_clear_message(
    oauth_sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write_config(oauth_sandbox, tmp_path))
    monkeypatch.setattr(webbrowser, "open", lambda url: True)  # a browser that never comes back
    with pytest.raises(LoginRequired, match="No login callback arrived within 1 s") as info:
        login(config, port=0, timeout=1, out=io.StringIO())
    assert info.value.exit_code == 4


def test_logout_removes_the_token_file_and_explains_revoking(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = write_config(oauth_sandbox, tmp_path)
    sandbox_login(config)
    result = cli(config, "logout")
    assert result.returncode == 0
    assert not (tmp_path / "state" / "tokens.json").exists()
    assert "Connected apps" in result.stdout


def test_sites_lists_cloud_id_url_name_and_scopes(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = write_config(oauth_sandbox, tmp_path)
    sandbox_login(config)
    before = _tokens(tmp_path)
    oauth_sandbox.advance(3601)  # the access token has expired: `sites` refreshes first
    result = cli(config, "sites")
    assert result.returncode == 0, result.stderr
    after = _tokens(tmp_path)
    assert "refreshed the OAuth access token" in result.stderr  # -vvv logging was on
    for tokens in (before, after):
        for key in ("refresh_token", "access_token"):
            assert str(tokens[key]) not in result.stdout + result.stderr
    cloud_id, url, name, scopes = result.stdout.strip().split("\t")
    assert cloud_id == oauth_sandbox.app.store.cloud_id
    assert url == oauth_sandbox.handle.site_url
    assert name == oauth_sandbox.app.store.site_name
    assert "read:page:confluence" in scopes.split()


@pytest.mark.parametrize(
    ("shape", "description"),
    [
        ("invalid_grant", "Unknown or invalid refresh token."),
        ("unauthorized_client", "refresh_token is invalid"),
    ],
)
def test_revoked_refresh_token_ends_the_command_with_exit_4_and_one_line(
    oauth_sandbox_factory: Callable[..., RunningSandbox],
    tmp_path: Path,
    shape: str,
    description: str,
) -> None:
    sandbox = oauth_sandbox_factory(dead_refresh_error=shape)
    config_path = write_config(sandbox, tmp_path)
    config = sandbox_login(config_path)
    stale = token_store(config).require()
    oauth_endpoint(config).refresh(stale)  # rotated by someone else and never saved here
    sandbox.advance(3700)  # past the 10-minute grace: the family is revoked on reuse
    result = cli(config_path, "sites")
    assert result.returncode == 4
    assert _error_line(result) == (
        f"Error: The refresh token was rejected by Atlassian ({description}); it "
        "expires after 90 days unused, 365 days after login, or when the app is revoked. "
        "Run `confluence-export login`."
    )
    assert stale.refresh_token not in result.stdout + result.stderr


def test_authorize_url_asks_for_offline_access_consent_and_the_api_audience(
    oauth_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = load_config(write_config(oauth_sandbox, tmp_path, scopes=["read:page:confluence"]))
    url = authorize_url(config, redirect_uri="http://localhost:1/cb", state="s" * 43)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith(oauth_sandbox.base_url + "/authorize?")
    assert query == {
        "audience": "api.atlassian.com",
        "client_id": oauth_sandbox.client_id,
        "scope": "read:page:confluence offline_access",
        "redirect_uri": "http://localhost:1/cb",
        "state": "s" * 43,
        "response_type": "code",
        "prompt": "consent",
    }


def test_connect_without_a_login_asks_for_login_and_opens_no_browser(
    oauth_sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write_config(oauth_sandbox, tmp_path))
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    with pytest.raises(LoginRequired) as info:
        connect(config)
    assert str(info.value) == (
        f"Not logged in (no {token_store(config).path}). Run `confluence-export login`."
    )
    assert opened == []
    assert not token_store(config).path.exists()


def test_connect_after_a_browser_login_uses_the_site_the_login_saved(
    oauth_sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(
        write_config(oauth_sandbox, tmp_path, redirect_uri="http://127.0.0.1:0/cb")
    )

    def browser(url: str) -> bool:  # a browser that approves and follows the redirect
        httpx.get(url, follow_redirects=True).raise_for_status()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    tokens = login(config, timeout=20)
    assert tokens.cloud_id == oauth_sandbox.app.store.cloud_id
    connection = connect(config)
    assert connection.cloud_id == tokens.cloud_id
    assert connection.wiki_base.endswith(f"/ex/confluence/{tokens.cloud_id}/wiki")


def _recording_browser(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in browser that only records the URLs it was asked to open."""
    record = tmp_path / "opened.txt"
    script = tmp_path / "record-browser.py"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(record)!r}, 'a').write(sys.argv[1] + '\\n')\n"
    )
    script.chmod(0o755)
    return script, record


@pytest.mark.parametrize("no_browser", [False, True], ids=["browser", "no-browser"])
def test_login_refuses_an_unsafe_token_folder_before_the_browser_opens(
    oauth_sandbox: RunningSandbox, tmp_path: Path, no_browser: bool
) -> None:
    config = write_config(oauth_sandbox, tmp_path)
    folder = tmp_path / "state"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)  # group-readable: the token file cannot be saved there
    browser, record = _recording_browser(tmp_path)
    flags = ["--no-browser"] if no_browser else []
    result = cli(
        config, "login", "--port", "0", "--timeout", "5", *flags, env={"BROWSER": str(browser)}
    )
    assert result.returncode == 2, result.stderr
    assert _error_line(result) == (
        f"Error: The token directory {folder} is readable by other users (mode 750). Run "
        f"`chmod 700 {folder}` or set auth.token_file to a private location."
    )
    assert not record.exists(), "the browser was opened before the token folder was checked"
    assert "/authorize?" not in result.stdout + result.stderr
    assert not [r for r in oauth_sandbox.stats()["by_route"] if "token" in r or "authorize" in r]
    assert not (folder / "tokens.json").exists()
