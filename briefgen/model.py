"""The site model: frozen records, built once per run and then only read.

Templates receive these objects directly; nothing in render may change them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, NamedTuple

EMPTY: Mapping = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Label:
    """A named grouping key: a topic, thread or source, with its URL slug."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class SourceRef:
    name: str
    url: str | None
    key: str


@dataclass(frozen=True, slots=True)
class Event:
    """A dated event a dispatch reports or announces."""

    date: dt.date
    title: str
    dispatch: str
    uid: str


@dataclass(frozen=True, slots=True)
class Dispatch:
    """One dispatch as written, validated; links to others live in `Site`."""

    slug: str
    title: str
    date: dt.date
    moment: dt.datetime
    path: str
    actors: tuple[str, ...]
    topics: tuple[Label, ...] = ()
    thread: str | None = None
    related: tuple[str, ...] = ()
    location: str | None = None
    source: SourceRef | None = None
    summary: str = ""
    summary_given: bool = False
    events: tuple[Event, ...] = ()
    draft: bool = False
    former_slugs: tuple[str, ...] = ()
    extra: Mapping[str, object] = field(default_factory=lambda: EMPTY)
    body_html: str = ""
    mentions: tuple[str, ...] = ()
    words: int = 0
    digest: str = ""
    line_of: Mapping[str, int] = field(default_factory=lambda: EMPTY)

    @property
    def year(self) -> str:
        return f"{self.date.year:04d}"

    @property
    def month(self) -> str:
        return f"{self.date.year:04d}/{self.date.month:02d}"

    @property
    def day(self) -> str:
        return f"{self.date.year:04d}/{self.date.month:02d}/{self.date.day:02d}"


@dataclass(frozen=True, slots=True)
class Actor:
    """A registered or implicit actor; implicit ones come only from dispatch references."""

    id: str
    name: str
    kind: str = "other"
    aliases: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    description: str = ""
    former_ids: tuple[str, ...] = ()
    implicit: bool = False
    path: str = ""
    line: int | None = None


class RelatedLink(NamedTuple):
    """A computed related dispatch and why: shared actors, topics, thread, distance.

    A named tuple, not a dataclass: sixty thousand of them are rebuilt from the cache on
    every build of a 10,000-dispatch site, and a tuple is made five times faster."""

    slug: str
    score: float
    actors: tuple[str, ...]
    topics: tuple[str, ...]
    same_thread: bool
    days_apart: int


@dataclass(frozen=True, slots=True)
class Links:
    """Everything one dispatch page links to beyond its own fields."""

    related: tuple[str, ...] = ()
    referenced_by: tuple[str, ...] = ()
    previous: str | None = None
    next: str | None = None
    computed: tuple[RelatedLink, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    """A topic, thread or source with its dispatches (newest first, threads oldest first)."""

    key: str
    name: str
    dispatches: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActorStats:
    """What an actor page shows beyond the record."""

    dispatches: tuple[str, ...]
    co_actors: tuple[tuple[str, int], ...]
    members: tuple[str, ...]
    threads: tuple[str, ...]
    per_month: tuple[tuple[str, int], ...]
    first: dt.date | None
    last: dt.date | None
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class Redirect:
    """An old URL kept alive: `kind`/`old` points at the live `new` page."""

    kind: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Site:
    """The linked, read-only model of a whole briefing."""

    dispatches: tuple[Dispatch, ...]
    by_slug: Mapping[str, Dispatch]
    actors: Mapping[str, Actor]
    actor_stats: Mapping[str, ActorStats]
    links: Mapping[str, Links]
    topics: Mapping[str, Group]
    threads: Mapping[str, Group]
    sources: Mapping[str, Group]
    dates: Mapping[str, tuple[str, ...]]
    events: tuple[Event, ...]
    redirects: tuple[Redirect, ...] = ()
    today: dt.date = field(default_factory=dt.date.today)
