"""``--synthetic-pages N``: a deterministic, bushy space of realistic pages for benchmarks.

Bodies run 5-20 KB of storage format and use the elements real team docs use (headings, tables,
code and info macros, task lists, page links, images of the page's own attachments, ``&nbsp;``
and CDATA). The same N and attachments-per-page always give the same ids, titles and bytes.
"""

from __future__ import annotations

import functools
import random
import struct
import zlib

from exporter.sandbox.store import ContentRecord, Store

__all__ = ["PERSONAL_SPACES", "SYNTHETIC_KEY", "add_synthetic_space", "tiny_png"]

SYNTHETIC_KEY = "SYN"
PERSONAL_SPACES = 3  # small personal spaces beside SYN, as every real site has some
_SYNTHETIC_USERS = (
    ("557058:5e1f0c00-0000-4000-8000-000000000101", "Priya Raman"),
    ("712020:5e1f0c00-0000-4000-8000-000000000102", "Tomás Ortega"),
    ("557058:5e1f0c00-0000-4000-8000-000000000103", "Mei Lin"),
)
BRANCHING = 6
_WORDS = [
    "deploy",
    "service",
    "cluster",
    "latency",
    "budget",
    "runbook",
    "incident",
    "owner",
    "rollout",
    "canary",
    "cache",
    "queue",
    "schema",
    "migration",
    "backup",
    "restore",
    "alert",
    "dashboard",
    "metric",
    "quota",
    "token",
    "review",
    "release",
    "branch",
    "pipeline",
    "artifact",
    "region",
    "failover",
    "replica",
    "shard",
    "index",
    "payload",
    "webhook",
    "tenant",
    "invoice",
    "ledger",
]
_AREAS = ("Payments", "Search", "Identity", "Billing", "Platform", "Mobile", "Data", "Support")
_KINDS = ("Runbook", "Design", "Postmortem", "How-to", "Decision", "Overview", "Checklist", "FAQ")


@functools.lru_cache(maxsize=128)
def tiny_png(seed: int) -> bytes:
    """A valid 8x8 single-colour PNG (a few hundred bytes), coloured by ``seed``."""
    r, g, b = (seed * 67) % 256, (seed * 151) % 256, (seed * 29) % 256
    raw = b"".join(b"\x00" + bytes((r, g, b)) * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


class _Pools:
    """Pre-generated building blocks, so large spaces build in seconds (still deterministic)."""

    def __init__(self, rng: random.Random) -> None:
        self.paragraphs = [
            "<p>"
            + " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(3, 6)))
            + "</p>"
            for _ in range(160)
        ]
        self.sentences = [_sentence(rng, 6) for _ in range(120)]
        self.tables = [self._table(rng) for _ in range(24)]
        self.codes = [self._code(rng) for _ in range(24)]

    def _table(self, rng: random.Random) -> str:
        rows = "".join(
            f"<tr><td><p>{rng.choice(_AREAS)}</p></td><td><p>{_sentence(rng, 6)}</p></td>"
            f"<td><p>{rng.randint(1, 999)}&nbsp;ms</p></td></tr>"
            for _ in range(rng.randint(4, 10))
        )
        return (
            '<table data-layout="default"><tbody><tr><th><p>Area</p></th><th><p>Notes</p></th>'
            f"<th><p>p99</p></th></tr>{rows}</tbody></table>"
        )

    @staticmethod
    def _code(rng: random.Random) -> str:
        lines = "\n".join(
            f'run("{rng.choice(_WORDS)}", retries={rng.randint(1, 5)})  # <{i}> & more'
            for i in range(8)
        )
        return (
            '<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">'
            f"python</ac:parameter><ac:plain-text-body><![CDATA[{lines}]]></ac:plain-text-body>"
            "</ac:structured-macro>"
        )

    def tasks(self, rng: random.Random, n: int) -> str:
        items = "".join(
            f"<ac:task><ac:task-id>{i + 1}</ac:task-id><ac:task-status>"
            f"{'complete' if rng.random() < 0.5 else 'incomplete'}</ac:task-status>"
            f"<ac:task-body>{rng.choice(self.sentences)}</ac:task-body></ac:task>"
            for i in range(n)
        )
        return f"<ac:task-list>{items}</ac:task-list>"


def _body(
    rng: random.Random, pools: _Pools, title: str, links: list[str], images: list[str]
) -> str:
    """A storage body of roughly 5-20 KB."""
    target = rng.randint(5000, 20000)
    parts = [
        '<ac:structured-macro ac:name="info" ac:schema-version="1"><ac:rich-text-body>'
        f"<p>This page describes <strong>{title}</strong>.</p></ac:rich-text-body></ac:structured-macro>"
    ]
    size = len(parts[0])
    section = 0
    while size < target:
        section += 1
        chunk = [
            f"<h2>Section {section}: {rng.choice(_WORDS).title()}</h2>",
            rng.choice(pools.paragraphs),
            rng.choice(pools.paragraphs),
        ]
        roll = rng.random()
        if roll < 0.3:
            chunk.append(rng.choice(pools.tables))
        elif roll < 0.5:
            chunk.append(rng.choice(pools.codes))
        elif roll < 0.65:
            chunk.append(pools.tasks(rng, rng.randint(2, 5)))
        if links and rng.random() < 0.5:
            chunk.append(
                f'<p>See <ac:link><ri:page ri:content-title="{rng.choice(links)}"/></ac:link> for details.</p>'
            )
        if images and section <= len(images):
            chunk.append(
                f'<p><ac:image ac:width="320"><ri:attachment ri:filename="{images[section - 1]}"/>'
                "</ac:image></p>"
            )
        text = "".join(chunk)
        parts.append(text)
        size += len(text)
    return "".join(parts)


def add_synthetic_space(
    store: Store, pages: int, attachments_per_page: float = 0.0, seed: int = 7
) -> None:
    """Add space ``SYN`` with ``pages`` pages (a tree ``BRANCHING`` wide) and their attachments."""
    if pages <= 0:
        return
    rng = random.Random(seed)
    pools = _Pools(rng)
    store.add_space(SYNTHETIC_KEY, "Synthetic Handbook", "Generated for benchmarks")
    records: list[ContentRecord] = []
    titles: list[str] = []
    for i in range(pages):
        titles.append(
            f"{_KINDS[i % len(_KINDS)]} {i:05d}: {_AREAS[(i // 3) % len(_AREAS)]} {rng.choice(_WORDS)}"
        )
    for i in range(pages):
        parent = records[(i - 1) // BRANCHING].id if i else None
        count = int(attachments_per_page) + (1 if rng.random() < attachments_per_page % 1 else 0)
        images = [f"figure-{i}-{n}.png" for n in range(count)]
        neighbours = [
            titles[j] for j in (i - 1, i + 1, (i * 7) % pages) if 0 <= j < pages and j != i
        ]
        body = _body(rng, pools, titles[i], neighbours, images)
        labels = [rng.choice(_WORDS)] if rng.random() < 0.4 else []
        record = store.add_content(SYNTHETIC_KEY, titles[i], body, parent_id=parent, labels=labels)
        records.append(record)
        for n, name in enumerate(images):
            store.add_attachment(record.id, name, tiny_png((i * 31 + n) % 97), "image/png")
    _add_personal_spaces(store, rng, pools)


def _add_personal_spaces(store: Store, rng: random.Random, pools: _Pools) -> None:
    """A few users' personal spaces (``~<account id>``), two small pages each."""
    from exporter.sandbox.seed import personal_space_key

    for account_id, name in _SYNTHETIC_USERS[:PERSONAL_SPACES]:
        if account_id not in store.users:
            store.add_user(account_id, name)
        key = personal_space_key(account_id)
        if key in store.spaces:
            continue
        store.add_space(key, name, "Personal notes", type="personal", author=account_id)
        home = store.add_content(
            key, name, "".join(rng.sample(pools.paragraphs, 2)), author=account_id
        )
        body = rng.choice(pools.paragraphs) + pools.tasks(rng, 3)
        store.add_content(key, f"Notes of {name}", body, parent_id=home.id, author=account_id)
