"""What a page read while it was rendered: the record that says whether it is unchanged.

Templates and the helpers they call reach the site model only through `ReadSite`, which
notes each part of the model it hands out under a *key*: `threads\x1fnato-summit\x1fname`
for one thread's name, `threads\x1e` for the list of thread keys, `today` for the day. A
record of the site has one path, however it was reached. Templates note themselves as
they are loaded (`template\x1fbase.html`). A page is a pure function of its view (its
context, each record of the site in it named by its path), config, briefgen's code and
the values under the keys it read; so when each of those fingerprints as it did when the
page was rendered, the page would come out the same, and it is not rendered again.
Nothing here knows what a page kind or a template shows: a site's own template that reads
something new is recorded as it reads it. File jobs (feeds, the sitemap, the search
index) are recorded the same way.

A value made once and used on many pages (a fragment, an Atom entry, a drawing, an
imported template's module) is made with `Recorder.derived` or `Recorder.sharing`: a
page notes the value's key, and the record keeps what making the value read, once.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import inspect
import types
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Callable, NamedTuple, TypeVar

from markupsafe import Markup

from briefgen import parallel
from briefgen.records import shape

R = TypeVar("R")
SEP = "\x1f"
"""Between the steps of a key's path."""
KEYS = "\x1e"
"""The last step of a key that stands for a mapping's list of keys."""
MISSING = "\0missing"
"""What a key's path leads to when it names nothing; a template that is not there."""
TEMPLATE = "template"
"""The first step of the key of a template's source."""
WHOLE = "*"
"""The last step of a key that stands for a whole record (compared, shown or hashed whole)."""


def fingerprint(value: Any) -> bytes:
    """A digest of a model value, deep: equal digests mean equal values, whatever a
    template then reads of them. A value of a type it does not know is an error, never
    a guess."""
    parts: list[str] = []
    _walk(value, parts.append, {})
    return _hash(parts)


FP = 16
"""Bytes in a fingerprint."""


def _hash(parts: list[str]) -> bytes:
    return hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=FP).digest()


def _packed(text: str) -> bytes:
    """A fingerprint given as text (a template's digest, which record a key names) in
    `FP` bytes, as the others: one record keeps them all in one string of bytes."""
    return hashlib.blake2b(b"\x01" + text.encode("utf-8", "surrogatepass"), digest_size=FP).digest()


NOTHING = _packed(MISSING)
"""The fingerprint of a key that names nothing."""


_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Types whose `repr` is their value, unambiguously: a container of nothing else is
written by its `repr` in one call (most of a dispatch is tuples of text)."""
_NUMBERS = frozenset({int, float, bool, type(None)})
_FLAT = _SCALARS | {tuple}


def _flat(value: tuple | list) -> bool:
    """Whether a tuple or list holds only scalars and tuples of scalars, whose `repr`
    (as a tuple's or list's, whatever its subclass says) is then unambiguous."""
    kinds = set(map(type, value))
    return kinds <= _SCALARS or (kinds <= _FLAT and all(_SCALARS.issuperset(map(type, item)) for item in value if type(item) is tuple))


def _walk(value: Any, out: Callable[[str], None], seen: dict[int, tuple[Any, str]]) -> None:
    """Each value with its type and, for text, its length: no two values write alike.
    The commonest types are tried first, by their exact type."""
    kind = type(value)
    if kind is str:
        out(f"s{len(value)}:{value}")
    elif kind is tuple and _SCALARS.issuperset(map(type, value)):
        out(f"tuple:{value!r}")
    elif kind in _NUMBERS:
        out(f"{kind.__name__}:{value!r}")
    elif _is_record_kind(kind):
        _record(value, out, seen)
    elif kind is Markup:
        out(f"m{len(value)}:{value}")
    elif kind is dt.date:
        out(f"date:{value.isoformat()}")
    elif kind is dt.datetime:
        out(f"datetime:{value.isoformat()}:{value.tzinfo}")
    elif isinstance(value, (tuple, list)):
        if _flat(value):  # a named tuple of text and tuples of text: one call, not one a field
            out(f"{kind.__name__}:{tuple.__repr__(value) if isinstance(value, tuple) else list.__repr__(value)}")
            return
        out(f"{kind.__name__}{len(value)}(")
        for item in value:
            _walk(item, out, seen)
        out(")")
    elif isinstance(value, Mapping):
        if _SCALARS.issuperset(map(type, value)) and _SCALARS.issuperset(map(type, value.values())):
            out(f"{kind.__name__}:{list(value.items())!r}")
            return
        out(f"{kind.__name__}{len(value)}(")
        for key, item in value.items():
            _walk(key, out, seen)
            _walk(item, out, seen)
        out(")")
    elif isinstance(value, (set, frozenset)):
        out(f"{kind.__name__}:{sorted(fingerprint(v) for v in value)}")
    else:
        raise TypeError(f"cannot fingerprint a {kind.__qualname__}: give templates model records, mappings, tuples and plain values")


def _record(value: Any, out: Callable[[str], None], seen: dict[int, tuple[Any, str]]) -> None:
    """A dataclass record by its fields, found from its class (never a hand-kept list); a
    record met again is written once. `seen` keeps each record it names alive, so that no
    other object can take its id."""
    known = seen.get(id(value))
    if known is not None:
        out(known[1])
        return
    kind = type(value)
    parts: list[str] = []
    add = parts.append
    for item in shape(kind)[1](value):
        if type(item) is str:
            add(f"s{len(item)}:{item}")
        else:
            _walk(item, add, seen)
    found = f"{kind.__module__}.{kind.__qualname__}:{_hash(parts).hex()}"
    seen[id(value)] = (value, found)
    out(found)


_RECORD_KINDS: dict[type, bool] = {}


def _is_record_kind(kind: type) -> bool:
    """Whether instances of `kind` are records (dataclasses), asked once per type."""
    found = _RECORD_KINDS.get(kind)
    if found is None:
        found = _RECORD_KINDS[kind] = dataclasses.is_dataclass(kind)
    return found


DERIVED = "derived"
"""The first step of the key of a value made once and shared (see `Recorder.derived`)."""
_DERIVED = DERIVED + SEP
_AT = "\0at" + SEP
"""How a page's view names a record of the site it was handed: by where it is."""


class Recorder:
    """The keys each page reads, and the fingerprint of each key's value, for one build.

    One recorder per process and build: pages are rendered one at a time in a process, so
    `current` is the set of keys of the page being rendered (None between pages). What a
    shared value read is kept once, under its own key (`shared`), and a page using it
    notes that key alone."""

    def __init__(self, site: Any, templates: Callable[[str], str]) -> None:
        self.site = site
        self.templates = templates
        """A template's name → a digest of its source (`MISSING` when there is none)."""
        self.current: set[str] | None = None
        self.shared: dict[str, frozenset[str]] = {}
        """What making each shared value read, by its key."""
        self._made: dict[Any, tuple[Any, str]] = {}
        self._keys: dict[str, str] = {}
        self._digests: dict[str, str] = {}
        self._objects: dict[str, Any] = {}
        self._records: dict[int, tuple[Any, str]] = {}
        self._paths: dict[int, str] | None = None
        self._fingerprinting: parallel.Shared | bool | None = None
        self._handed: dict[str, ReadRecord] = {}
        """The records' fingerprints being made (see `fingerprinting`) until a `Freshness` takes them."""

    def note(self, key: str) -> None:
        if self.current is not None:
            self.current.add(self._keys.setdefault(key, key))  # one string per key: the record stores each once

    @contextmanager
    def page(self) -> Iterator[set[str]]:
        """Record the keys read inside the block into the set it gives."""
        outer, self.current = self.current, set()
        try:
            yield self.current
        finally:
            self.current = outer

    @contextmanager
    def sharing(self, key: str) -> Iterator[None]:
        """Keep what the block reads as what the shared value `key` read, and note `key`
        where the block runs."""
        self.note(key)
        with self.page() as reads:
            yield
        self.shared[key] = self.shared.get(key, frozenset()) | reads

    def derived(self, key: Any, make: Callable[[], R]) -> R:
        """`make()` once per build and process for `key` (plain values naming what it is
        made from beyond what it reads); every page using it depends on what it read."""
        found = self._made.get(key)
        if found is None:
            name = f"{_DERIVED}{key!r}"
            with self.sharing(name):
                value = make()
            found = self._made[key] = (value, name)
        else:
            self.note(found[1])
        return found[0]

    def handed(self, value: Any, where: str | None = None) -> Any:
        """A value as a template gets it: a record of the site as a `ReadRecord`, whose
        fields are noted under the record's one path (the same record reached as
        `site.dispatches[3]` or `site.by_slug['x']` is one record); a record found at
        `where` that the site does not index, under `where`; anything else as it is (a
        page's view covers what its context holds)."""
        path = self._paths_of().get(id(value), where)
        if path is None:
            return value
        found = self._handed.get(path)  # one per record and process: it keeps its fields' keys
        if found is None or found._record is not value:
            found = self._handed[path] = ReadRecord(self, path, value)
        return found

    def page_view(self, *fixed: str, context: Mapping[str, Any]) -> bytes:
        """The fingerprint of a page's view: its context, each record of the site in it
        named by where it is (what the template reads of it is noted as it reads it)."""
        if self._fingerprinting is None:
            self._fingerprinting = fingerprinting(self)
        paths, seen = self._paths_of(), self._records
        parts = [f"view{len(context)}"]
        add = parts.append
        _walk(fixed, add, seen)
        for key, value in context.items():
            _walk(key, add, seen)
            path = paths.get(id(value))
            if path is not None:
                add(f"{_AT}{path}")  # no value writes alike: none starts with \0
            elif type(value) is str:
                add(f"s{len(value)}:{value}")  # as `_walk` writes it, without the call
            else:
                _walk(value, add, seen)
        return _hash(parts)

    def _paths_of(self) -> dict[int, str]:
        """Where each record of the site is, by id (the records live as long as the site):
        its place in a mapping before its place in a tuple, which moves when a record is
        added before it."""
        if self._paths is None:
            self._paths = {}
            if dataclasses.is_dataclass(self.site):
                values = [(f.name, getattr(self.site, f.name)) for f in dataclasses.fields(self.site)]
                for name, value in sorted(values, key=lambda item: not isinstance(item[1], Mapping)):
                    self._index(value, name)
        return self._paths

    def _index(self, value: Any, path: str) -> None:
        assert self._paths is not None
        if isinstance(value, Mapping):
            for key, item in value.items():
                self._index(item, f"{path}{SEP}{key}")
        elif type(value) is tuple and value and _is_record(value[0]):
            for i, item in enumerate(value):
                self._index(item, f"{path}{SEP}{i}")
        elif _is_record(value):
            self._paths.setdefault(id(value), path)

    def digest(self, key: str) -> bytes:
        """The fingerprint of the value under `key` in this build's site."""
        found = self._digests.get(key)
        if found is None:
            found = self._digests[key] = self._resolve(key)
        return found

    def _resolve(self, key: str) -> bytes:
        if key.startswith(TEMPLATE + SEP):
            return _packed(self.templates(key[len(TEMPLATE) + 1:]))
        prefix, _, last = key.rpartition(SEP)
        if last == KEYS:
            value = self.at(prefix)
            if isinstance(value, Mapping):
                return _hash(list(value))
            return _hash([self._identity(item) for item in value]) if type(value) is tuple else NOTHING
        value = self.at(key)
        if value is MISSING:
            return NOTHING
        if isinstance(value, _Whole):
            return self.view(value.record)
        if _is_record(value):  # its fields are noted as they are read: here, only which record it is
            return _packed(self._identity(value))
        return self.view(value)

    def _identity(self, value: Any) -> str:
        """Which record of the site a value is (its path), for a record."""
        path = self._paths_of().get(id(value)) if _is_record(value) else None
        return f"{_AT}{path}" if path is not None else self.view(value).hex()

    def at(self, path: str) -> Any:
        """What a key's path leads to in the site, or `MISSING`; each path walked once."""
        found = self._objects.get(path, _UNSEEN)
        if found is not _UNSEEN:
            return found
        prefix, _, step = path.rpartition(SEP)
        if not prefix:
            value = getattr(self.site, step, MISSING) if step and not step.startswith("_") else MISSING
        else:
            value = _step(self.at(prefix), step)
        self._objects[path] = value
        return value

    def view(self, value: Any) -> bytes:
        """`fingerprint`, with the records met in earlier calls remembered: a dispatch is
        shown on many pages, and the model does not change during a build."""
        if type(value) is str:  # most fields of a record
            return _hash([f"s{len(value)}:{value}"])
        parts: list[str] = []
        _walk(value, parts.append, self._records)
        return _hash(parts)


_UNSEEN = object()
EMPTY: Mapping[str, Any] = types.MappingProxyType({})


def _step(value: Any, step: str) -> Any:
    """One step of a key's path: an entry of a mapping, a place in a tuple, a field of a
    record (or the whole record); `MISSING` where there is none."""
    if isinstance(value, Mapping):
        return value.get(step, MISSING)
    if type(value) is tuple:
        return value[int(step)] if step.isdigit() and int(step) < len(value) else MISSING
    if _is_record(value):
        return _Whole(value) if step == WHOLE else getattr(value, step, MISSING)
    return MISSING


class _Whole:
    """A record to be fingerprinted whole, not as a mark that it is there."""

    __slots__ = ("record",)

    def __init__(self, record: Any) -> None:
        self.record = record


class ReadSite:
    """The site as templates and their helpers see it: every attribute as the model has
    it, each read noted. A mapping is handed out as a `ReadMapping`, so reading one entry
    notes that entry only."""

    __slots__ = ("_recorder", "_wrapped")

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._wrapped: dict[str, ReadMapping] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        found = self._wrapped.get(name)
        if found is None:
            found = _handed_out(self._recorder, name, getattr(self._recorder.site, name))
            if isinstance(found, ReadMapping):
                self._wrapped[name] = found
        return found


def _is_record(value: Any) -> bool:
    return _is_record_kind(type(value))


def _handed_out(recorder: Recorder, path: str, value: Any) -> Any:
    """A value of the site as a template gets it: a mapping or a record wrapped, so that
    what is read of it is noted; anything else as it is, noted whole."""
    if isinstance(value, Mapping):
        return ReadMapping(recorder, path, value)
    if _is_record(value):
        return recorder.handed(value, path)
    if type(value) is tuple and value and _is_record(value[0]):
        return ReadSequence(recorder, path, value)
    recorder.note(path)
    return value


class ReadRecord:
    """A record of the site (a dispatch, a thread, an actor's figures) whose fields are
    noted as they are read: a page showing a dispatch's title does not depend on its
    body. Compared, hashed or shown whole, it is noted whole."""

    __slots__ = ("_recorder", "_path", "_record", "_keys")

    def __init__(self, recorder: Recorder, path: str, record: Any) -> None:
        self._recorder = recorder
        self._path = path
        self._record = record
        self._keys: dict[str, str] = {}
        """The key of each field read so far: templates read the same few again and again."""

    def __getattr__(self, name: str) -> Any:
        key = self._keys.get(name)
        if key is None:
            if name.startswith("__"):
                raise AttributeError(name)
            method = getattr(type(self._record), name, None)
            if inspect.isfunction(method):  # run on this view of the record, so that what it reads is noted
                return types.MethodType(method, self)
            key = f"{self._path}{SEP}{name}"
            key = self._keys[name] = self._recorder._keys.setdefault(key, key)
        value = getattr(self._record, name)
        current = self._recorder.current
        if current is not None:
            current.add(key)
        return value

    def _whole(self) -> Any:
        self._recorder.note(f"{self._path}{SEP}{WHOLE}")
        return self._record

    def __eq__(self, other: object) -> bool:
        return self._whole() == (other._whole() if isinstance(other, ReadRecord) else other)

    def __hash__(self) -> int:
        return hash(self._whole())

    def __repr__(self) -> str:
        return repr(self._whole())

    def __str__(self) -> str:
        return str(self._whole())


class ReadSequence(Sequence):
    """A tuple of records of the site (every dispatch, in order), each handed out as a
    `ReadRecord`: listing titles does not depend on bodies. Which records it holds, in
    order, is noted under `KEYS`; which record is at a place, under the place."""

    __slots__ = ("_recorder", "_path", "_data")

    def __init__(self, recorder: Recorder, path: str, data: tuple[Any, ...]) -> None:
        self._recorder = recorder
        self._path = path
        self._data = data

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):  # which records a slice holds follows the length too
            self._recorder.note(f"{self._path}{SEP}{KEYS}")
            return [self[i] for i in range(*index.indices(len(self._data)))]
        if not isinstance(index, int):
            raise TypeError(f"site.{self._path} is indexed by whole numbers")
        if index < 0:
            index += len(self._data)
        path = f"{self._path}{SEP}{index}"
        self._recorder.note(path)  # which record is there (or that none is)
        if not 0 <= index < len(self._data):
            raise IndexError(index)
        return _handed_out(self._recorder, path, self._data[index])

    def __len__(self) -> int:
        self._recorder.note(f"{self._path}{SEP}{KEYS}")
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        self._recorder.note(f"{self._path}{SEP}{KEYS}")  # which records, in which order
        for index, item in enumerate(self._data):
            yield _handed_out(self._recorder, f"{self._path}{SEP}{index}", item)


class ReadMapping(Mapping):
    """A mapping of the site whose reads are noted: an entry under its own key (absent
    ones too), its list of keys (iteration, length) under `KEYS`. A mapping inside it is
    handed out the same way."""

    __slots__ = ("_recorder", "_path", "_data")

    def __init__(self, recorder: Recorder, path: str, data: Mapping[str, Any]) -> None:
        self._recorder = recorder
        self._path = path
        self._data = data

    def __getitem__(self, key: Any) -> Any:
        path = f"{self._path}{SEP}{key}"
        self._recorder.note(path)  # that it is there (or not), and for a plain value, what it is
        return _handed_out(self._recorder, path, self._data[key])

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[Any]:
        self._recorder.note(f"{self._path}{SEP}{KEYS}")
        return iter(self._data)

    def __len__(self) -> int:
        self._recorder.note(f"{self._path}{SEP}{KEYS}")
        return len(self._data)

    def __repr__(self) -> str:
        return f"<site.{self._path.replace(SEP, '.')}>"


TABLE_KEY = "\0table"
"""Record key of what its pages read (see `Table`)."""
PLAIN, SHARED = -1, -2
"""The owner of a key that is no field of a record of the site, and of a shared value's key."""
RECORDS_PER_WORKER = 2000
"""From this many records of the site, a forked process fingerprints them beside this one."""


class Table(NamedTuple):
    """What the pages and files of a record read, each key once: a page's entry names
    keys by their place here, four bytes each (`array('I')`).

    Each key's fingerprint at that build is `FP` bytes at its place in `fps`. A key that
    is a field of a record of the site (`by_slug\x1fx\x1ftitle`) is *owned* by that
    record: `owners` holds its place in `paths` (an `array('i')`; `PLAIN` or `SHARED`
    for the others), and `wholes` that record's fingerprint. Where a record is as it was,
    none of its fields need be looked at. `words` is what each shared value read, by its
    key's place: the places of the keys it read, and of the shared values it used."""

    keys: tuple[str, ...]
    fps: bytes
    owners: bytes
    paths: tuple[str, ...]
    wholes: bytes
    words: dict[int, tuple[bytes, tuple[int, ...]]]


def table_of(record: Mapping[str, Any]) -> Table | None:
    """A record's table, or None for one of another shape."""
    found = record.get(TABLE_KEY)
    if not (type(found) is tuple and len(found) == len(Table._fields)):
        return None
    table = Table(*found)
    n = len(table.keys)
    shaped = (
        type(table.keys) is tuple and type(table.fps) is bytes and len(table.fps) == n * FP
        and type(table.owners) is bytes and len(table.owners) == 4 * n and type(table.paths) is tuple
        and type(table.wholes) is bytes and len(table.wholes) == FP * len(table.paths) and type(table.words) is dict
    )
    if not shaped or max(memoryview(table.owners).cast("i"), default=PLAIN) >= len(table.paths):
        return None
    return table


class _Checked(NamedTuple):
    """A record compared with this build: the places of the keys whose value changed
    (shared values among them), and every key's fingerprint now."""

    table: Table
    changed: set[int]
    now: bytearray


class Freshness:
    """Which pages and files a folder's record says are still what this build would make.

    A record holds, for each page (by output path) and file job (by its record key), the
    fingerprint of its view and the places of the keys it read in the record's `Table` (a
    job's entry also names the files it made). One is unchanged when its view
    fingerprints the same and none of its keys, nor anything a shared value it used
    read, fingerprints differently now.

    Each record of the site is fingerprinted once: at 10,000 dispatches that is 23,000
    records, most of a second of work, started in a forked process (see `fingerprinting`)
    that this process shares once it needs the fingerprints. Its fields are fingerprinted
    only where it changed, or where a key not in the table reads them."""

    def __init__(self, recorder: Recorder, views: Mapping[str, bytes]) -> None:
        self.recorder = recorder
        self.views = views
        """Each page's and job's view fingerprint, by record key."""
        self._checked: dict[int, tuple[Mapping[str, Any], _Checked | None]] = {}
        self._records: dict[str, bytes | None] = {}
        """Each record of the site's fingerprint by path (None where there is no record)."""
        self._fields: dict[str, bytes] = {}
        """Its fields' fingerprints, one after the other, where they were needed."""
        self._keys: dict[str, bytes] = {}
        work = recorder._fingerprinting
        self._work = work if work is not None else fingerprinting(recorder)
        recorder._fingerprinting = False  # taken

    def __del__(self) -> None:
        if getattr(self, "_work", None):
            with suppress(Exception):
                self._work.abandon()

    def unchanged(self, record: Mapping[str, Any], rel: str) -> bool:
        entry = record.get(rel)
        if not (isinstance(entry, tuple) and len(entry) >= 2 and entry[0] == self.views[rel]):
            return False
        ids = entry[1]
        checked = self._checked_of(record) if type(ids) is bytes and len(ids) % 4 == 0 else None
        return checked is not None and (not checked.changed or checked.changed.isdisjoint(memoryview(ids).cast("I")))

    def _checked_of(self, record: Mapping[str, Any]) -> _Checked | None:
        found = self._checked.get(id(record))
        if found is None:
            table = table_of(record)
            found = self._checked[id(record)] = (record, None if table is None else self._check(table))  # kept: its id names it
        return found[1]

    def _check(self, table: Table) -> _Checked:
        """Which keys of a table changed: each field of a record that is not as it was,
        each key that is no field, each shared value that read one of them."""
        moved = {i for i, path in enumerate(table.paths) if self._whole(path) != table.wholes[i * FP : (i + 1) * FP]}
        keys, fps, key_fp = table.keys, table.fps, self._key_fp
        changed: set[int] = set()
        now = bytearray(fps)
        shared: list[int] = []
        for i, owner in enumerate(memoryview(table.owners).cast("i")):
            if owner >= 0 and owner not in moved:
                continue  # a field of a record that is as it was
            if owner == SHARED:
                shared.append(i)
                continue
            fp = key_fp(keys[i])
            if fp != fps[i * FP : (i + 1) * FP]:
                changed.add(i)
                now[i * FP : (i + 1) * FP] = fp
        words, memo = table.words, {}

        def has_moved(i: int) -> bool:
            found = memo.get(i)
            if found is None:
                memo[i] = True  # a cycle cannot arise; were one there, it would count as a change
                word = words.get(i)
                found = memo[i] = not _word(word) or not changed.isdisjoint(memoryview(word[0]).cast("I")) or any(map(has_moved, word[1]))
            return found

        changed.update([i for i in shared if has_moved(i)])
        return _Checked(table, changed, now)

    def record(
        self, entries: Mapping[str, tuple[Any, ...]], shared: Mapping[str, Iterable[str]],
        origins: Mapping[str, Mapping[str, Any]] = EMPTY,
    ) -> dict[str, Any]:
        """The record of a folder holding these pages and files (view fingerprint and what
        they read: keys for one made now, places in its origin's table for one taken from
        an earlier record, `origins`; then what else the entry keeps), with what each key
        fingerprints as now.

        The table grows from that of the record most entries came from, so their entries
        are kept as they are; it is made anew once a quarter of it is no longer read.
        `shared` is what each shared value made in this build read; an entry taken from an
        earlier record uses that record's word for a shared value not made now, which is
        what making it now would read, as the entry was found unchanged. An entry using a
        shared value of which nothing is known is left out: that page is made again next time."""
        counts: dict[int, int] = {}
        for origin in origins.values():
            counts[id(origin)] = counts.get(id(origin), 0) + 1
        base = max(counts, key=counts.__getitem__, default=None)
        checked = self._checked.get(base) if base is not None else None
        made = _Made(self, shared, checked[1] if checked is not None else None)
        record = made.record(entries, origins)
        if checked is not None and checked[1] is not None and made.unread() * 4 > len(made.keys):
            record = _Made(self, shared, None).record(entries, origins)
        return record

    def _key_fp(self, key: str) -> bytes:
        """The fingerprint now of a key: for a field of a record of the site, from all of
        the record's fields, fingerprinted at once."""
        found = self._keys.get(key)
        if found is None:
            path, _, step = key.rpartition(SEP)
            at = _field_places(type(self.recorder.at(path))).get(step) if path and self._record(path) is not None else None
            if at is not None:
                fields = self._fields.get(path)
                if fields is None:
                    fields = self._fields[path] = _fields_of(self.recorder, [path])[0]
                found = fields[at * FP : (at + 1) * FP]
            else:
                found = self.recorder.digest(key)
            self._keys[key] = found
        return found

    def _key_fps(self, keys: list[str]) -> list[bytes]:
        """`_key_fp` of each key; the fields of many records (a cold build's) are
        fingerprinted over two processes."""
        paths = {key.rpartition(SEP)[0] for key in keys if key not in self._keys}
        paths = [path for path in paths if path and path not in self._fields and self._record(path) is not None]
        workers = parallel.worker_count(len(paths), RECORDS_PER_WORKER)
        if workers > 1:
            with suppress(RuntimeError):
                work = parallel.Shared(functools.partial(_fields_of, self.recorder), paths, workers)
                for chunk, found in zip(work.chunks, work.finish()):
                    self._fields.update(zip(chunk, found))
        return [self._key_fp(key) for key in keys]

    def _whole(self, path: str) -> bytes:
        """The fingerprint now of the record at `path` (`NOTHING` where there is none)."""
        found = self._record(path)
        return NOTHING if found is None else found

    def _record(self, path: str) -> bytes | None:
        found = self._records.get(path, _UNSEEN)
        if found is _UNSEEN:
            self._join()
            found = self._records.get(path, _UNSEEN)
            if found is _UNSEEN:
                found = self._records[path] = _fingerprint(self.recorder, self.recorder.at(path))
        return found

    def _join(self) -> None:
        """Take the fingerprints of the records of the site from the work started with
        this object, sharing what is left of it; where that fails, they are made here,
        as they are asked for."""
        work, self._work = self._work, None
        if work:
            with suppress(RuntimeError):
                for paths, found in zip(work.chunks, work.finish()):
                    self._records.update(zip(paths, found))

    def _table(self, record: Mapping[str, Any]) -> Table | None:
        """A record's table, as compared in this build (one object per record)."""
        checked = self._checked_of(record)
        return checked.table if checked is not None else None


def fingerprinting(recorder: Recorder) -> parallel.Shared | bool:
    """The fingerprints of every record of the site (`_fingerprint`), started in a forked
    process, which `Freshness` shares once it needs them; False for a site too small for
    that to pay, or where forking is unsafe. A recorder starts it at its first page view,
    as views are made for a `Freshness` (20,000 of them take half a second)."""
    paths = list(dict.fromkeys(recorder._paths_of().values()))
    workers = parallel.worker_count(len(paths), RECORDS_PER_WORKER)
    return parallel.Shared(functools.partial(_fingerprinted, recorder), paths, workers) if workers > 1 else False


def _fingerprinted(recorder: Recorder, paths: Sequence[str]) -> list[bytes | None]:
    return [_fingerprint(recorder, recorder.at(path)) for path in paths]


def _fingerprint(recorder: Recorder, value: Any) -> bytes | None:
    """A record's fingerprint (`Recorder.view`), or None for anything else."""
    return recorder.view(value) if _is_record(value) else None


def _fields_of(recorder: Recorder, paths: Sequence[str]) -> list[bytes]:
    """The fingerprints of the fields of the records at `paths`, each one after the other."""
    return [b"".join(map(recorder.view, shape(type(value))[1](value))) for value in map(recorder.at, paths)]


@functools.cache
def _field_places(kind: type) -> dict[str, int]:
    return {name: i for i, name in enumerate(shape(kind)[0])}


def _word(word: Any) -> bool:
    """Whether a table's word for a shared value is of the right shape."""
    return type(word) is tuple and len(word) == 2 and type(word[0]) is bytes and len(word[0]) % 4 == 0 and type(word[1]) is tuple


class _Made:
    """The table of a new record, growing from that of a record compared in this build
    (`base`: its keys keep their places, with their fingerprints now), or from nothing."""

    def __init__(self, freshness: Freshness, shared: Mapping[str, Iterable[str]], base: _Checked | None) -> None:
        self.freshness = freshness
        self.shared = shared
        self.base = base.table if base is not None else None
        self.keys: list[str] = list(base.table.keys) if base is not None else []
        self.fps = bytearray(base.now) if base is not None else bytearray()
        self.owners = array("i", base.table.owners if base is not None else b"")
        self.paths: list[str] = list(base.table.paths) if base is not None else []
        self.words: dict[int, tuple[bytes, tuple[int, ...]]] = {}
        self._index: dict[str, int] | None = None
        self._places = {path: i for i, path in enumerate(self.paths)}
        self._read: set[int] = set()
        self._indexes: dict[int, dict[str, int]] = {}
        self._new: list[int] = []
        """The places of the keys added (but shared values')."""

    def place(self, key: str) -> int:
        """A key's place in the table, where it is added if it is not there."""
        index = self._index
        if index is None:
            index = self._index = {k: i for i, k in enumerate(self.keys)}
        found = index.get(key)
        if found is None:
            found = index[key] = len(self.keys)
            self.keys.append(key)
            owner = self._owner(key)
            self.owners.append(owner)
            self.fps += bytes(FP)  # a shared value's key has none; the others', all at once (`record`)
            if owner != SHARED:
                self._new.append(found)
        return found

    def _owner(self, key: str) -> int:
        if key.startswith(_DERIVED):
            return SHARED
        path = key.rpartition(SEP)[0]
        found = self._places.get(path)
        if found is None:
            if not path or self.freshness._record(path) is None:
                return PLAIN
            found = self._places[path] = len(self.paths)
            self.paths.append(path)
        return found

    def places(self, keys: Iterable[str]) -> bytes:
        if self._index is None:
            self._index = {k: i for i, k in enumerate(self.keys)}
        get, place = self._index.get, self.place
        return array("I", [i if (i := get(k)) is not None else place(k) for k in keys]).tobytes()

    def record(self, entries: Mapping[str, tuple[Any, ...]], origins: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        made: dict[str, tuple[Any, ...]] = {}
        groups: dict[int, tuple[Table | None, list[str]]] = {}
        for rel, entry in entries.items():
            ids, origin = entry[1], origins.get(rel)
            table = self.freshness._table(origin) if type(ids) is bytes and origin is not None else None
            if type(ids) is bytes:
                if table is None or len(ids) % 4:
                    continue  # nothing known of what it read: made again next time
                if table is not self.base:  # another record's places
                    ids = self.places(table.keys[i] for i in memoryview(ids).cast("I"))
            else:
                ids, table = self.places(ids), None
            made[rel] = entry if ids is entry[1] else (entry[0], ids, *entry[2:])
            groups.setdefault(id(table), (table, []))[1].append(rel)
        for table, rels in groups.values():
            lost = self._settle(table, [made[rel][1] for rel in rels])
            for rel in rels if lost else ():
                if not lost.isdisjoint(memoryview(made[rel][1]).cast("I")):
                    del made[rel]
        for i, fp in zip(self._new, self.freshness._key_fps([self.keys[i] for i in self._new])):
            self.fps[i * FP : (i + 1) * FP] = fp
        table = Table(tuple(self.keys), bytes(self.fps), self.owners.tobytes(), tuple(self.paths),
                      b"".join(map(self.freshness._whole, self.paths)), self.words)
        return {**made, TABLE_KEY: tuple(table)}

    def _settle(self, origin: Table | None, reads: list[bytes]) -> set[int]:
        """Give each shared value these entries use (and each it used) its word: what
        making it now read, else what it read in `origin`, the record they came from.
        The places of those of which nothing is known (and of those using them)."""
        used: set[int] = set().union(*(memoryview(ids).cast("I") for ids in reads))
        self._read |= used
        owners, lost = self.owners, set()
        todo = [i for i in used if owners[i] == SHARED and i not in self.words]
        while todo:
            i = todo.pop()
            if i in self.words or i in lost:
                continue
            word = self._word(i, origin)
            if word is None:
                lost.add(i)
                continue
            self.words[i] = word
            todo += word[1]
        while lost:  # rare: a shared value using one lost is lost too
            more = {i for i, word in self.words.items() if i not in lost and not lost.isdisjoint(word[1])}
            if not more:
                break
            lost |= more
        for i in lost:
            self.words.pop(i, None)
        return lost

    def _word(self, i: int, origin: Table | None) -> tuple[bytes, tuple[int, ...]] | None:
        made = self.shared.get(self.keys[i])
        if made is not None:
            places = [self.place(k) for k in made]
        elif origin is None:
            return None
        else:
            at = i if origin is self.base else self._index_of(origin).get(self.keys[i])
            word = origin.words.get(at) if at is not None else None
            if not _word(word):
                return None
            if origin is self.base:  # the same places
                self._read.update(memoryview(word[0]).cast("I"), word[1])
                return word
            places = [self.place(origin.keys[j]) for j in (*memoryview(word[0]).cast("I"), *word[1])]
        self._read.update(places)
        owners = self.owners
        return array("I", [j for j in places if owners[j] != SHARED]).tobytes(), tuple(j for j in places if owners[j] == SHARED)

    def _index_of(self, table: Table) -> dict[str, int]:
        found = self._indexes.get(id(table))
        if found is None:
            found = self._indexes[id(table)] = {k: i for i, k in enumerate(table.keys)}
        return found

    def unread(self) -> int:
        """How many keys of the table nothing in the record reads."""
        return len(self.keys) - len(self._read)
