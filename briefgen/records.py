"""Frozen records (dataclasses) as plain values and back, by their declared fields.

The parse cache keeps validated dispatches with `marshal`, which holds only plain values
(no code runs on loading). A record written there, or copied, field by field by hand
loses any field added to the model later, silently, and only in a cached build; here
every field comes from `dataclasses.fields`, so a new one is kept, restored and copied
with no other change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
import typing
from types import MappingProxyType
from typing import Any, Callable, Mapping, TypeVar
from zoneinfo import ZoneInfo

R = TypeVar("R")
SCALARS = frozenset({type(None), bool, int, float, str, bytes})
"""Kept as they are. Tuples are kept as tuples of plain values; everything else becomes
a list `[tag, …]` (no other list occurs), tagged by its record type's name or, for the
others, by a tag starting with ':', which no type name does."""


@functools.cache
def shape(kind: type) -> tuple[tuple[str, ...], Callable[[Any], tuple]]:
    """A record type's field names, in the order its constructor takes them, and a
    function reading their values: the type is looked at once, not at every copy."""
    names = tuple(f.name for f in dataclasses.fields(kind) if f.init)
    get = operator.attrgetter(*names) if names else (lambda record: ())
    return names, (get if len(names) != 1 else lambda record: (get(record),))


def replaced(record: R, **changes: Any) -> R:
    """`dataclasses.replace`, in about half its time, as every dispatch is copied on every
    build; ValueError for a name that is not a field."""
    names, values_of = shape(type(record))
    values = list(values_of(record))
    for name, value in changes.items():
        values[names.index(name)] = value
    return type(record)(*values)


def to_plain(value: Any) -> Any:
    """`value` as values marshal keeps: records by type name, field names and values;
    lists, dicts, read-only mappings, dates and date-times (with their zone) tagged.
    TypeError for anything else, which the cache then does without."""
    kind = type(value)
    if kind in SCALARS:
        return value
    if kind is tuple:  # most hold only strings: looked over in C, kept as they are
        if SCALARS.issuperset(map(type, value)):
            return value
        return tuple([item if type(item) in SCALARS else to_plain(item) for item in value])
    if kind is list:
        return [":list", tuple(map(to_plain, value))]
    if kind is dict or kind is MappingProxyType:
        if SCALARS.issuperset(map(type, value)) and SCALARS.issuperset(map(type, value.values())):
            return [":dict" if kind is dict else ":mapping", dict(value)]
        plain = {to_plain(k): to_plain(v) for k, v in value.items()}
        return [":dict" if kind is dict else ":mapping", plain]
    if kind is dt.datetime:
        when = (value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, value.fold)
        return [":datetime", when, _zone_plain(value.tzinfo)]
    if kind is dt.date:
        return [":date", value.toordinal()]
    if dataclasses.is_dataclass(kind):
        names, values_of = shape(kind)
        return [kind.__name__, names, to_plain(values_of(value))]
    raise TypeError(f"a {kind.__name__} is not kept as plain values")


def _zone_plain(zone: dt.tzinfo | None) -> Any:
    """A time zone by name, a fixed offset as (microseconds, name), or None."""
    if zone is None:
        return None
    if type(zone) is ZoneInfo and zone.key:
        return zone.key
    if type(zone) is dt.timezone:
        return (zone.utcoffset(None) // dt.timedelta(microseconds=1), zone.tzname(None))
    raise TypeError(f"a {type(zone).__name__} time zone is not kept as plain values")


def from_plain(plain: Any, root: type[R]) -> R | None:
    """The `root` record `to_plain` made `plain` of, or None for plain values of any
    other shape (of another version, or foreign): the caller makes the record afresh.
    Records, tags and field names are checked, not what type each field holds: the
    cache's key and checksum vouch that it was written by this very code."""
    known = kinds(root)
    try:
        value = _rebuilt(plain, known)
    except (TypeError, ValueError, LookupError, OverflowError, RecursionError):
        return None
    return value if type(value) is root else None


def _rebuilt(plain: Any, known: Mapping[str, type]) -> Any:
    kind = type(plain)
    if kind in SCALARS:
        return plain
    if kind is tuple:
        return _items(plain, known)
    if kind is not list:
        raise TypeError(f"a {kind.__name__} is not plain values made by to_plain")
    tag = plain[0]
    record = known.get(tag)
    if record is not None:
        _, names, values = plain
        if names != shape(record)[0]:
            raise ValueError(f"the fields of {tag} are not {names}")
        return record(*_items(values, known))
    if tag == ":date":
        _, ordinal = plain
        return dt.date.fromordinal(ordinal)
    if tag == ":datetime":
        _, when, zone = plain
        *when, fold = _items(when, known)
        return dt.datetime(*when, tzinfo=_zone_from(zone), fold=fold)
    if tag == ":dict" or tag == ":mapping":
        _, mapping = plain
        if type(mapping) is not dict:  # keys are kept as they are: to_plain makes no key of a list
            raise TypeError("a mapping was expected")
        if SCALARS.issuperset(map(type, mapping.values())):
            mapping = dict(mapping)  # not the cache's own
        else:
            mapping = {k: v if type(v) in SCALARS else _rebuilt(v, known) for k, v in mapping.items()}
        return mapping if tag == ":dict" else MappingProxyType(mapping)
    if tag == ":list":
        _, items = plain
        return list(_items(items, known))
    raise ValueError(f"no record is named {tag}")


def _items(plain: Any, known: Mapping[str, type]) -> tuple:
    """A tuple's items rebuilt. Most are strings: a tuple of nothing else is looked over in
    C and kept as it is, and in others they are not a call each."""
    if type(plain) is not tuple:
        raise TypeError("a tuple was expected")
    if SCALARS.issuperset(map(type, plain)):
        return plain
    return tuple([item if type(item) in SCALARS else _rebuilt(item, known) for item in plain])


def _zone_from(plain: Any) -> dt.tzinfo | None:
    if plain is None:
        return None
    if type(plain) is str:
        return ZoneInfo(plain)
    if type(plain) is not tuple:
        raise TypeError("a time zone is a name or a tuple")
    micros, name = plain
    offset = dt.timedelta(microseconds=micros)
    unnamed = dt.timezone(offset)  # as fromisoformat makes it, UTC's the very `timezone.utc`
    return unnamed if unnamed.tzname(None) == name else dt.timezone(offset, name)


@functools.cache
def kinds(root: type) -> Mapping[str, type]:
    """`root` and every record type its fields' type hints name (through tuples, unions
    and mappings), by name: the only types `from_plain` makes, whatever it is given."""
    found: dict[str, type] = {}
    todo: list[Any] = [root]
    while todo:
        hint = todo.pop()
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint)):
            todo += typing.get_args(hint)
        elif hint.__name__ not in found:
            found[hint.__name__] = hint
            todo += typing.get_type_hints(hint).values()
        elif found[hint.__name__] is not hint:
            raise TypeError(f"two record types are named {hint.__name__}")
    return MappingProxyType(found)
