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
import hashlib
import inspect
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Callable, TypeVar

from markupsafe import Markup

from briefgen.records import shape

R = TypeVar("R")
SEP = "\x1f"
"""Between the steps of a key's path."""
KEYS = "\x1e"
"""The last step of a key that stands for a mapping's list of keys."""
MISSING = "\0missing"
"""The fingerprint of a key that names nothing."""
TEMPLATE = "template"
"""The first step of the key of a template's source."""
WHOLE = "*"
"""The last step of a key that stands for a whole record (compared, shown or hashed whole)."""


def fingerprint(value: Any) -> str:
    """A digest of a model value, deep: equal digests mean equal values, whatever a
    template then reads of them. A value of a type it does not know is an error, never
    a guess."""
    parts: list[str] = []
    _walk(value, parts.append, {})
    return _hash(parts)


def _hash(parts: list[str]) -> str:
    return hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Types whose `repr` is their value, unambiguously: a container of nothing else is
written by its `repr` in one call (most of a dispatch is tuples of text)."""


def _walk(value: Any, out: Callable[[str], None], seen: dict[int, tuple[Any, str]]) -> None:
    """Each value with its type and, for text, its length: no two values write alike."""
    kind = type(value)
    if kind is str or kind is Markup:
        out(f"{'s' if kind is str else 'm'}{len(value)}:{value}")
    elif value is None or kind in (bool, int, float):
        out(f"{kind.__name__}:{value!r}")
    elif kind is dt.date:
        out(f"date:{value.isoformat()}")
    elif kind is dt.datetime:
        out(f"datetime:{value.isoformat()}:{value.tzinfo}")
    elif isinstance(value, (tuple, list)):
        if all(type(item) in _SCALARS for item in value):
            out(f"{kind.__name__}:{value!r}")
            return
        out(f"{kind.__name__}{len(value)}(")
        for item in value:
            _walk(item, out, seen)
        out(")")
    elif isinstance(value, Mapping):
        if all(type(k) in _SCALARS and type(v) in _SCALARS for k, v in value.items()):
            out(f"map:{list(value.items())!r}")
            return
        out(f"map{len(value)}(")
        for key, item in value.items():
            _walk(key, out, seen)
            _walk(item, out, seen)
        out(")")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _record(value, out, seen)
    elif isinstance(value, (set, frozenset)):
        out(f"set:{sorted(fingerprint(v) for v in value)}")
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
    for item in shape(kind)[1](value):
        _walk(item, parts.append, seen)
    found = f"{kind.__module__}.{kind.__qualname__}:{_hash(parts)}"
    seen[id(value)] = (value, found)
    out(found)


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
        return value if path is None else ReadRecord(self, path, value)

    def page_view(self, *fixed: str, context: Mapping[str, Any]) -> str:
        """The fingerprint of a page's view: its context, each record of the site in it
        named by where it is (what the template reads of it is noted as it reads it)."""
        paths = self._paths_of()
        named = tuple((k, f"{_AT}{paths[id(v)]}" if id(v) in paths else v) for k, v in context.items())
        return self.view((fixed, named))

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

    def digest(self, key: str) -> str:
        """The fingerprint of the value under `key` in this build's site."""
        found = self._digests.get(key)
        if found is None:
            found = self._digests[key] = self._resolve(key)
        return found

    def _resolve(self, key: str) -> str:
        if key.startswith(TEMPLATE + SEP):
            return self.templates(key[len(TEMPLATE) + 1:])
        prefix, _, last = key.rpartition(SEP)
        if last == KEYS:
            value = self.at(prefix)
            if isinstance(value, Mapping):
                return _hash(list(value))
            return _hash([self._identity(item) for item in value]) if type(value) is tuple else MISSING
        value = self.at(key)
        if value is MISSING:
            return MISSING
        if isinstance(value, _Whole):
            return self.view(value.record)
        if _is_record(value):  # its fields are noted as they are read: here, only which record it is
            return self._identity(value)
        return self.view(value)

    def _identity(self, value: Any) -> str:
        """Which record of the site a value is (its path), for a record."""
        path = self._paths_of().get(id(value)) if _is_record(value) else None
        return f"{_AT}{path}" if path is not None else self.view(value)

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

    def view(self, value: Any) -> str:
        """`fingerprint`, with the records met in earlier calls remembered: a dispatch is
        shown on many pages, and the model does not change during a build."""
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
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


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

    __slots__ = ("_recorder", "_path", "_record")

    def __init__(self, recorder: Recorder, path: str, record: Any) -> None:
        self._recorder = recorder
        self._path = path
        self._record = record

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        method = getattr(type(self._record), name, None)
        if inspect.isfunction(method):  # run on this view of the record, so that what it reads is noted
            return types.MethodType(method, self)
        value = getattr(self._record, name)
        self._recorder.note(f"{self._path}{SEP}{name}")
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
        if isinstance(index, slice):
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


READS_KEY = "\0reads"
"""Record key of the fingerprint, at that build, of every key its pages read."""
SHARED_KEY = "\0shared"
"""Record key of what each shared value its pages used read, at that build."""
RECORDS_KEY = "\0records"
"""Record key of the fingerprint, at that build, of each record of the site whose fields
its pages read: where a record is as it was, none of its fields need be looked at."""


class Freshness:
    """Which pages and files a folder's record says are still what this build would make.

    A record holds, for each page (by output path) and file job (by its record key), the
    fingerprint of its view and the keys it read (a job's entry also names the files it
    made); under `READS_KEY` what each key fingerprinted as then, and under `SHARED_KEY`
    what each shared value read. One is unchanged when its view fingerprints the same and
    none of its keys, nor anything a shared value it used read, fingerprints differently now."""

    def __init__(self, recorder: Recorder, views: Mapping[str, str]) -> None:
        self.recorder = recorder
        self.views = views
        """Each page's and job's view fingerprint, by record key."""
        self._changed: dict[int, set[str] | None] = {}
        self._known: dict[str, str] = {}
        """Fingerprints now of keys, as found while comparing with a record."""
        self._wholes: dict[str, str] = {}

    def unchanged(self, record: Mapping[str, Any], rel: str) -> bool:
        entry = record.get(rel)
        if not (isinstance(entry, tuple) and len(entry) >= 2 and entry[0] == self.views[rel]):
            return False
        changed = self._changed_in(record)
        return changed is not None and changed.isdisjoint(entry[1])

    def _changed_in(self, record: Mapping[str, Any]) -> set[str] | None:
        """The keys whose value changed since the record was made, shared values among
        them; None for a record without what that takes."""
        if id(record) not in self._changed:
            then, shared, wholes = record.get(READS_KEY), record.get(SHARED_KEY), record.get(RECORDS_KEY)
            if not (isinstance(then, dict) and isinstance(shared, dict) and isinstance(wholes, dict)):
                self._changed[id(record)] = None
                return None
            same = {path for path, was in wholes.items() if self._whole(path) == was}
            digest, known = self.recorder.digest, self._known
            changed = set()
            for key, was in then.items():
                if key.rpartition(SEP)[0] in same:
                    known[key] = was  # a field of a record that is as it was
                else:
                    known[key] = now = digest(key)
                    if now != was:
                        changed.add(key)
            moved: dict[str, bool] = {}

            def has_moved(name: str) -> bool:
                if name not in moved:
                    moved[name] = True  # a cycle cannot arise; were one there, it would count as a change
                    reads = shared.get(name)
                    moved[name] = reads is None or any(k in changed or (k.startswith(_DERIVED) and has_moved(k)) for k in reads)
                return moved[name]

            changed.update(name for name in shared if has_moved(name))
            self._changed[id(record)] = changed
        return self._changed[id(record)]

    def record(
        self, entries: Mapping[str, tuple[Any, ...]], shared: Mapping[str, Iterable[str]],
        origins: Mapping[str, Mapping[str, Any]] = EMPTY,
    ) -> dict[str, Any]:
        """The record of a folder holding these pages and files (view fingerprint and keys
        read, then what else the entry keeps), with what each key fingerprints as now.

        `shared` is what each shared value made in this build read; an entry taken from
        an earlier record (its `origins`) uses that record's word for a shared value not
        made now, which is what making it now would read, as the entry was found
        unchanged. An entry using a shared value of which nothing is known is left out:
        that page is made again next time."""
        one: dict[str, str] = {}  # one string per key, wherever it came from: the record stores each once
        names: dict[str, tuple[str, ...]] = {}
        kept: dict[str, tuple[Any, ...]] = {}
        for rel, entry in entries.items():
            origin = origins.get(rel, EMPTY).get(SHARED_KEY)
            before = origin if isinstance(origin, dict) else EMPTY
            todo = [k for k in entry[1] if k.startswith(_DERIVED) and k not in names]
            while todo:
                name = todo.pop()
                reads = shared.get(name)
                if reads is None:
                    reads = before.get(name)
                if reads is None:
                    break
                names[one.setdefault(name, name)] = tuple(one.setdefault(k, k) for k in reads)
                todo += [k for k in names[name] if k.startswith(_DERIVED) and k not in names]
            else:
                kept[rel] = (entry[0], tuple(one.setdefault(k, k) for k in entry[1]), *entry[2:])
        digest, known = self.recorder.digest, self._known
        plain = {k for entry in kept.values() for k in entry[1]} | {k for reads in names.values() for k in reads}
        plain = {k for k in plain if not k.startswith(_DERIVED)}
        wholes = {}
        for key in plain:
            path = key.rpartition(SEP)[0]
            if path and path not in wholes and _is_record(self.recorder.at(path)):
                wholes[path] = self._whole(path)
        reads = {k: known.get(k) or digest(k) for k in plain}
        return {**kept, READS_KEY: reads, SHARED_KEY: names, RECORDS_KEY: wholes}

    def _whole(self, path: str) -> str:
        """The fingerprint now of the record at `path` ('' where there is none)."""
        found = self._wholes.get(path)
        if found is None:
            value = self.recorder.at(path)
            found = self._wholes[path] = self.recorder.view(value) if _is_record(value) else ""
        return found
