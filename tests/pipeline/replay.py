"""The Confluence side of the differential check: one sandbox, operations by symbolic name.

``Replay`` applies operations (``tests/pipeline/differential.py`` makes them) through the
sandbox's admin API, mapping page names (``p3``) to ids; an operation whose target is missing
or invalid in this replay is skipped, so any subset of a sequence replays. It also runs the
incremental and full exports and compares them (``diff_trees``).
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from exporter.config.settings import load_config
from exporter.errors import PartialExport
from exporter.run.pipeline import export
from exporter.sandbox import SandboxHandle

SEED = Path(__file__).resolve().parents[1] / "seeds" / "differential"
SPACE = "DIFF"
EXPORT = "export"  # the checkpoint marker among the operations
SCAN_GAP_S = 15 * 60  # sandbox minutes between runs: past the scan's safety lag
Op = tuple[str, ...]  # (kind, *args), all strings: printable and replayable
Log = Callable[[str], None]


class Replay:
    """One sandbox plus the incremental OUT folder, applying operations by symbolic name."""

    def __init__(self, sandbox: SandboxHandle, root: Path) -> None:
        self.sandbox = sandbox
        self.root = root
        self.ids: dict[str, str] = {}
        self.inc = root / "incremental"
        self.config = load_config(sandbox.write_config(root / "config.yaml"))
        self.runs = 0
        home = next(r for r in sandbox.store.content.values() if r.title == "Home")
        self.ids["home"] = home.id
        for i in range(8):
            parent = {"p5": "p1", "p6": "p1", "p7": "p5"}.get(f"p{i}")
            self.apply(
                ("create", f"p{i}", parent or "", f"text:{i} children:2 link:p{(i + 1) % 8}")
            )

    # -- Confluence side ----------------------------------------------------------------------

    def _record(self, name: str) -> Any:
        record = self.sandbox.store.get(self.ids.get(name, ""))
        return record

    def _live(self, name: str) -> Any:
        record = self._record(name)
        return record if record is not None and record.status == "current" else None

    def body(self, spec: str) -> str:
        """Storage XHTML for a body spec (titles are looked up now: links by title go stale)."""
        out = []
        for part in spec.split():
            kind, _, arg = part.partition(":")
            target = self._record(arg)
            title = target.title if target is not None else f"Missing {arg}"
            link = f'<ac:link><ri:page ri:content-title="{_xml(title)}"/></ac:link>'
            if kind == "text":
                out.append(f"<h2>Part {arg}</h2><p>Text {arg}.</p>")
                out.append(
                    f'<ac:structured-macro ac:name="excerpt"><ac:rich-text-body><p>Excerpt {arg}</p></ac:rich-text-body></ac:structured-macro>'
                )  # noqa: E501
            elif kind == "link":
                out.append(f"<p>See {link}.</p>")
            elif kind == "children":
                out.append(
                    f'<ac:structured-macro ac:name="children"><ac:parameter ac:name="depth">{arg}</ac:parameter></ac:structured-macro>'
                )  # noqa: E501
            elif kind == "pagetree":
                out.append(
                    '<ac:structured-macro ac:name="pagetree"><ac:parameter ac:name="root"><ac:link><ri:page ri:content-title="@home"/></ac:link></ac:parameter></ac:structured-macro>'
                )  # noqa: E501
            elif kind in ("include", "excerpt"):
                name = "include" if kind == "include" else "excerpt-include"
                out.append(
                    f'<ac:structured-macro ac:name="{name}"><ac:parameter ac:name="">{link}</ac:parameter></ac:structured-macro>'
                )  # noqa: E501
            elif kind == "toc":
                out.append('<ac:structured-macro ac:name="toc"/>')
            elif kind == "image":
                out.append(f'<p><ac:image><ri:attachment ri:filename="{arg}"/></ac:image></p>')
        return "".join(out)

    def apply(self, op: Op) -> bool:
        """Apply one operation; False when it does not apply in this replay (skipped)."""
        kind, args = op[0], op[1:]
        http = self.sandbox.http
        if kind == EXPORT:
            self.export_incremental()
            return True
        if kind == "create":
            name, parent, spec = args
            if name in self.ids:
                return False
            parent_id = self.ids["home"] if not parent else None
            if parent:
                if self._live(parent) is None:
                    return False
                parent_id = self.ids[parent]
            reply = http.post(
                "/__sandbox/pages",
                json={"space": SPACE, "title": f"Page {name}", "body": self.body(spec),
                      "parent_id": parent_id},
            )  # fmt: skip
            reply.raise_for_status()
            self.ids[name] = str(reply.json()["id"])
            return True
        record = self._live(args[0]) if kind != "restore" else self._record(args[0])
        if record is None or record.id == self.ids["home"] and kind in ("delete", "move"):
            return False
        path = f"/__sandbox/pages/{record.id}"
        if kind == "edit":
            reply = http.put(path, json={"body": self.body(args[1])})
        elif kind == "rename":
            taken = {r.title for r in self.sandbox.store.content.values() if r.status == "current"}
            if args[1] in taken:
                return False  # Confluence refuses a duplicate title in a space
            reply = http.put(path, json={"title": args[1]})
        elif kind == "move":
            if args[1] == "top":
                reply = http.put(path, json={"parent_id": None})
            else:
                parent = self._live(args[1]) if args[1] else self._record("home")
                if parent is None or self._under(parent.id, record.id):
                    return False
                reply = http.put(path, json={"parent_id": parent.id})
        elif kind == "reorder":
            siblings = self.sandbox.store.siblings_of(record)
            reply = http.put(path, json={"position": min(int(args[1]), len(siblings) - 1)})
        elif kind == "delete":
            reply = http.delete(path)
        elif kind == "restore":
            if record.status != "trashed":
                return False
            reply = http.post(f"{path}/restore")
        elif kind == "att_add":
            data = base64.b64encode(f"{args[0]}/{args[1]}/{args[2]}".encode()).decode()
            reply = http.post(
                f"{path}/attachments", json={"filename": args[1], "data_base64": data}
            )
        elif kind == "att_delete":
            store = self.sandbox.store
            att = next((store.attachments[a] for a in record.attachments
                        if store.attachments[a].title == args[1]
                        and store.attachments[a].status == "current"), None)  # fmt: skip
            if att is None:
                return False
            reply = http.delete(f"/__sandbox/attachments/{att.id}")
        elif kind == "label":
            reply = http.put(path, json={"labels": [x for x in args[1].split(",") if x]})
        elif kind == "homepage":  # only a top-level page can be the homepage: move it there
            if record.parent_id is not None:
                http.put(path, json={"parent_id": None}).raise_for_status()
            reply = http.put(f"/__sandbox/spaces/{SPACE}", json={"homepage_id": record.id})
        else:
            raise ValueError(f"unknown operation {op}")
        reply.raise_for_status()
        return True

    def _under(self, page_id: str, ancestor: str) -> bool:
        current = self.sandbox.store.get(page_id)
        while current is not None:
            if current.id == ancestor:
                return True
            current = self.sandbox.store.get(current.parent_id or "")
        return False

    # -- exports ------------------------------------------------------------------------------

    def _export(self, out: Path, *, full: bool) -> None:
        clock = self.sandbox.store.clock
        self.runs += 1
        # The exporter's "now" is the sandbox's, moved past the scan's safety lag each run, so
        # an incremental scan sees only what changed since the last one (as in production).
        clock.advance(SCAN_GAP_S)
        with mock.patch("exporter.run.scan._utcnow", lambda: clock.now()):
            try:
                export(self.config, out=out, format="both", flavor="mkdocs", full=full)
            except PartialExport as error:
                raise AssertionError(f"export of {out.name} was partial: {error}") from error

    def export_incremental(self) -> None:
        self._export(self.inc, full=False)

    def export_full_into_incremental(self) -> None:
        """A ``--full`` run of the incremental folder (what the periodic reconcile does)."""
        self._export(self.inc, full=True)

    def compare(self) -> str:
        """Export incrementally and fully now; the first difference, or ""."""
        self.export_incremental()
        full = self.root / f"full-{self.runs}"
        self._export(full, full=True)
        difference = diff_trees(self.inc, full)
        shutil.rmtree(full, ignore_errors=True)
        return difference


# The site's Recent changes page and feed list the runs that made a folder: an incremental
# folder's runs differ from a fresh full export's by design (tests/pipeline/test_changes.py
# checks them); everything else must be byte for byte the same.
RUN_LOG_PAGES = frozenset({"site/changes.html", "site/changes.xml"})


def diff_trees(a: Path, b: Path) -> str:
    """The first difference between two OUT folders (the state folder aside), or ""."""

    def files(root: Path) -> dict[str, Path]:
        return {
            name: p
            for p in root.rglob("*")
            if p.is_file()
            and ".confluence-export" not in p.relative_to(root).parts
            and (name := p.relative_to(root).as_posix()) not in RUN_LOG_PAGES
        }

    left, right = files(a), files(b)
    for name in sorted(set(left) | set(right)):
        if name not in left or name not in right:
            side = "incremental" if name in left else "full"
            return f"{name}: only in the {side} export"
        x, y = left[name].read_bytes(), right[name].read_bytes()
        if x != y:
            at = next(i for i in range(min(len(x), len(y)) + 1) if x[i : i + 1] != y[i : i + 1])
            lo = max(0, at - 120)
            return (f"{name} differs at byte {at}:\n  incremental: {x[lo:at + 200]!r}\n"
                    f"  full:        {y[lo:at + 200]!r}")  # fmt: skip
    return ""


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
