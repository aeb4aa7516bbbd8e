"""The search index behind the search page, split so the page stays small at any size.

`/search-index.json` is a small entry file (the site's stemmer and stop words, the
first term of each terms file, how the rest is split); beside it, `search-index/` holds
the parts the page fetches only when a query needs them:

- `terms-C.json`: term → ids of the dispatches containing it (delta-coded), the terms
  in order (of their UTF-16 code units, as JavaScript compares strings) and cut into
  files of about TERMS_BYTES, so a prefix search reads the file or two its terms are in;
- `docs-C.json`: per dispatch of chunk C (DOC_CHUNK long), what a result shows, so a
  page of results reads only a few small files;
- `facets-C.json`: per dispatch of chunk C (FACET_CHUNK long), its year, actor, topic
  and thread numbers, then its term numbers in each declared taxonomy, enough to count
  facets over every match; and `names.json`, the names those numbers stand for (in
  `names.json`'s order). The page shows a query's first results before it fetches these.

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

import datetime as dt
import functools
import hashlib
import html
import json
import re
import unicodedata
from array import array
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable, Sequence

import snowballstemmer

from briefgen.cache import code_fingerprint, read_blob, write_blob
from briefgen.model import Dispatch, Facet, Site
from briefgen.urls import Urls

FORMAT = 4
FACET_CHUNK = 1000
DOC_CHUNK = 8
TERMS_BYTES = 24_000
TERMS_FILE = "search-terms.bin"
"""In the build's cache: each dispatch's own terms, by what they come from."""

STEMMERS = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic"}
"""Language → the Snowball stemmer for it, of those whose JavaScript the theme ships
(theme/static/stem/, compiled by Snowball 3.1.1 from the sources the Python package
`snowballstemmer` 3.1.1 is made from; tests/unit/test_search_terms.py holds them equal)."""

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
_CJK_CHAR = re.compile(f"[{_CJK}]")
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
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _ASTRAL.search(text):  # rare: marks beyond the first plane are not in _marks()
        return "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    return _marks().sub("", text)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.cache
def _marks() -> re.Pattern[str]:
    """Every mark (a category M character) of the first plane, as search.js's `\\p{M}`."""
    found = [chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)).startswith("M")]
    return re.compile("[" + "".join(found) + "]")


@functools.lru_cache(maxsize=16)
def analyser(language: str) -> Callable[[str], set[str]]:
    """The terms of a text in `language` (a language tag), a function for one index."""
    lang = language_of(language)
    stop = frozenset(stop_words(language))
    algorithm = STEMMERS.get(lang)
    stem = snowballstemmer.stemmer(algorithm).stemWord if algorithm else (lambda w: w)
    known: dict[str, tuple[str, ...]] = {}

    def term(word: str) -> tuple[str, ...]:
        plain = normalise(word)
        return () if len(word) < 2 or plain in stop else ((normalise(stem(word)) or plain),)

    def word_terms(word: str) -> tuple[str, ...]:
        if word.isascii():
            return term(word)
        found: list[str] = []
        for piece in _PIECE.findall(word):
            if not _CJK_CHAR.match(piece):
                found += term(piece)
            elif len(piece) > 1:  # every two characters in a row
                found += (piece[i : i + 2] for i in range(len(piece) - 1))
            elif piece not in stop:
                found.append(piece)
        return tuple(found)

    def terms(text: str) -> set[str]:
        found: set[str] = set()
        for word in set(_WORD.findall(_composed(text))):
            got = known.get(word)
            if got is None:
                got = known[word] = word_terms(word)
            found.update(got)
        return found

    return terms


def terms(text: str, language: str = "en") -> set[str]:
    """Searchable terms of a text in a language (above)."""
    return analyser(language)(text)


def stop_words(language: str) -> list[str]:
    """The stop words of a language, folded as terms are, for the page's script."""
    return sorted({normalise(w) for w in STOP.get(language_of(language), "").split()})


def body_text(body_html: str) -> str:
    """A body's words: its HTML without tags."""
    return html.unescape(_TAG.sub(" ", body_html))


def _own_texts(d: Dispatch) -> tuple[str, ...]:
    """The texts of a dispatch's own whose words are its terms (its body as HTML)."""
    return (d.title, d.summary, d.body_html, d.location or "", d.source.name if d.source else "", d.year)


def _labels(site: Site, d: Dispatch, taxonomies: Sequence[Facet]) -> tuple[str, ...]:
    """The names of its topics, thread and taxonomy terms."""
    thread = (site.threads[d.thread].name,) if d.thread else ()
    return (*(t.name for t in d.topics), *thread, *(t.name for f in taxonomies for t in d.labels(f.field)))


def _own_terms(texts: tuple[str, ...], analyse: Callable[[str], set[str]]) -> str:
    """The terms of a dispatch's own texts, one a line (a compact value to keep)."""
    title, summary, body, *rest = texts
    return "\n".join(sorted(analyse(" ".join((title, summary, body_text(body), *rest)))))


def _namer(site: Site, analyse: Callable[[str], set[str]]) -> Callable[[str, str], set[str]]:
    """The terms of an actor's name and aliases (by its id), or of a label's name, each
    found once: a text's terms are those of its parts joined with spaces."""
    seen: dict[tuple[str, str], set[str]] = {}

    def named(kind: str, key: str) -> set[str]:
        found = seen.get((kind, key))
        if found is None:
            actor = site.actors[key] if kind == "actor" else None
            found = seen[(kind, key)] = analyse(" ".join((actor.name, *actor.aliases)) if actor else key)
        return found

    return named


def _delta(ids: Sequence[int]) -> list[int]:
    return [ids[0]] + [b - a for a, b in zip(ids, ids[1:])]


def _utf16(term: str) -> bytes:
    """A term's sort key: its UTF-16 code units, the order of JavaScript's `<`."""
    return term.encode("utf-16-be")


def _split(postings: dict[str, array[int]]) -> list[list[str]]:
    """The terms in order, cut where a file reaches about TERMS_BYTES of JSON."""
    files: list[list[str]] = [[]]
    size = 0
    for term in sorted(postings, key=_utf16):
        if size >= TERMS_BYTES:
            files.append([])
            size = 0
        files[-1].append(term)
        size += len(term.encode()) + 6 + 3 * len(postings[term])
    return files


def _postings(site: Site, language: str, known: dict | None = None, store: Path | None = None) -> dict[str, array[int]]:
    """Term → ids, as compact arrays (a list of ints takes ten times the memory: 450 MB
    at 100,000 dispatches).

    Reading every body again is most of a rebuild's cost, so each dispatch's own terms
    are remembered by a hash of the language and the texts they come from (their only
    inputs besides this code): in `known` (kept between builds by a session) and in
    `store` (a file of the build's cache, emptied when briefgen's code changes). Its
    actors' and labels' terms are found afresh: there are few of them."""
    postings: dict[str, array[int]] = defaultdict(lambda: array("i"))
    remembered = known
    if store is not None and not known:
        stored = read_blob(store, code_fingerprint())
        remembered = stored if isinstance(stored, dict) else {}
    fresh: dict[bytes, str] = {}
    analyse = analyser(language)
    named = _namer(site, analyse)
    taxonomies = site.taxonomies
    for i, d in enumerate(site.dispatches):
        texts = _own_texts(d)
        key = hashlib.blake2b(repr((language, texts)).encode(), digest_size=16).digest()
        own = remembered.get(key) if remembered is not None else None
        if not isinstance(own, str):
            own = _own_terms(texts, analyse)
        fresh[key] = own
        found = set(own.split("\n")) if own else set()
        found = found.union(*(named("actor", a) for a in d.actors), *(named("label", name) for name in _labels(site, d, taxonomies)))
        for term in found:
            postings[term].append(i)
    if store is not None and fresh != remembered:
        write_blob(store, code_fingerprint(), fresh)
    if known is not None:
        known.clear()
        known.update(fresh)
    return postings


def index_files(
    urls: Urls, site: Site, language: str = "en", known: dict | None = None, store: Path | None = None,
    day: Callable[[dt.date], str] = dt.date.isoformat,
) -> Iterable[tuple[str, bytes]]:
    """Every file of the search index as (output path, bytes): the entry file first;
    `known` and `store` remember terms between builds (see `_postings`); a result shows
    its dispatch's date as `day` writes it (the site's language's long date)."""
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
    postings = _postings(site, language, known, store)
    split = _split(postings)
    names = {
        "actors": [[a, site.actors[a].name] for a in actor_ids],
        "topics": [[t, site.topics[t].name] for t in topic_keys],
        "threads": [[t, site.threads[t].name] for t in thread_keys],
    }
    if taxonomies:  # absent, not empty, for a site without
        names["taxonomies"] = [[f.key, f.title, [[t, g.name] for t, g in site.facets[f.key].items()]] for f in taxonomies]
    entry = {
        "v": FORMAT,
        "n": len(site.dispatches),
        "facetChunk": FACET_CHUNK,
        "docChunk": DOC_CHUNK,
        "dir": folder.rsplit("/", 2)[-2] + "/",
        "stemmer": STEMMERS.get(language_of(language)),
        "stop": stop_words(language),
        "terms": [part[0] if part else "" for part in split],
    }
    yield entry_path, _json(entry)
    for c, part in enumerate(split):  # one file's ids as Python ints at a time
        yield f"{folder}terms-{c}.json", _json({term: _delta(postings[term]) for term in part})
    yield f"{folder}names.json", _json(names)
    for c in range(0, len(site.dispatches), FACET_CHUNK):
        facets = [
            [d.date.year, [actor_no[a] for a in d.actors], [topic_no[t.key] for t in d.topics],
             [thread_no[d.thread]] if d.thread else [],
             *([term_no[f.key][t.key] for t in d.labels(f.field)] for f in taxonomies)]
            for d in site.dispatches[c : c + FACET_CHUNK]
        ]
        yield f"{folder}facets-{c // FACET_CHUNK}.json", _json(facets)
    for c in range(0, max(len(site.dispatches), 1), DOC_CHUNK):
        shown = [[urls.href("dispatch", d.slug), d.title, day(d.date), d.location or "", d.summary] for d in site.dispatches[c : c + DOC_CHUNK]]
        yield f"{folder}docs-{c // DOC_CHUNK}.json", _json(shown)
