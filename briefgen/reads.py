"""What a page read while it was rendered: the record that says whether it is unchanged.

Templates and the helpers they call reach the site model only through `ReadSite`, which
notes each part of the model it hands out under a *key*: `threads\\x1fnato-summit` for one
thread, `threads\\x1e` for the list of thread keys, `today` for the day. Templates note
themselves as they are loaded (`template\\x1fbase.html`). A page is a pure function of its
view (its spec's context, fingerprinted whole), config, briefgen's code and the values
under the keys it read; so when each of those keys fingerprints as it did when the page
was rendered, the page would come out the same, and it is not rendered again. Nothing
here knows what a page kind or a template shows: a site's own template that reads
something new is recorded as it reads it.

A helper that remembers something it made from the site for other pages (a drawing, a
ranking) makes it with `Recorder.derived`, which notes what making it read on every page
that uses it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Callable, TypeVar

from markupsafe import Markup

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


_FIELDS: dict[type, tuple[str, ...]] = {}


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
        out(f"{kind.__name__}{len(value)}(")
        for item in value:
            _walk(item, out, seen)
        out(")")
    elif isinstance(value, Mapping):
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
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    parts: list[str] = []
    for name in names:
        _walk(getattr(value, name), parts.append, seen)
    found = f"{kind.__module__}.{kind.__qualname__}:{_hash(parts)}"
    seen[id(value)] = (value, found)
    out(found)


class Recorder:
    """The keys each page reads, and the fingerprint of each key's value, for one build.

    One recorder per process and build: pages are rendered one at a time in a process, so
    `current` is the set of keys of the page being rendered (None between pages)."""

    def __init__(self, site: Any, templates: Callable[[str], str]) -> None:
        self.site = site
        self.templates = templates
        """A template's name → a digest of its source (`MISSING` when there is none)."""
        self.current: set[str] | None = None
        self._derived: dict[Any, tuple[Any, frozenset[str]]] = {}
        self._digests: dict[str, str] = {}
        self._records: dict[int, tuple[Any, str]] = {}

    def note(self, key: str) -> None:
        if self.current is not None:
            self.current.add(key)

    @contextmanager
    def page(self) -> Iterator[set[str]]:
        """Record the keys read inside the block into the set it gives."""
        outer, self.current = self.current, set()
        try:
            yield self.current
        finally:
            inner, self.current = self.current, outer
            if outer is not None:
                outer.update(inner)

    def derived(self, key: Any, make: Callable[[], R]) -> R:
        """`make()` once per build and process for `key`, which names what it is made
        from beyond what it reads; the keys it read are noted on every page using it."""
        found = self._derived.get(key)
        if found is None:
            with self.page() as reads:
                value = make()
            found = self._derived[key] = (value, frozenset(reads))
        elif self.current is not None:
            self.current.update(found[1])
        return found[0]

    def digest(self, key: str) -> str:
        """The fingerprint of the value under `key` in this build's site."""
        found = self._digests.get(key)
        if found is None:
            found = self._digests[key] = self._resolve(key)
        return found

    def _resolve(self, key: str) -> str:
        head, _, rest = key.partition(SEP)
        if head == TEMPLATE:
            return self.templates(rest)
        value: Any = getattr(self.site, head, MISSING) if head else MISSING
        for step in rest.split(SEP) if rest else ():
            if isinstance(value, Mapping):
                if step == KEYS:
                    return _hash(list(value))
                value = value.get(step, MISSING)
            elif type(value) is tuple:
                if step == KEYS:
                    return str(len(value))
                value = value[int(step)] if step.isdigit() and int(step) < len(value) else MISSING
            elif _is_record(value):
                if step == WHOLE:
                    return self.view(value)
                value = getattr(value, step, MISSING)
            else:
                return MISSING
        if value is MISSING:
            return MISSING
        if _is_record(value):  # its fields are noted as they are read: here, only that it is there
            return f"record:{type(value).__qualname__}"
        return self.view(value)

    def view(self, value: Any) -> str:
        """`fingerprint`, with the records met in earlier calls remembered: a dispatch is
        shown on many pages, and the model does not change during a build."""
        parts: list[str] = []
        _walk(value, parts.append, self._records)
        return _hash(parts)


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
        return ReadRecord(recorder, path, value)
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
        value = getattr(self._record, name)
        if callable(value):  # a method: it reads the record itself, unseen
            self._whole()
        else:
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
    `ReadRecord` under its place: listing titles does not depend on bodies. Its length is
    noted under `KEYS`."""

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
        if not 0 <= index < len(self._data):
            self._recorder.note(f"{self._path}{SEP}{KEYS}")
            raise IndexError(index)
        return _handed_out(self._recorder, f"{self._path}{SEP}{index}", self._data[index])

    def __len__(self) -> int:
        self._recorder.note(f"{self._path}{SEP}{KEYS}")
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        self._recorder.note(f"{self._path}{SEP}{KEYS}")
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


class Freshness:
    """Which pages and files a folder's record says are still what this build would make.

    A record holds, for each page (by output path) and file job (by its record key), the
    fingerprint of its view and the keys it read (a job's entry also names the files it
    made), and under `READS_KEY` what each key fingerprinted as then. One is unchanged
    when its view fingerprints the same and none of its keys fingerprints differently now."""

    def __init__(self, recorder: Recorder, views: Mapping[str, str]) -> None:
        self.recorder = recorder
        self.views = views
        """Each page's view fingerprint, by output path."""
        self._changed: dict[int, set[str]] = {}

    def unchanged(self, record: Mapping[str, Any], rel: str) -> bool:
        entry = record.get(rel)
        if not (isinstance(entry, tuple) and len(entry) >= 2 and entry[0] == self.views[rel]):
            return False
        changed = self._changed_in(record)
        return changed is not None and changed.isdisjoint(entry[1])

    def _changed_in(self, record: Mapping[str, Any]) -> set[str] | None:
        """The keys whose value changed since the record was made; None for a record without them."""
        found = self._changed.get(id(record))
        if found is None:
            then = record.get(READS_KEY)
            if not isinstance(then, dict):
                return None
            digest = self.recorder.digest
            found = self._changed[id(record)] = {key for key, was in then.items() if digest(key) != was}
        return found

    def record(self, entries: Mapping[str, tuple[Any, ...]]) -> dict[str, Any]:
        """The record of a folder holding these pages and files (view fingerprint and keys
        read, then what else the entry keeps), with what each key fingerprints as now."""
        digest = self.recorder.digest
        keys = {key for entry in entries.values() for key in entry[1]}
        return {**entries, READS_KEY: {key: digest(key) for key in keys}}
