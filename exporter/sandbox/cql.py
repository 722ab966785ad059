"""The CQL subset exporters use: ``type``, ``space``, ``ancestor``, ``parent``, ``id``/``content``,
``title``, ``label``, ``lastmodified``, ``created``, ``creator``, ``text``, ``status``; operators
``= != ~ !~ > >= < <= in``/``not in``; ``and``/``or``/``not``, parentheses and ``order by``.

Malformed queries raise :class:`CQLError`, which the v1 layer answers with a 400 as Confluence does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from exporter.sandbox.store import AttachmentRecord, ContentRecord, Store

__all__ = ["CQLError", "Query", "parse", "search"]

Item = ContentRecord | AttachmentRecord
Predicate = Callable[[Item], bool]

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    r"""|(?P<op>!=|!~|>=|<=|=|~|>|<|\(|\)|,)"""
    r"""|(?P<word>[^\s"'=!~<>(),]+))"""
)
_KEYWORDS = {"and", "or", "not", "in", "order", "by", "asc", "desc"}
_FIELDS = {
    "type",
    "space",
    "space.key",
    "ancestor",
    "parent",
    "id",
    "content",
    "title",
    "label",
    "lastmodified",
    "created",
    "creator",
    "text",
    "status",
}


class CQLError(ValueError):
    """The query is not valid CQL (or uses something the sandbox does not implement)."""


@dataclass(frozen=True)
class Query:
    predicate: Predicate
    order: tuple[tuple[str, bool], ...]  # (field, descending)
    mentions_status: bool


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CQLError(f"Could not parse cql : {text}")
        pos = m.end()
        if m.group("str") is not None:
            raw = m.group("str")[1:-1]
            out.append(("str", re.sub(r"\\(.)", r"\1", raw)))
        elif m.group("op") is not None:
            out.append(("op", m.group("op")))
        elif m.group("word") is not None:
            word = m.group("word")
            out.append(("kw", word.lower()) if word.lower() in _KEYWORDS else ("word", word))
    return out


def _parse_date(value: str, now: datetime) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise CQLError(f"Could not parse cql : invalid date {value!r}")


class _Parser:
    def __init__(
        self, text: str, store: Store, now: datetime, account_id: str, space_key: str = ""
    ) -> None:
        self.space_key = space_key
        self.tokens = _tokens(text)
        self.pos = 0
        self.text = text
        self.store = store
        self.now = now
        self.account_id = account_id
        self.mentions_status = False

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise CQLError(f"Could not parse cql : {self.text} (unexpected end)")
        self.pos += 1
        return tok

    def error(self, what: str) -> CQLError:
        return CQLError(f"Could not parse cql : {self.text} ({what})")

    def query(self) -> Query:
        pred: Predicate = (
            (lambda item: True) if self.peek() in (None, ("kw", "order")) else self.or_()
        )
        order: list[tuple[str, bool]] = []
        if self.peek() == ("kw", "order"):
            self.take()
            if self.take() != ("kw", "by"):
                raise self.error("expected BY")
            while True:
                kind, name = self.take()
                if kind != "word":
                    raise self.error("expected a field after ORDER BY")
                desc = False
                if self.peek() in (("kw", "asc"), ("kw", "desc")):
                    desc = self.take()[1] == "desc"
                order.append((name.lower(), desc))
                if self.peek() != ("op", ","):
                    break
                self.take()
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return Query(pred, tuple(order), self.mentions_status)

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.peek() == ("kw", "or"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else (lambda item: any(p(item) for p in parts))

    def and_(self) -> Predicate:
        parts = [self.not_()]
        while self.peek() == ("kw", "and"):
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else (lambda item: all(p(item) for p in parts))

    def not_(self) -> Predicate:
        if self.peek() == ("kw", "not"):
            self.take()
            inner = self.not_()
            return lambda item: not inner(item)
        if self.peek() == ("op", "("):
            self.take()
            inner = self.or_()
            if self.take() != ("op", ")"):
                raise self.error("expected )")
            return inner
        return self.clause()

    def value(self) -> str:
        kind, val = self.take()
        if kind not in ("str", "word"):
            raise self.error(f"expected a value, got {val!r}")
        if kind == "word" and self.peek() == ("op", "("):
            self.take()
            args: list[str] = []
            while self.peek() != ("op", ")"):
                args.append(self.take()[1])
                if self.peek() == ("op", ","):
                    self.take()
            self.take()
            return self.function(val.lower(), args)
        return val

    def function(self, name: str, args: list[str]) -> str:
        if name == "currentuser":
            return self.account_id
        if name == "currentspace":
            if not self.space_key:
                raise self.error("currentSpace() needs a space context")
            return self.space_key
        if name in ("now", "startofday"):
            when = self.now
            if args:
                m = re.fullmatch(r"([+-]?\d+)([mhdw])", args[0].strip())
                if not m:
                    raise self.error(f"bad offset {args[0]!r}")
                unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[m.group(2)]
                when += timedelta(**{unit: int(m.group(1))})
            if name == "startofday":
                when = when.replace(hour=0, minute=0)
            return when.strftime("%Y-%m-%d %H:%M")
        raise self.error(f"unsupported function {name}()")

    def clause(self) -> Predicate:
        kind, field = self.take()
        field = field.lower()
        if kind != "word" or field not in _FIELDS:
            raise self.error(f"unknown field {field!r}")
        op = self.take()
        if op == ("kw", "not"):
            if self.take() != ("kw", "in"):
                raise self.error("expected IN after NOT")
            operator = "not in"
        elif op == ("kw", "in"):
            operator = "in"
        elif op[0] == "op" and op[1] in ("=", "!=", "~", "!~", ">", ">=", "<", "<="):
            operator = op[1]
        else:
            raise self.error(f"expected an operator after {field}")
        if operator in ("in", "not in"):
            if self.take() != ("op", "("):
                raise self.error("expected ( after IN")
            values = [self.value()]
            while self.peek() == ("op", ","):
                self.take()
                values.append(self.value())
            if self.take() != ("op", ")"):
                raise self.error("expected )")
        else:
            values = [self.value()]
        if field == "status":
            self.mentions_status = True
        return self.compile(field, operator, values)

    def compile(self, field: str, op: str, values: list[str]) -> Predicate:
        if field in ("lastmodified", "created"):
            if op not in (">", ">=", "<", "<=", "="):
                raise self.error(f"{field} needs a comparison operator")
            limit = _parse_date(values[0], self.now)
            getter = _modified if field == "lastmodified" else _created
            compare: dict[str, Callable[[datetime], bool]] = {
                ">": lambda d: d > limit,
                ">=": lambda d: d >= limit,
                "<": lambda d: d < limit,
                "<=": lambda d: d <= limit,
                "=": lambda d: limit <= d < limit + timedelta(days=1),
            }
            check = compare[op]
            return lambda item: check(getter(item))
        getter_multi = self.getter(field)
        wanted = [v.lower() for v in values] if field in ("title", "type", "text") else values
        if op in ("~", "!~"):
            needle = wanted[0].lower().strip("*")

            def contains(item: Item) -> bool:
                return any(needle in str(v).lower() for v in getter_multi(item))

            return contains if op == "~" else (lambda item: not contains(item))

        def matches(item: Item) -> bool:
            have = getter_multi(item)
            if field in ("title", "type", "text"):
                have = [str(v).lower() for v in have]
            return any(v in have for v in wanted)

        if op in ("=", "in"):
            return matches
        if op in ("!=", "not in"):
            return lambda item: not matches(item)
        raise self.error(f"operator {op} is not supported for {field}")

    def getter(self, field: str) -> Callable[[Item], list[Any]]:
        store = self.store

        def container(item: Item) -> ContentRecord | None:
            return store.get(item.container_id) if isinstance(item, AttachmentRecord) else item

        def ancestors(item: Item) -> list[str]:
            rec = container(item)
            if rec is None:
                return []
            chain = [a.id for a in store.ancestors(rec)]
            return [*chain, rec.id] if isinstance(item, AttachmentRecord) else chain

        getters: dict[str, Callable[[Item], list[Any]]] = {
            "type": lambda i: ["attachment" if isinstance(i, AttachmentRecord) else i.type],
            "space": lambda i: [c.space_key] if (c := container(i)) else [],
            "ancestor": ancestors,
            "parent": lambda i: [i.parent_id] if isinstance(i, ContentRecord) else [i.container_id],
            "id": lambda i: [i.id, i.id.removeprefix("att")],
            "title": lambda i: [i.title],
            "label": lambda i: (
                [lab.name for lab in i.labels] if isinstance(i, ContentRecord) else []
            ),
            "creator": lambda i: [
                i.author_id if isinstance(i, ContentRecord) else i.versions[0].author_id
            ],
            "text": lambda i: [i.title + " " + (i.body if isinstance(i, ContentRecord) else "")],
            "status": lambda i: [i.status],
        }
        getters["space.key"] = getters["space"]
        getters["content"] = getters["id"]
        return getters[field]


def _modified(item: Item) -> datetime:
    return item.version.created_at if isinstance(item, ContentRecord) else item.current.created_at


def _created(item: Item) -> datetime:
    return item.created_at


def parse(cql: str, store: Store, account_id: str = "", space_key: str = "") -> Query:
    """Compile a CQL string against a store (``now()``, ``currentUser()``, ``currentSpace()``)."""
    return _Parser(cql, store, store.clock.now(), account_id, space_key).query()


_ORDER_KEYS: dict[str, Callable[[Item], Any]] = {
    "title": lambda i: i.title.lower(),
    "created": _created,
    "lastmodified": _modified,
    "id": lambda i: int(i.id.removeprefix("att")),
    "type": lambda i: "attachment" if isinstance(i, AttachmentRecord) else i.type,
}


def search(store: Store, cql: str, account_id: str = "", space_key: str = "") -> list[Item]:
    """Every item (pages, folders, blog posts, attachments) the query selects, ordered.

    Results are cached per store revision, so walking a long result page by page stays cheap;
    queries using ``now()`` are never cached.
    """
    cache = store.cql_cache
    key = (store.revision, cql, account_id + "|" + space_key)
    if key in cache and "now(" not in cql.lower():
        return cache[key]
    if len(cache) > 256:
        cache.clear()
    cache[key] = found = _search(store, cql, account_id, space_key)
    return found


def _search(store: Store, cql: str, account_id: str, space_key: str) -> list[Item]:
    query = parse(cql, store, account_id, space_key)
    with store.lock:
        items: list[Item] = [*store.content.values(), *store.attachments.values()]
        if not query.mentions_status:
            items = [i for i in items if i.status == "current" and _container_live(store, i)]
        items = [i for i in items if query.predicate(i)]
    items.sort(key=_ORDER_KEYS["id"])
    for name, desc in reversed(query.order):
        key = _ORDER_KEYS.get(name)
        if key is None:
            raise CQLError(f"Could not parse cql : cannot order by {name}")
        items.sort(key=key, reverse=desc)
    return items


def _container_live(store: Store, item: Item) -> bool:
    if isinstance(item, AttachmentRecord):
        page = store.get(item.container_id)
        return page is not None and page.status == "current"
    return True
