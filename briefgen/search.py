"""The search index behind the search page, split so the page stays small at any size.

`/search-index.json` is a small entry file (the site's language and its stop words,
actor, topic and thread names, how the rest is split); beside it, `search-index/` holds
the parts the page fetches only when a query needs them:

- `terms-B.json`: term → ids of the dispatches containing it (delta-coded), in
  buckets by the term's first two characters, so a prefix search reads one bucket;
- `facets-C.json`: per dispatch of chunk C (FACET_CHUNK long), its year, actor, topic
  and thread numbers, then its term numbers in each declared taxonomy (in the entry
  file's order), enough to count facets over every match;
- `docs-C.json`: per dispatch of chunk C (DOC_CHUNK long), what a result shows, so a
  page of results reads only a few small files.

A dispatch's terms come from its title, summary, body, place and source, the names and
aliases of its actors, its topics, thread, taxonomy terms and year, so searching by
alias, topic, term or year works with the same lookup. Ids follow the site order, newest
first.

A term is a word in the site's language as Snowball stems it (`Захаровой` and
`Захарова` are one term, and so are `الناتو` and `ناتو`), folded to lower case without
accents; a run of Chinese or Japanese characters, which has no spaces between words,
gives every two characters in a row, so any word inside it is found. The page's script
(theme/static/search.js) makes terms exactly as `terms` does here, with the same
Snowball stemmers compiled to JavaScript (theme/static/stem/).
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
import unicodedata
from array import array
from collections import defaultdict
from typing import Callable, Iterable, Sequence

import snowballstemmer

from briefgen.model import Dispatch, Facet, Site
from briefgen.urls import Urls

FORMAT = 3
FACET_CHUNK = 1000
DOC_CHUNK = 25
BUCKET_BYTES = 24_000
MAX_BUCKETS = 1024

STEMMERS = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic"}
"""Language → the Snowball stemmer for it, of those whose JavaScript the theme ships."""

STOP = {
    "en": "an and are as at be but by for from has have in is it its of on or that the this to was were will with",
    "de": "aber als am an auch auf aus bei bin bis da das dass dem den der des die du ein eine einem einen einer "
          "eines er es für hat im in ist mit nach nicht noch oder sich sie sind so über um und vom von vor war wie "
          "wir wird zu zum zur",
    "fr": "au aux avec ce ces dans de des du elle en est et il ils la le les leur lui mais ne ni nous on ou par "
          "pas pour qu que qui sa se ses son sont sur un une vous été",
    "es": "al como con de del el en es esta este la las le les lo los más no o para pero por que se sin su sus "
          "un una uno y ya",
    "ru": "а без бы был была были было в во вот все да для до его ее если же за и из или им их к как ко ли на "
          "над не нет но о об от по при с со так то только у уже что это",
    "uk": "а але без би був була були було в від во до же з за і із й к на над не ні но о об от по при та так "
          "то у це чи що щоб як",
    "ar": "أن أو إلى إن التي الذي على عن في قد كان لا لم ما مع من هذا هذه هو هي و",
    "zh": "的 了 和 是 在 与 及 或",
}
"""Each language's stop words, as written: words too common to narrow a search."""

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Hiragana, katakana and the CJK ideographs: scripts written without spaces (as in search.js)."""
_PIECE = re.compile(f"[{_CJK}]+|[^{_CJK}]+")
_WORD = re.compile(r"[^\W_]+")
"""A word: a run of letters and digits (`_` and anything else separate words, as in search.js)."""
_TAG = re.compile(r"<[^>]*>")


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def language_of(language: str) -> str:
    """The primary subtag of a language tag, in lower case: `pt-BR` → `pt`."""
    return language.split("-", 1)[0].split("_", 1)[0].lower()


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


def _composed(text: str) -> str:
    """Lower case, composed, without the marks that stay apart even then (Arabic vowel
    signs): what a stemmer reads, with `й` and `é` still letters of their own."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFC", text) if not unicodedata.category(c).startswith("M"))


@functools.lru_cache(maxsize=16)
def analyser(language: str) -> Callable[[str], set[str]]:
    """The terms of a text in `language` (a language tag), a function for one index."""
    lang = language_of(language)
    stop = frozenset(normalise(w) for w in STOP.get(lang, "").split())
    algorithm = STEMMERS.get(lang)
    stem = snowballstemmer.stemmer(algorithm).stemWord if algorithm else (lambda w: w)
    known: dict[str, str | None] = {}

    def term(word: str) -> str | None:
        found = known.get(word, "")
        if found == "":
            plain = normalise(word)
            found = known[word] = None if len(word) < 2 or plain in stop else (normalise(stem(word)) or plain)
        return found

    def terms(text: str) -> set[str]:
        found: set[str] = set()
        for word in _WORD.findall(_composed(text)):
            for piece in _PIECE.findall(word) if not word.isascii() else (word,):
                if _is_cjk(piece[0]):  # every two characters in a row; one alone unless a stop word
                    found.update(piece[i : i + 2] for i in range(len(piece) - 1)) if len(piece) > 1 else found.update({piece} - stop)
                elif (t := term(piece)) is not None:
                    found.add(t)
        return found

    return terms


def _is_cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def terms(text: str, language: str = "en") -> set[str]:
    """Searchable terms of a text in a language (above)."""
    return analyser(language)(text)


def stop_words(language: str) -> list[str]:
    """The stop words of a language, folded as terms are, for the page's script."""
    return sorted({normalise(w) for w in STOP.get(language_of(language), "").split()})


def body_text(body_html: str) -> str:
    """A body's words: its HTML without tags."""
    return html.unescape(_TAG.sub(" ", body_html))


def bucket_of(term: str, buckets: int) -> int:
    """Which terms file holds a term: a hash of its first two code points (as in search.js)."""
    h = 0
    for ch in term[:2]:
        h = (h * 31 + ord(ch)) % 1_000_003
    return h % buckets


def _doc_texts(d: Dispatch, taxonomies: Sequence[Facet] = ()) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """What a dispatch's terms come from: its own texts, its actors and its topics',
    thread's and taxonomy terms' names."""
    texts = (d.title, d.summary, d.body_html, d.location or "", d.source.name if d.source else "", d.year)
    labels = (*(t.name for t in d.topics), *((d.thread,) if d.thread else ()), *(t.name for f in taxonomies for t in d.labels(f.field)))
    return texts, d.actors, labels


def _doc_terms(
    texts: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], named: Callable[[str, str], set[str]], analyse: Callable[[str], set[str]],
) -> set[str]:
    """A dispatch's terms; `named` gives those of an actor's names or a topic's, thread's
    or taxonomy term's name, which recur in thousands of dispatches."""
    (title, summary, body, *rest), actors, labels = texts
    own = analyse(" ".join((title, summary, body_text(body), *rest)))
    return own.union(*(named("actor", a) for a in actors), *(named("label", name) for name in labels))


def _namer(site: Site, analyse: Callable[[str], set[str]]) -> Callable[[str, str], set[str]]:
    """The terms of an actor's name and aliases (by its id), or of a label's name, each
    found once: a text's terms are those of its parts joined with spaces."""
    seen: dict[tuple[str, str], set[str]] = {}

    def named(kind: str, key: str) -> set[str]:
        found = seen.get((kind, key))
        if found is None:
            actor = site.actors[key] if kind == "actor" else None
            found = seen[(kind, key)] = analyse(" ".join((actor.name, *actor.aliases)) if actor else key.replace("-", " "))
        return found

    return named


def _delta(ids: Sequence[int]) -> list[int]:
    return [ids[0]] + [b - a for a, b in zip(ids, ids[1:])]


def _bucket_count(postings: dict[str, array[int]]) -> int:
    """Enough buckets that each holds about BUCKET_BYTES of JSON."""
    size = sum(len(t.encode()) + 4 + 3 * len(ids) for t, ids in postings.items())
    return max(1, min(MAX_BUCKETS, math.ceil(size / BUCKET_BYTES)))


def _postings(site: Site, language: str, known: dict | None = None) -> dict[str, array[int]]:
    """Term → ids, as compact arrays (a list of ints takes ten times the memory: 450 MB
    at 100,000 dispatches). `known` (kept between builds by a session) holds each
    dispatch's terms by the texts they come from, its actors' names and the language."""
    postings: dict[str, array[int]] = defaultdict(lambda: array("i"))
    fresh: dict = {}
    analyse = analyser(language)
    named = _namer(site, analyse)
    taxonomies = site.taxonomies
    for i, d in enumerate(site.dispatches):
        texts = _doc_texts(d, taxonomies)
        if known is None:
            found = _doc_terms(texts, named, analyse)
        else:
            key = (language, texts, tuple((site.actors[a].name, *site.actors[a].aliases) for a in d.actors))
            found = known.get(key)
            fresh[key] = found = found if found is not None else _doc_terms(texts, named, analyse)
        for term in found:
            postings[term].append(i)
    if known is not None:
        known.clear()
        known.update(fresh)
    return postings


def index_files(urls: Urls, site: Site, language: str = "en", known: dict | None = None) -> Iterable[tuple[str, bytes]]:
    """Every file of the search index as (output path, bytes): the entry file first."""
    entry_path = urls.path("search_index")
    folder = entry_path.rsplit(".", 1)[0] + "/"
    actor_ids = list(site.actors)
    actor_no = {a: i for i, a in enumerate(actor_ids)}
    topic_keys = list(site.topics)
    topic_no = {t: i for i, t in enumerate(topic_keys)}
    thread_keys = list(site.threads)
    thread_no = {t: i for i, t in enumerate(thread_keys)}
    taxonomies = site.taxonomies
    term_no = {f.key: {t: i for i, t in enumerate(site.facets[f.key])} for f in taxonomies}
    postings = _postings(site, language, known)
    buckets = _bucket_count(postings)
    entry = {
        "v": FORMAT,
        "n": len(site.dispatches),
        "facetChunk": FACET_CHUNK,
        "docChunk": DOC_CHUNK,
        "buckets": buckets,
        "dir": folder.rsplit("/", 2)[-2] + "/",
        "stemmer": STEMMERS.get(language_of(language)),
        "stop": stop_words(language),
        "actors": [[a, site.actors[a].name, *site.actors[a].aliases] for a in actor_ids],
        "topics": [[t, site.topics[t].name] for t in topic_keys],
        "threads": [[t, site.threads[t].name] for t in thread_keys],
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
             [thread_no[d.thread]] if d.thread else [],
             *([term_no[f.key][t.key] for t in d.labels(f.field)] for f in taxonomies)]
            for d in site.dispatches[c : c + FACET_CHUNK]
        ]
        yield f"{folder}facets-{c // FACET_CHUNK}.json", _json(facets)
    for c in range(0, max(len(site.dispatches), 1), DOC_CHUNK):
        shown = [[urls.href("dispatch", d.slug), d.title, d.date.isoformat(), d.location or "", d.summary] for d in site.dispatches[c : c + DOC_CHUNK]]
        yield f"{folder}docs-{c // DOC_CHUNK}.json", _json(shown)
