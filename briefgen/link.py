"""Stage 3: dispatches + actors → one read-only `Site` with every index and cross-link.

Also finds the problems that only show across files or with config.yaml: two dispatches
with one slug, a `related` slug naming nothing, an old URL clashing with a live one, a
misspelt key or thread.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter, defaultdict
from itertools import combinations
from operator import itemgetter
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, Sequence

from briefgen import related as related_mod
from briefgen.errors import Problem
from briefgen.fields import KNOWN, FieldError, labels, near_miss, one_edit_apart, typo_problem
from briefgen.model import (
    BUILT_IN, SOURCES, THREADS, TOPICS, Actor, ActorStats, Connection, Dispatch, Facet, Group, Label, Links, Redirect, RelatedLink,
    Site,
)

CO_ACTORS_SHOWN = 12
RELATED_CUTOFF = 0.75
"""How like an existing slug (difflib's ratio) a dangling `related` slug must be for the
problem to suggest it: a slip or a dropped word, not merely a shared topic."""


def link(
    dispatches: Sequence[Dispatch],
    actors: Mapping[str, Actor],
    related_limit: int,
    today: dt.date,
    related: Callable[[Sequence[Dispatch], int], Mapping[str, tuple[RelatedLink, ...]]] = related_mod.compute,
    taxonomies: Sequence[Facet] = (),
) -> tuple[Site, list[Problem]]:
    """Index and cross-link everything; problems are returned, never raised. `related`
    computes related dispatches (a caller may remember its results between builds);
    `taxonomies` are the facets config.yaml declares beside the built-in ones."""
    by_slug, problems = _unique_slugs(dispatches)
    ordered = tuple(sorted(by_slug.values(), key=lambda d: (d.moment, d.slug), reverse=True))
    explicit, more = _explicit_related(ordered, by_slug)
    problems += more
    redirects, more = _redirects(ordered, actors, by_slug)
    problems += more
    declared, more = _taxonomy_terms(ordered, taxonomies)
    problems += more
    problems += _key_typos(ordered, taxonomies)
    spellings = _spellings(actors)
    named = _thread_names(ordered)
    facets = {f.key: _groups(ordered, _terms(f, spellings, declared, named), f.oldest_first) for f in (*BUILT_IN, *taxonomies)}
    problems += _thread_typos(ordered, facets[THREADS.key])
    links = _links(ordered, explicit, facets[THREADS.key], related(ordered, related_limit))
    site = Site(
        dispatches=ordered,
        by_slug=MappingProxyType(by_slug),
        actors=MappingProxyType(dict(sorted(actors.items()))),
        actor_stats=MappingProxyType(_actor_stats(ordered, actors)),
        links=MappingProxyType(links),
        facets=MappingProxyType(facets),
        dates=MappingProxyType(_dates(ordered)),
        events=tuple(sorted((e for d in ordered for e in d.events), key=lambda e: (e.date, e.title, e.dispatch))),
        redirects=redirects,
        today=today,
    )
    return site, problems


def thread_name(thread_id: str, spellings: Mapping[str, str] | None = None) -> str:
    """A readable name for a thread id: `nato-russia-talks` → `NATO Russia talks`.

    Words that are an actor's one-word name or alias take its spelling (NATO, OSCE, US);
    the rest stay lower-case but for the first letter.
    """
    words = [(spellings or {}).get(w, w) for w in thread_id.split("-")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _spellings(actors: Mapping[str, Actor]) -> dict[str, str]:
    """One-word actor names and aliases by their lower-case form, for thread names; a
    name wins over another actor's alias."""
    aliases = {w.casefold(): w for a in actors.values() for w in a.aliases if w.isascii() and w.isalpha()}
    return aliases | {a.name.casefold(): a.name for a in actors.values() if a.name.isascii() and a.name.isalpha()}


def _unique_slugs(dispatches: Iterable[Dispatch]) -> tuple[dict[str, Dispatch], list[Problem]]:
    by_slug: dict[str, Dispatch] = {}
    problems: list[Problem] = []
    for d in dispatches:
        first = by_slug.setdefault(d.slug, d)
        if first is not d:
            line = d.line_of.get("slug")
            problems.append(Problem(d.path, line, f"slug '{d.slug}' is already used by {first.path}; give one of them another slug"))
    return by_slug, problems


def _explicit_related(ordered: Sequence[Dispatch], by_slug: Mapping[str, Dispatch]):
    related: dict[str, tuple[str, ...]] = {}
    problems: list[Problem] = []
    renamed = {old: d for d in ordered for old in d.former_slugs}
    for d in ordered:
        kept = []
        for i, other in enumerate(d.related):
            line = d.line_of.get(f"related.{i}", d.line_of.get("related"))
            if other == d.slug:
                problems.append(Problem(d.path, line, f"'related' names this dispatch itself ('{other}')"))
            elif other not in by_slug and other in renamed:
                now = renamed[other]
                problems.append(Problem(d.path, line, f"'related' names '{other}', the former slug of {now.path}; name it '{now.slug}'"))
            elif other not in by_slug:
                message = f"'related' names '{other}', but no dispatch has that slug"
                meant = difflib.get_close_matches(other, [s for s in by_slug if s != d.slug], n=1, cutoff=RELATED_CUTOFF)
                problems.append(Problem(d.path, line, message + (f"; did you mean '{meant[0]}'?" if meant else "")))
            else:
                kept.append(other)
        related[d.slug] = tuple(kept)
    return related, problems


def _links(ordered, explicit, threads: Mapping[str, Group], computed) -> dict[str, Links]:
    referenced: dict[str, list[str]] = defaultdict(list)
    for d in ordered:
        for other in explicit[d.slug]:
            referenced[other].append(d.slug)
    neighbours: dict[str, tuple[str | None, str | None]] = {}
    for group in threads.values():
        chain = group.dispatches
        for i, slug in enumerate(chain):
            neighbours[slug] = (chain[i - 1] if i else None, chain[i + 1] if i + 1 < len(chain) else None)
    thread_of = {d.slug: d.thread for d in ordered}
    links = {}
    for d in ordered:
        prev, nxt = neighbours.get(d.slug, (None, None))
        related, referenced_by, scored = explicit[d.slug], tuple(referenced.get(d.slug, ())), computed.get(d.slug, ())
        links[d.slug] = Links(related, referenced_by, prev, nxt, scored, _connections(d, related, referenced_by, scored, thread_of))
    return links


def _connections(
    d: Dispatch, related: tuple[str, ...], referenced_by: tuple[str, ...], scored: tuple[RelatedLink, ...], thread_of: Mapping[str, str | None],
) -> tuple[Connection, ...]:
    """Each dispatch `d` is connected to, once, with every reason."""
    by_score = {r.slug: r for r in scored}
    order = dict.fromkeys([*related, *referenced_by, *by_score])
    return tuple(
        Connection(slug, d.thread is not None and thread_of.get(slug) == d.thread, slug in related, slug in referenced_by, by_score.get(slug))
        for slug in order
    )


def _thread_names(ordered: Sequence[Dispatch]) -> dict[str, str]:
    """Each thread's name as its newest dispatch that names it writes it (as a topic is
    shown as its newest dispatch spells it); a thread no dispatch names has none here."""
    names: dict[str, str] = {}
    for d in ordered:  # newest first
        if d.thread and d.thread_name:
            names.setdefault(d.thread, d.thread_name)
    return names


def _terms(
    facet: Facet, spellings: Mapping[str, str], declared: Mapping[str, Mapping[str, tuple[Label, ...]]], named: Mapping[str, str],
) -> Callable[[Dispatch], Iterable[tuple[str, str]]]:
    """The (slug, name) pairs a dispatch has in a facet."""
    if facet is THREADS:
        return lambda d: [(d.thread, named.get(d.thread) or thread_name(d.thread, spellings))] if d.thread else []
    if facet is SOURCES:
        return lambda d: [(d.source.key, d.source.name)] if d.source else []
    if facet is TOPICS:
        return lambda d: [(t.key, t.name) for t in d.topics]
    terms = declared[facet.key]
    return lambda d: [(t.key, t.name) for t in terms.get(d.slug, ())]


def _taxonomy_terms(ordered: Sequence[Dispatch], taxonomies: Sequence[Facet]) -> tuple[dict[str, dict[str, tuple[Label, ...]]], list[Problem]]:
    """Each taxonomy's terms by dispatch slug. They are read from `extra` (the file does
    not say which keys are taxonomies; config.yaml does), so they are checked here, as
    `topics` is when the file is read."""
    found: dict[str, dict[str, tuple[Label, ...]]] = {f.key: {} for f in taxonomies}
    problems = []
    for facet in taxonomies:
        for d in ordered:
            if d.extra.get(facet.field) is None:
                continue
            try:
                found[facet.key][d.slug] = labels(d.extra[facet.field])
            except FieldError as exc:
                at = d.line_of.get(f"{facet.field}.{exc.index}") if exc.index is not None else None
                problems.append(Problem(d.path, at or d.line_of.get(facet.field), f"'{facet.field}' {exc}"))
    return found, problems


def _key_typos(ordered: Sequence[Dispatch], taxonomies: Sequence[Facet]) -> list[Problem]:
    """Extra keys one edit from a field or a declared taxonomy: a misspelt key would
    silently leave its dispatch without the field. Checked here, every build, since a
    validated dispatch is kept whatever config.yaml declares (`fields.to_dispatch` finds
    those of a file that fails)."""
    declared = {f.field for f in taxonomies}
    known = KNOWN | declared
    problems = []
    for d in ordered:
        for key in d.extra:
            meant = None if key in declared else near_miss(key, known)
            if meant is not None:
                problems.append(typo_problem(d.path, key, meant, d.line_of.get(key)))
    return problems


def _thread_typos(ordered: Sequence[Dispatch], threads: Mapping[str, Group]) -> list[Problem]:
    """A thread only one dispatch names, one slip from another dispatch's thread: the
    dispatch would silently start a thread of its own. A new thread is otherwise legitimate,
    however close its id is to another's. When both threads have one dispatch each, either
    may be the slip (an edit to the older file makes one), so both are reported."""
    alone = [key for key, group in threads.items() if len(group.dispatches) == 1]
    if not alone:
        return []
    by_slug = {d.slug: d for d in ordered}
    # Ids one slip apart have numbers alike, and share an id with one letter dropped (or
    # the shorter id itself): an index of those finds a thread's neighbours without
    # comparing it with every thread, even among a thousand `story-N`.
    by_shape: dict[str, list[str]] = defaultdict(list)
    for key in threads:
        by_shape[_shape(key)].append(key)
    shortened: dict[str, list[str]] = defaultdict(list)
    for shape in by_shape:
        for short in _one_letter_dropped(shape):
            shortened[short].append(shape)
    problems = []
    for key in alone:
        mine = _shape(key)
        shapes = {shape for short in _one_letter_dropped(mine) for shape in shortened[short] if shape != mine}
        close = [other for shape in shapes for other in by_shape[shape] if _slip(key, other)]
        if close:
            d = by_slug[threads[key].dispatches[0]]
            meant = min(close, key=lambda other: (-len(threads[other].dispatches), other))  # the busiest
            problems.append(Problem(d.path, d.line_of.get("thread"), f"'thread' '{key}' is used by no other dispatch; did you mean '{meant}'?"))
    return problems


_NUMBER = re.compile(r"\d+")


def _shape(key: str) -> str:
    """The id with each number as 0: ids that differ in numbers alone have one shape."""
    return _NUMBER.sub("0", key)


def _one_letter_dropped(key: str) -> set[str]:
    return {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}


def _slip(a: str, b: str) -> bool:
    """One edit apart, but not in a number or a word of one or two letters:
    `story-1`/`story-2` and `uk-talks`/`us-talks` are other threads, not slips."""
    if not one_edit_apart(a, b) or _shape(a) == _shape(b):
        return False
    words_a, words_b = a.split("-"), b.split("-")
    if len(words_a) != len(words_b):
        return True  # a hyphen dropped or added
    x, y = next((x, y) for x, y in zip(words_a, words_b) if x != y)
    return not (x.isdigit() or y.isdigit() or min(len(x), len(y)) <= 2)


def _groups(ordered: Sequence[Dispatch], keys, oldest_first: bool = False) -> Mapping[str, Group]:
    """Group dispatches by the (key, name) pairs `keys(d)` yields; first name seen wins."""
    members: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for d in reversed(ordered) if oldest_first else ordered:
        for key, name in keys(d):
            names.setdefault(key, name)
            members[key].append(d.slug)
    return MappingProxyType({k: Group(k, names[k], tuple(members[k])) for k in sorted(members)})


def _dates(ordered: Sequence[Dispatch]) -> dict[str, tuple[str, ...]]:
    tree: dict[str, list[str]] = defaultdict(list)
    for d in ordered:
        for key in (d.year, d.month, d.day):
            tree[key].append(d.slug)
    return {k: tuple(v) for k, v in sorted(tree.items())}


def _actor_stats(ordered: Sequence[Dispatch], actors: Mapping[str, Actor]) -> dict[str, ActorStats]:
    named: dict[str, list[Dispatch]] = defaultdict(list)
    pairs: dict[str, dict[str, int]] = defaultdict(dict)
    for d in ordered:
        for a in d.actors:
            named[a].append(d)
        for a, b in combinations(d.actors, 2):
            mine, theirs = pairs[a], pairs[b]
            mine[b] = mine.get(b, 0) + 1
            theirs[a] = theirs.get(a, 0) + 1
    members: dict[str, list[str]] = defaultdict(list)
    for actor in actors.values():
        for parent in actor.affiliations:
            members[parent].append(actor.id)
    month = {d.slug: d.month for d in ordered}  # once per dispatch, not once per actor naming it
    stats = {}
    for actor_id in actors:
        mine = named.get(actor_id, [])
        # by name, then (a stable sort) by count, most first: by (-count, name) without a key per pair
        co = sorted(sorted(pairs.get(actor_id, {}).items()), key=itemgetter(1), reverse=True)[:CO_ACTORS_SHOWN]
        months = Counter(month[d.slug] for d in mine)
        stats[actor_id] = ActorStats(
            dispatches=tuple(d.slug for d in mine),
            co_actors=tuple(co),
            members=tuple(sorted(members.get(actor_id, ()))),
            threads=tuple(dict.fromkeys(d.thread for d in reversed(mine) if d.thread)),
            per_month=tuple(sorted(months.items())),
            first=mine[-1].date if mine else None,
            last=mine[0].date if mine else None,
            events=tuple(sorted((e for d in mine for e in d.events), key=lambda e: (e.date, e.title, e.dispatch))),
        )
    return stats


def _redirects(ordered, actors: Mapping[str, Actor], by_slug) -> tuple[tuple[Redirect, ...], list[Problem]]:
    """Old slugs and actor ids become redirects; each may not shadow a live page or another."""
    redirects: list[Redirect] = []
    problems: list[Problem] = []
    claimed: dict[tuple[str, str], tuple[str, str]] = {}
    olds = [
        ("dispatch", old, d.slug, d.path, d.line_of.get(f"former_slugs.{i}", d.line_of.get("former_slugs")))
        for d in ordered for i, old in enumerate(d.former_slugs)
    ]
    olds += [("actor", old, a.id, a.path, a.line) for a in actors.values() for old in a.former_ids]
    for kind, old, new, path, line in olds:
        live = by_slug if kind == "dispatch" else actors
        what = "slug" if kind == "dispatch" else "id"
        first = claimed.setdefault((kind, old), (new, path))
        if old == new:
            problems.append(Problem(path, line, f"former {what} '{old}' is this {kind}'s own {what}; remove it"))
        elif kind == "actor" and old in live and live[old].implicit:
            user = live[old]
            problems.append(Problem(user.path, user.line, f"'{old}' is a former id of actor '{new}'; name it '{new}' here, or the old id becomes a new actor that hides the redirect"))
        elif old in live:
            problems.append(Problem(path, line, f"former {what} '{old}' is the live URL of another {kind}; the redirect would hide it"))
        elif first[0] != new:
            problems.append(Problem(path, line, f"former {what} '{old}' is also claimed by '{first[0]}' ({first[1]})"))
        else:
            redirects.append(Redirect(kind, old, new))
    return tuple(sorted(set(redirects), key=lambda r: (r.kind, r.old))), problems
