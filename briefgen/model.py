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
    """A named grouping key: a topic, thread, source or taxonomy term, with its URL slug."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Facet:
    """One way of grouping dispatches: topics, threads, sources, or a taxonomy config.yaml
    declares. Every facet gets the same pages (`/KEY/`, `/KEY/TERM/`) from one producer;
    only what differs between them is said here."""

    key: str
    """The first URL segment, and the facet's key in `Site.facets`."""
    field: str
    """The front-matter key its terms are read from."""
    title: str
    index_kind: str
    """The page kind (and URL kind) of `/KEY/`."""
    kind: str
    """The page kind (and URL kind) of `/KEY/TERM/`."""
    feed_kind: str | None
    """The URL kind of `/KEY/TERM/feed.xml`; None for a facet without feeds."""
    paged: bool = True
    oldest_first: bool = False
    """Terms list their dispatches in date order (a thread's story), not newest first."""
    declared: bool = False
    """Declared in config.yaml: its URL kinds are shared by every taxonomy, so its URL
    keys carry the taxonomy (`regions/europe`), and its templates are the generic ones."""

    def ref(self, term: str | None = None) -> str | None:
        """The key `Urls` takes for the facet's index (no term) or a term's pages."""
        if not self.declared:
            return term
        return self.key if term is None else f"{self.key}/{term}"

    @property
    def index_template(self) -> str:
        return "taxonomy.html" if self.declared else f"{self.key}.html"

    @property
    def template(self) -> str:
        return "term.html" if self.declared else f"{self.kind}.html"


TOPICS = Facet("topics", "topics", "Topics", "topics", "topic", "topic_feed")
THREADS = Facet("threads", "thread", "Threads", "threads", "thread", "thread_feed", paged=False, oldest_first=True)
SOURCES = Facet("sources", "source", "Sources", "sources", "source", None)
BUILT_IN: tuple[Facet, ...] = (TOPICS, THREADS, SOURCES)


def taxonomy(name: str) -> Facet:
    """The facet of a taxonomy config.yaml declares: its terms are a front-matter list
    under its own name, made into slugs as topics are."""
    title = name.replace("-", " ").capitalize()
    return Facet(name, name, title, "taxonomy", "term", "term_feed", declared=True)


def facet_of(key: str) -> Facet:
    """The facet whose terms are `Site.facets[key]`: a built-in one, or a declared taxonomy
    (config.yaml may not declare a built-in facet's key)."""
    return next((f for f in BUILT_IN if f.key == key), None) or taxonomy(key)


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
class Correction:
    """A correction made to a dispatch after it was published, and on which day."""

    date: dt.date
    text: str


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
    thread_name: str | None = None
    """The thread's name as the front matter wrote it (`Al Jaber science row`), when it
    gave a name rather than the thread's id."""
    related: tuple[str, ...] = ()
    location: str | None = None
    source: SourceRef | None = None
    summary: str = ""
    summary_given: bool = False
    events: tuple[Event, ...] = ()
    draft: bool = False
    former_slugs: tuple[str, ...] = ()
    image: str | None = None
    """Its picture for previews and feeds, as written (see `fields.image`)."""
    updated: dt.datetime | None = None
    """When it was last revised, if it was after it was published."""
    corrections: tuple[Correction, ...] = ()
    extra: Mapping[str, object] = field(default_factory=lambda: EMPTY)
    body_html: str = ""
    mentions: tuple[str, ...] = ()
    words: int = 0
    digest: str = ""
    line_of: Mapping[str, int] = field(default_factory=lambda: EMPTY)

    def modified(self) -> dt.datetime:
        """When it last changed: when it was published, revised (`updated`) or corrected
        (the start of the correction's day), whichever is latest."""
        changes = [self.moment, *([self.updated] if self.updated else [])]
        changes += [dt.datetime.combine(c.date, dt.time(), self.moment.tzinfo) for c in self.corrections]
        return max(changes)

    def labels(self, key: str) -> tuple[Label, ...]:
        """The terms under a front-matter list key (`topics`, or a declared taxonomy's, which
        `link` has checked), as labels; a taxonomy's stay in `extra`, as config.yaml, not
        the file, says which keys are taxonomies."""
        if key == "topics":
            return self.topics
        from briefgen.fields import labels  # fields builds on this module

        value = self.extra.get(key)
        return () if value is None else labels(value)

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


class Connection(NamedTuple):
    """Another dispatch one is connected to, with every reason at once: a page lists it
    in one place and says all of them there."""

    slug: str
    same_thread: bool
    linked: bool
    """This dispatch's `related` names it."""
    linked_from: bool
    """Its `related` names this dispatch."""
    computed: RelatedLink | None
    """Scored among the most related (shared actors, topics, how far apart), if it was."""


@dataclass(frozen=True, slots=True)
class Links:
    """Everything one dispatch page links to beyond its own fields."""

    related: tuple[str, ...] = ()
    referenced_by: tuple[str, ...] = ()
    previous: str | None = None
    next: str | None = None
    computed: tuple[RelatedLink, ...] = ()
    connections: tuple[Connection, ...] = ()
    """Every dispatch of the three lists above, once: linked ones, then linking ones, then
    the computed ones by score."""

    def connection(self, slug: str) -> Connection | None:
        """How this dispatch is connected to `slug`, if it is."""
        return next((c for c in self.connections if c.slug == slug), None)


@dataclass(frozen=True, slots=True)
class Group:
    """A term of a facet (a topic, thread, source …) with its dispatches (newest first,
    threads oldest first)."""

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
    facets: Mapping[str, Mapping[str, Group]]
    """Each facet's terms by slug, under the facet's key: built-in facets first, then the
    declared taxonomies in config order."""
    dates: Mapping[str, tuple[str, ...]]
    events: tuple[Event, ...]
    redirects: tuple[Redirect, ...] = ()
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def topics(self) -> Mapping[str, Group]:
        return self.facets[TOPICS.key]

    @property
    def threads(self) -> Mapping[str, Group]:
        return self.facets[THREADS.key]

    @property
    def sources(self) -> Mapping[str, Group]:
        return self.facets[SOURCES.key]

    @property
    def taxonomies(self) -> tuple[Facet, ...]:
        """The facets config.yaml declares, in its order."""
        return tuple(f for f in map(facet_of, self.facets) if f.declared)
