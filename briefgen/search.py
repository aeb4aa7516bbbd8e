"""The search index behind the search page, split so the page stays small at any size.

`/search-index.json` is a small entry file (actor and topic names, the stop words,
how the rest is split); beside it, `search-index/` holds the parts the page fetches
only when a query needs them:

- `terms-B.json`: term → ids of the dispatches containing it (delta-coded), in
  buckets by the term's first two characters, so a prefix search reads one bucket;
- `facets-C.json`: per dispatch of chunk C (FACET_CHUNK long), its year, actor and
  topic numbers, then its term numbers in each declared taxonomy (in the entry file's
  order), enough to count facets over every match;
- `docs-C.json`: per dispatch of chunk C (DOC_CHUNK long), what a result shows, so a
  page of results reads only a few small files.

A dispatch's terms are the words of its title, summary, place and source, plus the
names and aliases of its actors, its topics, its taxonomy terms and its year, so
searching by alias, topic, term or year works with the same lookup. Ids follow the site order, newest first.
The page's script (theme/static/search.js) tokenises exactly as `terms` does here.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from array import array
from collections import defaultdict
from typing import Callable, Iterable, Sequence

from briefgen.model import Dispatch, Facet, Site
from briefgen.urls import Urls

FORMAT = 2
FACET_CHUNK = 1000
DOC_CHUNK = 25
BUCKET_BYTES = 24_000
MAX_BUCKETS = 1024
STOP_WORDS = (
    "an and are as at be but by for from has have in is it its of on or that the "
    "this to was were will with"
).split()
_STOP = frozenset(STOP_WORDS)
_WORD = re.compile(r"[^\W_]{2,}")
"""A word of two or more characters: a run of letters and digits (`_` and anything
else separate words, as in search.js), found whole, as runs are never cut short."""


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def normalise(text: str) -> str:
    """Lower case without accents: `Orbán` and `orban` are one term.

    Only runs of non-ASCII characters need decomposing: ASCII characters decompose to
    themselves and, having no combining class, keep marks from moving across them."""
    text = text.lower()
    return text if text.isascii() else _NON_ASCII.sub(_unaccented, text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@functools.lru_cache(maxsize=1 << 14)
def _plain(run: str) -> str:
    """A run without its accents (the same names recur in thousands of dispatches)."""
    return "".join(c for c in unicodedata.normalize("NFKD", run) if not unicodedata.combining(c))


def _unaccented(match: re.Match[str]) -> str:
    return _plain(match.group())


def terms(text: str) -> set[str]:
    """Searchable terms of a text: words of two or more characters, stop words left out."""
    return set(_WORD.findall(normalise(text))).difference(_STOP)


def bucket_of(term: str, buckets: int) -> int:
    """Which terms file holds a term: a hash of its first two code points (as in search.js)."""
    h = 0
    for ch in term[:2]:
        h = (h * 31 + ord(ch)) % 1_000_003
    return h % buckets


def _doc_texts(d: Dispatch, taxonomies: Sequence[Facet] = ()) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """What a dispatch's terms come from: its own texts, its actors and its topics' and
    taxonomy terms' names."""
    texts = (d.title, d.summary, d.location or "", d.source.name if d.source else "", d.year)
    labels = (*d.topics, *(t for f in taxonomies for t in d.labels(f.field)))
    return texts, d.actors, tuple(t.name for t in labels)


def _doc_terms(texts: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], named: Callable[[str, str], set[str]]) -> set[str]:
    """A dispatch's terms; `named` gives those of an actor's names or a topic's or
    taxonomy term's name, which recur in thousands of dispatches."""
    own, actors, labels = texts
    return terms(" ".join(own)).union(*(named("actor", a) for a in actors), *(named("topic", name) for name in labels))


def _namer(site: Site) -> Callable[[str, str], set[str]]:
    """The terms of an actor's name and aliases (by its id), or of a topic name, each
    found once: a text's terms are those of its parts joined with spaces."""
    seen: dict[tuple[str, str], set[str]] = {}

    def named(kind: str, key: str) -> set[str]:
        found = seen.get((kind, key))
        if found is None:
            actor = site.actors[key] if kind == "actor" else None
            found = seen[(kind, key)] = terms(" ".join((actor.name, *actor.aliases)) if actor else key)
        return found

    return named


def _delta(ids: Sequence[int]) -> list[int]:
    return [ids[0]] + [b - a for a, b in zip(ids, ids[1:])]


def _bucket_count(postings: dict[str, array[int]]) -> int:
    """Enough buckets that each holds about BUCKET_BYTES of JSON."""
    size = sum(len(t.encode()) + 4 + 3 * len(ids) for t, ids in postings.items())
    return max(1, min(MAX_BUCKETS, math.ceil(size / BUCKET_BYTES)))


def _postings(site: Site, known: dict | None = None) -> dict[str, array[int]]:
    """Term → ids, as compact arrays (a list of ints takes ten times the memory: 450 MB
    at 100,000 dispatches). `known` (kept between builds by a session) holds each
    dispatch's terms by the texts they come from and its actors' names."""
    postings: dict[str, array[int]] = defaultdict(lambda: array("i"))
    fresh: dict = {}
    named = _namer(site)
    taxonomies = site.taxonomies
    for i, d in enumerate(site.dispatches):
        texts = _doc_texts(d, taxonomies)
        if known is None:
            found = _doc_terms(texts, named)
        else:
            key = (texts, tuple((site.actors[a].name, *site.actors[a].aliases) for a in d.actors))
            found = known.get(key)
            fresh[key] = found = found if found is not None else _doc_terms(texts, named)
        for term in found:
            postings[term].append(i)
    if known is not None:
        known.clear()
        known.update(fresh)
    return postings


def index_files(urls: Urls, site: Site, known: dict | None = None) -> Iterable[tuple[str, bytes]]:
    """Every file of the search index as (output path, bytes): the entry file first."""
    entry_path = urls.path("search_index")
    folder = entry_path.rsplit(".", 1)[0] + "/"
    actor_ids = list(site.actors)
    actor_no = {a: i for i, a in enumerate(actor_ids)}
    topic_keys = list(site.topics)
    topic_no = {t: i for i, t in enumerate(topic_keys)}
    taxonomies = site.taxonomies
    term_no = {f.key: {t: i for i, t in enumerate(site.facets[f.key])} for f in taxonomies}
    postings = _postings(site, known)
    buckets = _bucket_count(postings)
    entry = {
        "v": FORMAT,
        "n": len(site.dispatches),
        "facetChunk": FACET_CHUNK,
        "docChunk": DOC_CHUNK,
        "buckets": buckets,
        "dir": folder.rsplit("/", 2)[-2] + "/",
        "stop": STOP_WORDS,
        "actors": [[a, site.actors[a].name, *site.actors[a].aliases] for a in actor_ids],
        "topics": [[t, site.topics[t].name] for t in topic_keys],
    }
    if taxonomies:  # absent, not empty, for a site without: its index stays as it was
        entry["taxonomies"] = [[f.key, f.title, [[t, g.name] for t, g in site.facets[f.key].items()]] for f in taxonomies]
    yield entry_path, _json(entry)
    split: list[list[str]] = [[] for _ in range(buckets)]
    for term in sorted(postings):
        split[bucket_of(term, buckets)].append(term)
    for b, bucket in enumerate(split):  # one bucket's ids as Python ints at a time
        yield f"{folder}terms-{b}.json", _json({term: _delta(postings[term]) for term in bucket})
    for c in range(0, len(site.dispatches), FACET_CHUNK):
        facets = [
            [d.date.year, [actor_no[a] for a in d.actors], [topic_no[t.key] for t in d.topics],
             *([term_no[f.key][t.key] for t in d.labels(f.field)] for f in taxonomies)]
            for d in site.dispatches[c : c + FACET_CHUNK]
        ]
        yield f"{folder}facets-{c // FACET_CHUNK}.json", _json(facets)
    for c in range(0, max(len(site.dispatches), 1), DOC_CHUNK):
        shown = [[urls.href("dispatch", d.slug), d.title, d.date.isoformat(), d.location or "", d.summary] for d in site.dispatches[c : c + DOC_CHUNK]]
        yield f"{folder}docs-{c // DOC_CHUNK}.json", _json(shown)
