"""The planned shape of the docs folder: where every page lives and in which order.

``plan_layout`` turns the walker's ``NavTree`` into a ``Layout``: one ``Entry`` per exported page
plus generated listing pages (the top index, space indexes without a homepage, blog indexes),
each with its Markdown file relative to ``docs/`` and its 1-based position among siblings.
The writer, the link resolver and the per-flavor nav files all read this one plan, so a link
always points where the file is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from exporter.errors import OutputError
from exporter.models import FLAVORS, NavNode, NavTree, Page, SpaceTree
from exporter.slugs import MAX_RELPATH, MAX_SLUG, slugify, with_suffix_id

__all__ = ["FLAVORS", "Entry", "EntryKind", "Layout", "index_name", "plan_layout"]

EntryKind = Literal["home", "space", "page", "folder", "blogpost", "blog", "year"]
ROOT_KEY = "home"
_RESERVED = frozenset({"index", "readme"})  # taken by each folder's index page
_DOCS_PREFIX = len("docs/")
_ATTACHMENT_RESERVE = len("/index.assets/") + 40  # a typical attachment name below a page


def index_name(flavor: str) -> str:
    """The file name of a folder's index page: ``README.md`` for gfm, else ``index.md``."""
    return "README.md" if flavor == "gfm" else "index.md"


@dataclass(frozen=True, slots=True)
class Entry:
    """One page of the docs folder: exported from Confluence or generated as a listing.

    ``key`` is the Confluence id for real pages and ``home``, ``space:KEY``, ``blog:KEY``,
    ``blog:KEY:YYYY`` for generated ones. ``path`` is the Markdown file relative to ``docs/``.
    """

    key: str
    kind: EntryKind
    title: str
    path: PurePosixPath
    space_key: str | None
    position: int
    parent: str | None
    children: tuple[str, ...] = ()
    page: Page | None = None

    @property
    def is_index(self) -> bool:
        """True when this entry is its folder's index page (``x/index.md``)."""
        return self.path.name in ("index.md", "README.md")

    @property
    def assets_dir(self) -> PurePosixPath:
        """Where this page's attachments live: ``<file stem>.assets/`` beside the file."""
        return self.path.parent / f"{self.path.stem}.assets"


@dataclass(frozen=True, slots=True)
class Layout:
    """Every planned entry, by key, plus lookups the link resolver needs."""

    flavor: str
    entries: Mapping[str, Entry]
    by_title: Mapping[tuple[str, str], str] = field(default_factory=dict)
    blog_by_day: Mapping[tuple[str, str, str], str] = field(default_factory=dict)

    @property
    def root(self) -> Entry:
        """The top index page (``docs/index.md``, ``docs/README.md`` for gfm)."""
        return self.entries[ROOT_KEY]

    def get(self, key: str) -> Entry | None:
        """The entry for a page id or generated key, None when it is not exported."""
        return self.entries.get(key)

    def walk(self, key: str = ROOT_KEY) -> Iterator[Entry]:
        """Entries depth first in navigation order, starting at ``key``."""
        entry = self.entries[key]
        yield entry
        for child in entry.children:
            yield from self.walk(child)

    def children_of(self, key: str) -> tuple[Entry, ...]:
        """The entries listed under ``key``, in order."""
        return tuple(self.entries[k] for k in self.entries[key].children)

    def ancestors(self, key: str) -> tuple[Entry, ...]:
        """From the root down to the parent of ``key``."""
        chain: list[Entry] = []
        parent = self.entries[key].parent
        while parent is not None:
            chain.append(self.entries[parent])
            parent = self.entries[parent].parent
        return tuple(reversed(chain))


def _id_order(ident: str) -> tuple[int, int, str]:
    """Order ids numerically when they are numbers (older Confluence content first)."""
    return (0, int(ident), "") if ident.isdigit() else (1, 0, ident)


class _Planner:
    """Builds a ``Layout``; one instance per plan."""

    def __init__(self, flavor: str) -> None:
        if flavor not in FLAVORS:
            raise OutputError(f"Unknown flavor {flavor!r}. Use one of: {', '.join(FLAVORS)}.")
        self.flavor = flavor
        self.index = index_name(flavor)
        self.entries: dict[str, Entry] = {}
        self.by_title: dict[tuple[str, str], str] = {}
        self.blog_by_day: dict[tuple[str, str, str], str] = {}
        self._depth: dict[str, tuple[int, int]] = {}

    def depth(self, node: NavNode) -> tuple[int, int]:
        """(levels, characters) of the longest path below and including ``node``, full slugs."""
        known = self._depth.get(node.page.id)
        if known is None:
            below = [self.depth(c) for c in node.children]
            levels = 1 + max((d[0] for d in below), default=0)
            own = len(slugify(node.page.title)) + 1
            known = (levels, own + max((d[1] for d in below), default=len("index.md")))
            self._depth[node.page.id] = known
        return known

    def names(
        self,
        items: list[tuple[str, str]],
        folder: PurePosixPath,
        reserved: set[str],
        depth: tuple[int, int] = (1, 0),
    ) -> dict[str, str]:
        """Unique, case-insensitively distinct names for ``(key, title)`` items in one folder.

        The item with the lowest id keeps the plain slug; the others get ``<slug>-<id>``, so a
        new page with a duplicate title never renames the older one. When the deepest path
        below (``depth``: levels, characters) would not fit ``MAX_RELPATH``, each level gets
        an equal share of the room left.
        """
        remaining = MAX_RELPATH - _DOCS_PREFIX - len(str(folder)) - 1 - _ATTACHMENT_RESERVE
        levels, chars = depth
        cap = MAX_SLUG if chars <= remaining else min(MAX_SLUG, remaining // levels - 1)
        slugs = {key: slugify(title, max_length=max(cap, 8)) for key, title in items}
        taken = set(reserved)
        names: dict[str, str] = {}
        losers: list[str] = []
        for key in sorted(slugs, key=lambda k: (slugs[k], _id_order(k))):
            if cap < 8:
                names[key] = slugify(key)  # extremely deep trees: the id alone
            elif slugs[key] not in taken:
                names[key] = slugs[key]
            else:
                losers.append(key)
                continue
            taken.add(names[key])
        for key in losers:
            name, n = with_suffix_id(slugs[key], key), 1
            while name in taken:
                n += 1
                name = with_suffix_id(slugs[key], f"{key}-{n}")
            names[key] = name
            taken.add(name)
        return names

    def add(self, entry: Entry) -> None:
        if len(str(entry.path)) + _DOCS_PREFIX > MAX_RELPATH:
            raise OutputError(
                f"The page tree under {entry.title!r} is too deep to keep paths under "
                f"{MAX_RELPATH} characters. Export that subtree on its own (spaces: "
                "[{key: ..., root: <page id>}])."
            )
        self.entries[entry.key] = entry
        if entry.page is not None and entry.space_key and entry.kind != "blogpost":
            self.by_title.setdefault((entry.space_key, entry.page.title), entry.key)

    def place_nodes(
        self,
        nodes: tuple[NavNode, ...],
        folder: PurePosixPath,
        parent: str,
        space_key: str,
        reserved: set[str],
    ) -> list[str]:
        """Place sibling nodes in ``folder``; returns their keys in order."""
        if not nodes:
            return []
        depths = [self.depth(n) for n in nodes]
        depth = (max(d[0] for d in depths), max(d[1] for d in depths))
        names = self.names([(n.page.id, n.page.title) for n in nodes], folder, reserved, depth)
        keys: list[str] = []
        for pos, node in enumerate(nodes, start=1):
            page, name = node.page, names[node.page.id]
            if node.children or page.kind == "folder":
                sub = folder / name
                kids = self.place_nodes(node.children, sub, page.id, space_key, set(_RESERVED))
                path = sub / self.index
            else:
                kids, path = [], folder / f"{name}.md"
            kind: EntryKind = "folder" if page.kind == "folder" else "page"
            self.add(
                Entry(page.id, kind, page.title, path, space_key, pos, parent, tuple(kids), page)
            )
            keys.append(page.id)
        return keys

    def place_blog(self, tree: SpaceTree, folder: PurePosixPath, parent: str, position: int) -> str:
        """Blog posts under ``<space>/blog/<yyyy>/<slug>.md``, newest year and post first."""
        space_key = tree.space.key
        blog_key = f"blog:{space_key}"
        years: dict[str, list[Page]] = {}
        for post in tree.blogposts:
            years.setdefault(_post_day(post)[:4], []).append(post)
        year_keys: list[str] = []
        for ypos, year in enumerate(sorted(years, reverse=True), start=1):
            posts = sorted(years[year], key=lambda p: (_post_day(p), _id_order(p.id)), reverse=True)
            ydir = folder / "blog" / year
            names = self.names([(p.id, p.title) for p in posts], ydir, set(_RESERVED))
            ykey = f"{blog_key}:{year}"
            for pos, post in enumerate(posts, start=1):
                path = ydir / f"{names[post.id]}.md"
                self.add(
                    Entry(post.id, "blogpost", post.title, path, space_key, pos, ykey, (), post)
                )
                self.blog_by_day[(space_key, post.title, _post_day(post))] = post.id
            ids = tuple(p.id for p in posts)
            self.add(Entry(ykey, "year", year, ydir / self.index, space_key, ypos, blog_key, ids))
            year_keys.append(ykey)
        path = folder / "blog" / self.index
        self.add(
            Entry(blog_key, "blog", "Blog", path, space_key, position, parent, tuple(year_keys))
        )
        return blog_key

    def place_space(self, tree: SpaceTree, folder: PurePosixPath, position: int) -> str:
        """A space folder: the homepage as its index, its children directly inside."""
        space = tree.space
        home = next((r for r in tree.roots if r.page.id == space.homepage_id), None)
        others = tuple(r for r in tree.roots if r is not home)
        siblings = (home.children if home else ()) + others
        key = home.page.id if home else f"space:{space.key}"
        reserved = set(_RESERVED) | ({"blog"} if tree.blogposts else set())
        kids = self.place_nodes(siblings, folder, key, space.key, reserved)
        if tree.blogposts:
            kids.append(self.place_blog(tree, folder, key, len(kids) + 1))
        page = home.page if home else None
        title = page.title if page else (space.name or space.key)
        path = folder / self.index
        self.add(Entry(key, "space", title, path, space.key, position, ROOT_KEY, tuple(kids), page))
        return key


def _post_day(post: Page) -> str:
    """A blog post's posting day as ``YYYY/MM/DD`` (from created, else updated)."""
    stamp = post.created or post.updated
    if len(stamp) >= 10 and stamp[:4].isdigit():
        return f"{stamp[:4]}/{stamp[5:7]}/{stamp[8:10]}"
    return "undated"


def plan_layout(tree: NavTree, flavor: str, *, title: str = "Documentation") -> Layout:
    """Plan every page's file from the walker's tree, keeping Confluence's order."""
    planner = _Planner(flavor)
    root = PurePosixPath()
    names = planner.names(
        [(t.space.id or t.space.key, t.space.key) for t in tree.spaces], root, set(_RESERVED)
    )
    keys = []
    for pos, space_tree in enumerate(tree.spaces, start=1):
        folder = PurePosixPath(names[space_tree.space.id or space_tree.space.key])
        keys.append(planner.place_space(space_tree, folder, pos))
    planner.add(Entry(ROOT_KEY, "home", title, root / planner.index, None, 1, None, tuple(keys)))
    return Layout(flavor, dict(planner.entries), planner.by_title, planner.blog_by_day)
