"""Editorial QA for `briefgen check --strict`: heuristics over the linked site.

Each check is a pure function `Site → Iterable[Finding]`. A finding is not a build
error: the site builds either way. Errors are findings that are almost always a
mistake in the data (an actor nobody registered, a second spelling of a registered
one); warnings are editorial hints a curator may well leave as they are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping, Sequence

from briefgen.model import EMPTY, Actor, Dispatch, Site
from briefgen.slugs import slugify

ERROR, WARNING = "error", "warning"
THREAD_GAP_DAYS = 30

KINDS: Mapping[str, tuple[str, str]] = {
    "base-url-host": (ERROR, "base_url without a host"),
    "implicit-actor": (ERROR, "implicit actors"),
    "duplicate-actor": (ERROR, "likely duplicate actors"),
    "unlisted-mention": (WARNING, "actors mentioned but not listed"),
    "orphan-dispatch": (WARNING, "orphan dispatches"),
    "thread-gap": (WARNING, "thread gaps"),
    "past-event": (WARNING, "past events without a follow-up"),
    "missing-source": (WARNING, "dispatches without a source"),
    "missing-summary": (WARNING, "dispatches without a summary"),
    "edition-repeat": (WARNING, "dispatches carried by two editions"),
}
"""Every kind of finding, in report order: (severity, heading)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One editorial finding, located like a Problem; `detail` is extra JSON data."""

    kind: str
    path: str
    line: int | None
    message: str
    detail: Mapping[str, object] = field(default_factory=lambda: EMPTY)

    @property
    def severity(self) -> str:
        return KINDS[self.kind][0]

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        base = {"kind": self.kind, "severity": self.severity, "path": self.path, "line": self.line, "message": self.message}
        return {**base, **self.detail}


def findings(site: Site, actors_path: str) -> list[Finding]:
    """Every finding of every check, sorted by kind (report order), then path and line."""
    found = [
        *actor_findings(site, actors_path),
        *unlisted_mentions(site),
        *orphans(site),
        *thread_gaps(site),
        *past_events(site),
        *missing_fields(site),
    ]
    order = list(KINDS)
    return sorted(found, key=lambda f: (order.index(f.kind), f.path, f.line or 0, f.message))


# --- actors -------------------------------------------------------------------


def actor_findings(site: Site, actors_path: str) -> Iterator[Finding]:
    """Implicit actors (or, when they resemble a registered one, likely duplicates), and
    registered records that look like two spellings of one actor."""
    registered = sorted((a for a in site.actors.values() if not a.implicit), key=lambda a: (a.line or 0, a.id))
    index = _PhraseIndex()
    for actor in registered:
        for phrase in (actor.name, *actor.aliases):
            index.add(phrase, actor)
    implicit = [a for a in site.actors.values() if a.implicit]
    for actor in implicit:
        twin = index.match(actor.name, exclude=actor.id)
        if twin is not None:
            phrase, other = twin
            yield Finding(
                "duplicate-actor", actor.path, actor.line,
                f"'{actor.name}' is not in {actors_path} but looks like '{phrase}' (actor '{other.id}'); "
                f"write '{other.name}' or add '{actor.name}' to its aliases",
                {"actor": actor.id, "name": actor.name, "like": other.id},
            )
        else:
            yield Finding(
                "implicit-actor", actor.path, actor.line,
                f"'{actor.name}' is not in {actors_path}; register it (id '{actor.id}') or use a registered name",
                {"actor": actor.id, "name": actor.name},
            )
    yield from _registered_twins(registered, actors_path)
    yield from _implicit_twins(implicit)


def _registered_twins(registered: Sequence[Actor], actors_path: str) -> Iterator[Finding]:
    index = _PhraseIndex()
    for actor in registered:  # file order: a later record is reported as the copy
        phrases = (actor.name, *actor.aliases)
        twin = next((t for p in phrases if (t := index.match(p, exclude=actor.id))), None)
        if twin is not None:
            phrase, other = twin
            yield Finding(
                "duplicate-actor", actors_path, actor.line,
                f"actor '{actor.id}' ({actor.name}) looks like '{other.id}' ('{phrase}'); "
                f"if they are one actor, merge the records and keep '{actor.id}' in former_ids",
                {"actor": actor.id, "name": actor.name, "like": other.id},
            )
        for phrase in phrases:
            index.add(phrase, actor)


def _implicit_twins(implicit: Sequence[Actor]) -> Iterator[Finding]:
    index = _PhraseIndex()
    for actor in sorted(implicit, key=lambda a: (a.path, a.line or 0, a.id)):
        twin = index.match(actor.name, exclude=actor.id)
        if twin is not None:
            yield Finding(
                "duplicate-actor", actor.path, actor.line,
                f"'{actor.name}' and '{twin[0]}' ({twin[1].path}) look like one unregistered actor spelled two ways",
                {"actor": actor.id, "name": actor.name, "like": twin[1].id},
            )
        index.add(actor.name, actor)


class _PhraseIndex:
    """Phrases keyed by word count and the deletion variants of their last word (a
    typo of one or two letters leaves a variant in common), so only plausible pairs
    are compared and a large registry stays near-linear instead of every pair."""

    def __init__(self) -> None:
        self._blocks: dict[tuple[int, str], list[tuple[tuple[str, ...], str, Actor]]] = defaultdict(list)

    def add(self, phrase: str, actor: Actor) -> None:
        words = name_words(phrase)
        for key in _keys(words):
            self._blocks[key].append((words, phrase, actor))

    def match(self, phrase: str, exclude: str) -> tuple[str, Actor] | None:
        words = name_words(phrase)
        for key in _keys(words):
            for other_words, other_phrase, actor in self._blocks.get(key, ()):
                if actor.id != exclude and same_name(words, other_words):
                    return other_phrase, actor
        return None


def _keys(words: tuple[str, ...]) -> set[tuple[int, str]]:
    if not words:
        return set()
    count = len(_core(words))
    variants = frontier = {words[-1]}
    for _ in range(_typos(len(words[-1]))):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        variants = variants | frontier
    return {(count, v) for v in variants}


def _typos(length: int) -> int:
    """Letters a word of this length may differ by and still be the same name."""
    return 0 if length < 5 else 1 if length < 9 else 2


_SPELLINGS = (("ks", "x"), ("y", "i"), ("j", "i"), ("ii", "i"), ("kh", "h"))
"""Transliteration variants folded together: Aleksandr/Alexander, Sergey/Sergei,
Mariia/Maria, Jens/Йенс (→ iens), Zakharova/Zaharova."""


def name_words(phrase: str) -> tuple[str, ...]:
    """A name as ASCII words with spelling variants folded: 'Мария Захарова' → ('maria', 'zaharova')."""
    words = []
    for word in slugify(phrase).split("-"):
        for old, new in _SPELLINGS:
            word = word.replace(old, new)
        if word:
            words.append(word)
    return tuple(words)


def _core(words: Sequence[str]) -> tuple[str, ...]:
    """Without middle initials: 'Wendy R. Sherman' → ('wendi', 'sherman')."""
    return tuple(w for i, w in enumerate(words) if len(w) > 1 or i in (0, len(words) - 1))


def same_name(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two names (as `name_words`) are likely one actor spelled two ways: word by
    word equal, an initial of the other word, or a small typo in a long word; the last
    word (a surname, or what an organisation is) must be spelled out on both sides. Middle
    initials may be left out on one side, not changed ('George H. W. Bush' is not 'George W. Bush')."""
    if tuple(a) == tuple(b):
        return True
    if len(a) != len(b):
        if _core(a) != tuple(a) and _core(b) != tuple(b):
            return False
        a, b = _core(a), _core(b)
    if len(a) != len(b) or len(a[-1]) == 1 or len(b[-1]) == 1:
        return False
    return all(_same_word(x, y) for x, y in zip(reversed(a), reversed(b)))


def _same_word(x: str, y: str) -> bool:
    if x == y:
        return True
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    limit = _typos(min(len(x), len(y)))  # Iran/Iraq, MFA/MoD: short words must be equal
    return limit > 0 and edit_distance(x, y, limit) <= limit


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def unlisted_mentions(site: Site) -> Iterator[Finding]:
    """A registered actor named in the body but not in `actors` is probably an omission:
    the dispatch will be missing from that actor's page and feed. An actor a listed one
    belongs to (Russia, for a listed Sergey Lavrov) counts as implied, not omitted."""
    ancestors: dict[str, set[str]] = {}
    for d in site.dispatches:
        listed = set(d.actors)
        implied = listed.union(*(_ancestors(site.actors, a, ancestors) for a in listed))
        for actor_id in d.mentions:
            if actor_id in implied or actor_id not in site.actors:
                continue
            yield Finding(
                "unlisted-mention", d.path, d.line_of.get("actors"),
                f"the text mentions {site.actors[actor_id].name} but 'actors' does not list it",
                {"dispatch": d.slug, "actor": actor_id},
            )


def _ancestors(actors: Mapping[str, Actor], actor_id: str, memo: dict[str, set[str]]) -> set[str]:
    """Every actor `actor_id` belongs to, directly or through others (cycles allowed)."""
    if actor_id not in memo:
        found: set[str] = set()
        todo = [actor_id]
        while todo:
            actor = actors.get(todo.pop())
            for parent in actor.affiliations if actor else ():
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        memo[actor_id] = found
    return memo[actor_id]


# --- dispatches ---------------------------------------------------------------


def orphans(site: Site) -> Iterator[Finding]:
    """Dispatches sharing no actor, thread or explicit related link with any other."""
    if len(site.dispatches) < 2:
        return
    for d in site.dispatches:
        links = site.links[d.slug]
        if links.related or links.referenced_by:
            continue
        if d.thread and len(site.threads[d.thread].dispatches) > 1:
            continue
        if any(len(site.actor_stats[a].dispatches) > 1 for a in d.actors):
            continue
        yield Finding(
            "orphan-dispatch", d.path, d.line_of.get("actors"),
            "shares no actor, thread or related link with any other dispatch",
            {"dispatch": d.slug},
        )


def thread_gaps(site: Site) -> Iterator[Finding]:
    """Consecutive dispatches of a thread more than THREAD_GAP_DAYS apart: a missed
    development, or a thread that should have been split."""
    for group in site.threads.values():
        chain = [site.by_slug[s] for s in group.dispatches]
        for before, after in zip(chain, chain[1:]):
            days = (after.date - before.date).days
            if days > THREAD_GAP_DAYS:
                yield Finding(
                    "thread-gap", after.path, after.line_of.get("thread"),
                    f"thread '{group.key}' has no dispatch for {days} days before this one "
                    f"(previous: {before.slug}, {before.date.isoformat()})",
                    {"thread": group.key, "dispatch": after.slug, "previous": before.slug, "days": days},
                )


def past_events(site: Site) -> Iterator[Finding]:
    """Events announced ahead, whose date has passed, with no dispatch on or after that
    date in the same thread or naming the same actors: the outcome was never reported."""
    by_actor: dict[str, list[Dispatch]] = defaultdict(list)
    for d in site.dispatches:  # newest first, so a search can stop at the event's date
        for a in d.actors:
            by_actor[a].append(d)
    for d in site.dispatches:
        for i, event in enumerate(d.events):
            if not d.date < event.date < site.today or _followed_up(site, d, event.date, by_actor):
                continue
            yield Finding(
                "past-event", d.path, d.line_of.get(f"events.{i}", d.line_of.get("events")),
                f"'{event.title}' was due on {event.date.isoformat()}, and no later dispatch "
                "in its thread or about its actors reports on it",
                {"dispatch": d.slug, "event": event.uid, "date": event.date.isoformat()},
            )


def _followed_up(site: Site, d: Dispatch, day: dt.date, by_actor: Mapping[str, list[Dispatch]]) -> bool:
    """A dispatch dated on or after `day` in d's thread, or naming d's actors (all of
    them, or at least two: one ubiquitous actor in common is no follow-up)."""
    if d.thread:
        newest = [s for s in site.threads[d.thread].dispatches[-2:] if s != d.slug]
        if newest and site.by_slug[newest[-1]].date >= day:
            return True
    needed = min(2, len(d.actors))
    shared: dict[str, int] = defaultdict(int)
    for a in d.actors:
        for other in by_actor.get(a, ()):
            if other.date < day:
                break
            if other.slug != d.slug:
                shared[other.slug] += 1
                if shared[other.slug] >= needed:
                    return True
    return False


def missing_fields(site: Site) -> Iterator[Finding]:
    """Dispatches with no source to cite, or whose summary is only the first paragraph."""
    for d in site.dispatches:
        if d.source is None:
            yield Finding("missing-source", d.path, 1, "no 'source': readers cannot see where this comes from", {"dispatch": d.slug})
        if not d.summary_given:
            yield Finding(
                "missing-summary", d.path, 1,
                "no 'summary': the first paragraph stands in for the bottom line", {"dispatch": d.slug},
            )


def counts(found: Iterable[Finding]) -> dict[str, int]:
    """Findings per kind, every kind present (zero when clean), in report order."""
    tally = dict.fromkeys(KINDS, 0)
    for f in found:
        tally[f.kind] += 1
    return tally

