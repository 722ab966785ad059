"""Disk full and a read-only output: a clear error, no traceback, the previous export intact."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exporter.sandbox import SandboxHandle

from .helpers import run_cli, run_inprocess, tree_diff, tree_hashes, write_config

BIG_ATTACHMENT = 400_000


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``tmpfs("2m")`` mounts a small tmpfs; skipped where mounting is not permitted."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        result = _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point))
        if result.returncode != 0:
            pytest.skip(
                f"cannot mount a tmpfs here ({result.stderr.strip()}); disk-full and read-only "
                "scenarios need root or CAP_SYS_ADMIN"
            )
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)


def add_page_with_big_attachment(sb: SandboxHandle) -> None:
    """A new page (admin API) showing a 400 KB attachment: the next export must write both."""
    home = next(r for r in sb.store.all_content() if r.type == "page" and r.parent_id is None)
    body = '<p>Big file</p><ac:image><ri:attachment ri:filename="big.png"/></ac:image>'
    created = sb.http.post(
        "/__sandbox/pages",
        json={"space": home.space_key, "title": "Disk filler", "body": body, "parent_id": home.id},
    )
    created.raise_for_status()
    sb.http.post(
        f"/__sandbox/pages/{created.json()['id']}/attachments",
        params={"filename": "big.png"},
        content=os.urandom(BIG_ATTACHMENT),
        headers={"content-type": "image/png"},
    ).raise_for_status()


def fill(point: Path, leave: int) -> Path:
    """Fill the filesystem at ``point`` until about ``leave`` bytes are free."""
    stats = os.statvfs(point)
    free = stats.f_bavail * stats.f_frsize
    filler = point / "filler.bin"
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def assert_clear_failure(stderr: str, code: int) -> None:
    """Non-zero, no traceback, and a short message (at most a few lines).

    The pages' own warnings (``warning: [code] ...``, printed for every run that wrote output)
    are not part of the failure's message.
    """
    assert code != 0, stderr
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip() and "warning: [" not in line]
    assert 1 <= len(lines) <= 4, stderr


def test_disk_full_fails_clearly_keeps_the_previous_export_and_recovers(
    sandbox_factory: Callable[..., SandboxHandle],
    tmpfs: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    sb = sandbox_factory()
    out = tmpfs("2m") / "out"
    config = write_config(sb, tmp_path / "run", out=out)
    run_inprocess(config)
    before = tree_hashes(out)
    add_page_with_big_attachment(sb)
    filler = fill(out.parent, leave=64_000)

    result = run_cli(config, "export")
    assert_clear_failure(result.stderr, result.code)
    after = tree_hashes(out)

    filler.unlink()
    # --full: an incremental run may not retry the attachment that failed on the full disk
    # (see test_faults.py::test_failed_referenced_attachment_is_retried_by_the_next_run).
    again = run_cli(config, "export", "--full")
    assert again.code == 0, again.stderr
    clean = write_config(sb, tmp_path / "clean")
    run_inprocess(clean)
    got, want = tree_hashes(out), tree_hashes(tmp_path / "clean" / "out")
    assert got == want, tree_diff(got, want)
    # Every file of the previous export survived the failed run whole: its old bytes, or the
    # new bytes of a page the new child legitimately changed (its parent's index, the nav).
    damaged = [k for k in before if after.get(k) not in (before[k], want.get(k))]
    assert not damaged, f"the failed run damaged {damaged}"


def read_only_run(
    sb: SandboxHandle, tmpfs: Callable[[str], Path], tmp_path: Path
) -> tuple[Path, Path, dict[str, str]]:
    """Export once into a tmpfs, add content, remount it read-only; returns point, config, tree."""
    point = tmpfs("4m")
    out = point / "out"
    config = write_config(sb, tmp_path / "run", out=out)
    run_inprocess(config)
    add_page_with_big_attachment(sb)
    remount = _mount("-o", "remount,ro", str(point))
    assert remount.returncode == 0, remount.stderr
    return point, config, tree_hashes(out)


def test_read_only_output_fails_and_keeps_the_previous_export(
    sandbox_factory: Callable[..., SandboxHandle],
    tmpfs: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    sb = sandbox_factory()
    point, config, before = read_only_run(sb, tmpfs, tmp_path)
    result = run_cli(config, "export")
    assert result.code != 0, result.stderr
    assert tree_hashes(point / "out") == before

    assert _mount("-o", "remount,rw", str(point)).returncode == 0
    again = run_cli(config, "export")
    assert again.code == 0, again.stderr
    assert any(name.endswith("/big.png") for name in tree_hashes(point / "out"))


def test_read_only_output_error_is_one_line_without_traceback(
    sandbox_factory: Callable[..., SandboxHandle],
    tmpfs: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    sb = sandbox_factory()
    _point, config, _before = read_only_run(sb, tmpfs, tmp_path)
    result = run_cli(config, "export")
    assert_clear_failure(result.stderr, result.code)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "read-only" in errors[0].lower(), result.stderr
