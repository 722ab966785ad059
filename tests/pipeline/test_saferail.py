"""The safety rail for deletions and gone spaces, through export() against the sandbox over HTTP.

A run that would delete more than ``output.max_delete_share`` of the exported pages (or all of
them) refuses and leaves the output byte for byte as it was; a configured space that is
archived, deleted or no longer readable fails alone and keeps its exported pages.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest
from walk.serve import Served, new_store, serve

from exporter.config.settings import Config, SpaceSelection
from exporter.errors import ConfigError, DeletionRefused, PartialExport
from exporter.run.pipeline import ExportSummary, export
from exporter.sandbox.store import Store

FAST = {"backoff_base": 0.05, "backoff_cap": 0.5}


def space(store: Store, key: str, children: int) -> list[str]:
    """A space with a home page and ``children`` pages under it; returns the child ids."""
    store.add_space(key, key.title())
    home = store.add_content(key, f"{key} home", "<p>home</p>").id
    return [
        store.add_content(key, f"{key} page {i}", f"<p>{i}</p>", parent_id=home).id
        for i in range(children)
    ]


def output(out: Path) -> dict[str, bytes]:
    """Every file under OUT except the cache (bodies) and the lock file (a run's scratch)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith("cache.sqlite") and p.name != "export.lock"
    }


def pages_of(out: Path, key: str) -> list[str]:
    folder = out / "docs" / key.lower()
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.md"))


def config(served: Served, spaces: object = "all", **output: object) -> Config:
    base = served.config(spaces)  # type: ignore[arg-type]
    return dataclasses.replace(base, output=dataclasses.replace(base.output, **output))


def run(served: Served, out: Path, cfg: Config | None = None, **kw: object) -> ExportSummary:
    return export(
        cfg or served.config(), out=out, connection=served.connection(), client_options=FAST, **kw
    )  # type: ignore[arg-type]


def admin(served: Served, method: str, path: str, **kw: object) -> None:
    httpx.request(method, f"{served.base_url}/__sandbox{path}", **kw).raise_for_status()  # type: ignore[arg-type]


def trash(served: Served, ids: list[str]) -> None:
    for page_id in ids:
        admin(served, "DELETE", f"/pages/{page_id}")


# -- the safety rail ------------------------------------------------------------------------


def test_deleting_more_than_half_of_the_exported_pages_is_refused_and_changes_nothing(
    tmp_path: Path,
) -> None:
    store = new_store()
    ids = space(store, "ENG", 3)
    with serve(store) as served:
        run(served, tmp_path)
        before = output(tmp_path)
        trash(served, ids)  # 3 of 4 pages
        with pytest.raises(DeletionRefused) as info:
            run(served, tmp_path)
    assert str(info.value) == (
        "Refusing to delete 3 of 4 exported pages (75%, more than output.max_delete_share: "
        "0.5); nothing was changed. If that is intended, run again with --allow-deletions (or "
        "set output.allow_deletions: true); `export --dry-run` lists them."
    )
    assert info.value.exit_code == 2
    assert output(tmp_path) == before  # docs and manifest byte for byte


@pytest.mark.parametrize(
    ("children", "deleted", "refused"),
    [(1, 1, False), (2, 2, True), (3, 2, False), (0, 1, True)],
    ids=["1-of-2-is-half-allowed", "2-of-3-refused", "2-of-4-is-half-allowed", "1-of-1-all"],
)
def test_small_exports_refuse_only_above_the_share_or_when_all_would_go(
    tmp_path: Path, children: int, deleted: int, refused: bool
) -> None:
    store = new_store()
    ids = space(store, "ENG", children)
    home = store.spaces["ENG"].homepage_id
    assert home is not None
    with serve(store) as served:
        run(served, tmp_path)
        before = output(tmp_path)
        trash(served, (ids or [home])[:deleted] if children else [home])
        if refused:
            with pytest.raises(DeletionRefused):
                run(served, tmp_path)
            assert output(tmp_path) == before
        else:
            assert run(served, tmp_path).pages_deleted == deleted


def test_deleting_all_pages_is_refused_even_when_the_share_allows_everything(
    tmp_path: Path,
) -> None:
    store = new_store()
    ids = space(store, "ENG", 2)
    with serve(store) as served:
        run(served, tmp_path)
        before = output(tmp_path)
        trash(served, [*ids, str(store.spaces["ENG"].homepage_id)])
        with pytest.raises(DeletionRefused, match="Refusing to delete all 3 exported page"):
            run(served, tmp_path, config(served, max_delete_share=1.0))
    assert output(tmp_path) == before


def test_the_share_is_configurable_down_to_refusing_any_deletion(tmp_path: Path) -> None:
    store = new_store()
    ids = space(store, "ENG", 9)
    with serve(store) as served:
        run(served, tmp_path)
        trash(served, ids[:1])  # 1 of 10
        with pytest.raises(DeletionRefused, match="more than output.max_delete_share: 0"):
            run(served, tmp_path, config(served, max_delete_share=0.0))
        assert run(served, tmp_path).pages_deleted == 1  # the default 0.5 allows it


@pytest.mark.parametrize("how", ["flag", "config"])
def test_a_confirmed_run_deletes_what_the_rail_refused(tmp_path: Path, how: str) -> None:
    store = new_store()
    ids = space(store, "ENG", 3)
    with serve(store) as served:
        run(served, tmp_path)
        trash(served, ids)
        if how == "flag":
            summary = run(served, tmp_path, allow_deletions=True)
        else:
            summary = run(served, tmp_path, config(served, allow_deletions=True))
    assert summary.pages_deleted == 3
    assert pages_of(tmp_path, "ENG") == ["index.md"]


def test_dry_run_shows_the_refusal_with_the_deletions_it_would_make(tmp_path: Path) -> None:
    store = new_store()
    ids = space(store, "ENG", 3)
    with serve(store) as served:
        run(served, tmp_path)
        before = output(tmp_path)
        trash(served, ids)
        with pytest.raises(DeletionRefused) as info:
            run(served, tmp_path, dry_run=True)
    plan = info.value.summary.plan  # type: ignore[attr-defined]
    assert sorted(p.old_path for p in plan if p.action == "delete") == [
        f"docs/eng/eng-page-{i}.md" for i in range(3)
    ]
    assert output(tmp_path) == before


# -- gone spaces ----------------------------------------------------------------------------


def two_spaces(store: Store) -> tuple[list[str], list[str]]:
    return space(store, "ENG", 3), space(store, "OPS", 1)


SELECTION = (SpaceSelection("ENG"), SpaceSelection("OPS"))


@pytest.mark.parametrize(
    ("change", "restore", "reason"),
    [({"readable": False}, {"readable": True}, "space OPS was deleted or is not readable")],
    ids=["permission-lost"],
)
def test_a_gone_space_fails_alone_keeps_its_pages_and_comes_back(
    tmp_path: Path, change: dict[str, object], restore: dict[str, object], reason: str
) -> None:
    store = new_store()
    two_spaces(store)
    with serve(store) as served:
        cfg = config(served, SELECTION)
        run(served, tmp_path, cfg)
        ops_before = {k: v for k, v in output(tmp_path).items() if k.startswith("docs/ops/")}
        manifest_ops = {p for p, r in _records(tmp_path).items() if r.space_key == "OPS"}
        admin(served, "POST", "/spaces/OPS", json=change)
        admin(served, "POST", "/pages", json={"space": "ENG", "title": "New", "body": "<p>n</p>"})
        with pytest.raises(PartialExport) as info:
            run(served, tmp_path, cfg)
        summary: ExportSummary = info.value.summary  # type: ignore[attr-defined]
        assert summary.pages_exported >= 1 and "new.md" in pages_of(tmp_path, "ENG")
        (failure,) = summary.failures
        assert (failure.kind, failure.title) == ("space", "OPS")
        assert failure.reason.startswith(reason)
        assert "its 2 exported page(s) are kept" in failure.reason
        assert summary.as_dict()["spaces"] == {"failed": 1}
        assert summary.pages_deleted == 0
        after = output(tmp_path)
        assert {k: v for k, v in after.items() if k.startswith("docs/ops/")} == ops_before
        assert {p for p, r in _records(tmp_path).items() if r.space_key == "OPS"} == manifest_ops
        admin(served, "POST", "/spaces/OPS", json=restore)
        summary = run(served, tmp_path, cfg)
    assert summary.failures == [] and summary.pages_deleted == 0
    assert pages_of(tmp_path, "OPS") == ["index.md", "ops-page-0.md"]


def test_an_archived_space_that_is_named_is_still_exported(tmp_path: Path) -> None:
    store = new_store()
    two_spaces(store)
    with serve(store) as served:
        run(served, tmp_path, config(served, SELECTION))
        admin(served, "POST", "/spaces/OPS", json={"status": "archived"})
        summary = run(served, tmp_path, config(served, SELECTION))
    assert summary.failures == [] and summary.pages_deleted == 0
    assert pages_of(tmp_path, "OPS") == ["index.md", "ops-page-0.md"]


def test_an_archived_space_leaves_spaces_all_but_its_pages_are_kept(tmp_path: Path) -> None:
    store = new_store()
    two_spaces(store)
    with serve(store) as served:
        run(served, tmp_path)
        admin(served, "POST", "/spaces/OPS", json={"status": "archived"})
        with pytest.raises(PartialExport) as info:
            run(served, tmp_path)
    summary = info.value.summary  # type: ignore[attr-defined]
    (failure,) = summary.failures
    assert failure.reason.startswith("space OPS is archived in Confluence")
    assert pages_of(tmp_path, "OPS") == ["index.md", "ops-page-0.md"]


def test_a_deleted_space_keeps_its_pages_until_it_leaves_the_selection(tmp_path: Path) -> None:
    store = new_store()
    two_spaces(store)
    with serve(store) as served:
        run(served, tmp_path, config(served, SELECTION))
        admin(served, "DELETE", "/spaces/OPS")
        with pytest.raises(PartialExport, match="space\\(s\\) OPS could not be read"):
            run(served, tmp_path, config(served, SELECTION))
        assert pages_of(tmp_path, "OPS") == ["index.md", "ops-page-0.md"]
        summary = run(served, tmp_path, config(served, (SpaceSelection("ENG"),)))
    assert summary.pages_deleted == 2  # 2 of 6: within the rail
    assert not (tmp_path / "docs" / "ops").exists()
    assert {r.space_key for r in _records(tmp_path).values()} == {"ENG"}


def test_when_every_configured_space_is_gone_nothing_is_deleted(tmp_path: Path) -> None:
    store = new_store()
    two_spaces(store)
    with serve(store) as served:
        run(served, tmp_path, config(served, SELECTION))
        before = output(tmp_path)
        admin(served, "POST", "/spaces/ENG", json={"readable": False})
        admin(served, "DELETE", "/spaces/OPS")
        with pytest.raises(PartialExport) as info:
            run(served, tmp_path, config(served, SELECTION))
    summary = info.value.summary  # type: ignore[attr-defined]
    assert [(f.kind, f.title) for f in summary.failures] == [("space", "ENG"), ("space", "OPS")]
    assert summary.pages_deleted == 0
    docs = {k: v for k, v in output(tmp_path).items() if k.startswith("docs/")}
    assert docs == {k: v for k, v in before.items() if k.startswith("docs/")}


def test_spaces_all_keeps_a_vanished_space_until_deletions_are_allowed(tmp_path: Path) -> None:
    store = new_store()
    two_spaces(store)
    with serve(store) as served:
        run(served, tmp_path)
        admin(served, "POST", "/spaces/OPS", json={"readable": False})
        with pytest.raises(PartialExport) as info:
            run(served, tmp_path)
        (failure,) = info.value.summary.failures  # type: ignore[attr-defined]
        assert failure.title == "OPS" and "--allow-deletions" in failure.reason
        assert pages_of(tmp_path, "OPS") == ["index.md", "ops-page-0.md"]
        summary = run(served, tmp_path, allow_deletions=True)
    assert summary.failures == [] and summary.pages_deleted == 2
    assert not (tmp_path / "docs" / "ops").exists()


def test_a_key_differing_only_in_case_is_a_config_error_suggesting_the_key(
    tmp_path: Path,
) -> None:
    store = new_store()
    two_spaces(store)
    with serve(store) as served:
        run(served, tmp_path, config(served, SELECTION))
        before = output(tmp_path)
        with pytest.raises(ConfigError) as info:
            run(served, tmp_path, config(served, (SpaceSelection("ENG"), SpaceSelection("ops"))))
    assert str(info.value) == (
        "spaces: no space 'ops'; did you mean OPS? Space keys are case-sensitive: fix the key "
        "in spaces (or --space) and run again; nothing was exported or deleted."
    )
    assert output(tmp_path) == before


def test_an_empty_or_missing_selection_is_refused_before_anything_is_read(
    tmp_path: Path,
) -> None:
    store = new_store()
    space(store, "ENG", 1)
    with serve(store) as served:
        with pytest.raises(ConfigError, match="spaces is not set"):
            run(served, tmp_path, config(served, None))
        with pytest.raises(ConfigError, match="--space needs a space key"):
            run(served, tmp_path, spaces=[""])
        assert served.store is store
    assert not tmp_path.joinpath(".confluence-export").exists()


def _records(out: Path) -> dict:
    from exporter.run.manifest import State

    return {pid: rec for pid, rec in State.load(out).pages.items() if rec.path}


def test_exporting_one_space_leaves_the_others_files_byte_for_byte(tmp_path: Path) -> None:
    store = new_store()
    two_spaces(store)
    with serve(store) as served:
        run(served, tmp_path, config(served, SELECTION))
        before = output(tmp_path)
        admin(served, "POST", "/pages", json={"space": "ENG", "title": "New", "body": "<p>n</p>"})
        summary = run(served, tmp_path, config(served, SELECTION), spaces=["ENG"])
    assert summary.pages_exported >= 1 and summary.pages_deleted == 0
    after = output(tmp_path)
    ops = [k for k in before if k.startswith("docs/ops/")]
    assert ops and all(after[k] == before[k] for k in ops)


def test_the_github_step_summary_names_a_gone_space_as_a_space() -> None:
    from exporter.cli.report import summary_table
    from exporter.run.summary import Failure

    summary = ExportSummary(spaces_failed=1)
    summary.failures.append(Failure("", "OPS", "space OPS is archived in Confluence", "space"))
    assert "- space OPS: space OPS is archived in Confluence" in summary_table(summary)


def test_a_key_that_never_existed_fails_alone_on_the_first_run(tmp_path: Path) -> None:
    store = new_store()
    space(store, "ENG", 1)
    with serve(store) as served, pytest.raises(PartialExport) as info:
        run(served, tmp_path, config(served, (SpaceSelection("ENG"), SpaceSelection("NEW"))))
    (failure,) = info.value.summary.failures  # type: ignore[attr-defined]
    assert failure.reason == (
        "space NEW was deleted or is not readable by this account (check with "
        "`confluence-export spaces`)"
    )
    assert pages_of(tmp_path, "ENG") == ["eng-page-0.md", "index.md"]
