"""Fuzzing the storage parser and converter for a fixed time budget (``bench/reliability.py``).

Two engines: hypothesis, searching the structured documents of ``storage_strategies`` for a
minimal input that breaks a converter property, and atheris (when installed), mutating raw
bytes seeded from the golden and sample bodies and reporting inputs that make it raise. Every
new finding is written to ``tests/reliability/regressions/`` with an entry in ``index.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REGRESSIONS = Path(__file__).parent / "regressions"
ROOT = Path(__file__).resolve().parents[2]
SEEDS = [
    *sorted((ROOT / "tests" / "golden").glob("*/input.xml")),
    *sorted((ROOT / "exporter" / "sandbox" / "sample" / "spaces").glob("*/bodies/*.xml")),
    *sorted((ROOT / "tests" / "seeds" / "hostile" / "spaces").glob("*/bodies/*.xml")),
]


def record(xml: str, info: dict[str, Any]) -> str | None:
    """Save a finding as ``<engine>-<hash>.xml`` unless an equal input is already kept."""
    REGRESSIONS.mkdir(exist_ok=True)
    index_path = REGRESSIONS / "index.json"
    index = json.loads(index_path.read_text("utf-8")) if index_path.exists() else {}
    name = f"{info['engine']}-{hashlib.sha256(xml.encode()).hexdigest()[:10]}.xml"
    if name in index:
        return None
    (REGRESSIONS / name).write_text(xml, encoding="utf-8")
    index[name] = {"found": time.strftime("%Y-%m-%d"), **info}
    index_path.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n", "utf-8")
    return name


def hypothesis_fuzz(seconds: float) -> dict[str, Any]:
    """Search for minimal property violations until ``seconds`` pass; one finding per kind."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    from exporter.convert import FLAVORS

    from .storage_strategies import known_bug, problem, signature, storage_documents

    seen: set[str] = set()
    findings: list[str] = []
    searches = 0
    strategy = st.tuples(storage_documents(), st.sampled_from(sorted(FLAVORS)))
    options = settings(
        max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    started = time.monotonic()

    def bad(pair: Any) -> bool:
        doc, flavor = pair
        if time.monotonic() - started > seconds:
            return False
        kind = problem(doc.xml, doc.words, flavor)
        return kind is not None and signature(doc.xml, kind) not in seen and not known_bug(doc.xml)

    while time.monotonic() - started < seconds:
        searches += 1
        try:
            doc, flavor = find(strategy, bad, settings=options)
        except NoSuchExample:
            continue
        kind = problem(doc.xml, doc.words, flavor) or "unknown"
        seen.add(signature(doc.xml, kind))
        saved = record(doc.xml, {"engine": "hypothesis", "problem": f"{kind} ({flavor})",
                                 "words": list(doc.words)})  # fmt: skip
        if saved:
            findings.append(saved)
    return {"engine": "hypothesis", "seconds": round(time.monotonic() - started, 1),
            "searches": searches, "findings": findings}  # fmt: skip


ATHERIS_TARGET = r"""
import sys, atheris
with atheris.instrument_imports():
    from exporter.convert import convert_storage
FLAVORS = ["gfm", "mkdocs", "docusaurus", "obsidian"]
def one(data):
    flavor = FLAVORS[data[0] % 4] if data else "gfm"
    convert_storage(data[1:].decode("utf-8", "replace"), flavor=flavor)
atheris.Setup(sys.argv, one)
atheris.Fuzz()
"""


def atheris_fuzz(seconds: float, workdir: Path) -> dict[str, Any]:
    """Run atheris over ``convert_storage`` for ``seconds``; crashes become regression inputs."""
    try:
        import atheris  # noqa: F401
    except ImportError:
        return {"engine": "atheris", "skipped": "atheris is not installed (pip install atheris)"}
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS:
        (corpus / seed.name).write_bytes(b"\x00" + seed.read_bytes())
    target = workdir / "target.py"
    target.write_text(ATHERIS_TARGET, encoding="utf-8")
    crashes = workdir / "crashes"
    crashes.mkdir(exist_ok=True)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(target), f"-max_total_time={int(seconds)}", "-timeout=20",
         "-rss_limit_mb=4096", f"-artifact_prefix={crashes}/", "-max_len=65536", str(corpus)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    runs = [line for line in proc.stderr.splitlines() if line.startswith("#")]
    errors = [
        line
        for line in (proc.stdout + proc.stderr).splitlines()
        if re.match(r"^\w+(Error|Exception)\b", line)
    ]
    reason = errors[-1][:300] if errors else f"exit {proc.returncode}"
    findings = []
    for crash in sorted(crashes.iterdir()):
        data = crash.read_bytes()[1:].decode("utf-8", "replace")
        saved = record(data, {"engine": "atheris", "problem": f"raises {reason}"})
        if saved:
            findings.append(saved)
    return {"engine": "atheris", "seconds": round(time.monotonic() - started, 1),
            "executions": runs[-1].split()[0] if runs else "", "exit": proc.returncode,
            "findings": findings}  # fmt: skip
