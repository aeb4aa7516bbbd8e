"""Records as plain values and back, and copied, by their declared fields: a field added
to a record type is kept with no other change, and plain values of any other shape are
refused, never made into a wrong record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import marshal
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from briefgen import records
from briefgen.model import Correction, Dispatch, Event, Label, SourceRef

BRUSSELS = ZoneInfo("Europe/Brussels")


def _dispatch(**changes) -> Dispatch:
    return dataclasses.replace(Dispatch(
        slug="talks", title="Talks", date=dt.date(2022, 1, 10), moment=dt.datetime(2022, 1, 10, 9, tzinfo=BRUSSELS),
        path="content/talks.md", actors=("nato", "russia"), topics=(Label("security", "Security"),),
        thread="talks", related=("earlier",), location="Geneva", source=SourceRef("Wire", None, "wire"),
        summary="First.", summary_given=True, events=(Event(dt.date(2022, 1, 12), "Council", "talks", "uid"),),
        former_slugs=("old",), extra=MappingProxyType({"mood": ["tense", {"k": 1.5, "n": None}], "7": True}),
        body_html="<p>First.</p>", mentions=("nato",), words=1, digest="abc", line_of=MappingProxyType({"title": 2}),
    ), **changes)


def _round_trip(value, root: type):
    return records.from_plain(marshal.loads(marshal.dumps(records.to_plain(value))), root)


@pytest.mark.parametrize("moment", [
    dt.datetime(2022, 1, 10, 9, tzinfo=BRUSSELS),
    dt.datetime(2022, 10, 30, 2, 30, tzinfo=BRUSSELS, fold=1),  # the second 02:30 of the night clocks go back
    dt.datetime.fromisoformat("2022-01-10T09:00:00+05:30"),
    dt.datetime.fromisoformat("2022-01-10T09:00:00+00:00"),
    dt.datetime(2022, 1, 10, 9, tzinfo=dt.timezone(dt.timedelta(hours=-3), "BRT")),
    dt.datetime(2022, 1, 10, 9, 0, 0, 250),
])
def test_a_dispatch_comes_back_equal_with_every_nested_record_and_type(moment: dt.datetime) -> None:
    d = _dispatch(moment=moment)
    back = _round_trip(d, Dispatch)
    assert back == d and repr(back) == repr(d)
    assert (back.moment.fold, back.moment.utcoffset(), back.moment.tzname()) == (moment.fold, moment.utcoffset(), moment.tzname())
    assert type(back.extra) is MappingProxyType and type(back.extra["mood"]) is list and type(back.extra["mood"][1]) is dict


def test_a_field_added_to_a_record_type_is_kept_and_copied() -> None:
    """The record types are made here: nothing in briefgen knows their fields."""
    Place = dataclasses.make_dataclass("Place", [("name", str), ("since", dt.date)], frozen=True, slots=True)
    Wider = dataclasses.make_dataclass("Dispatch", [("place", Place | None, dataclasses.field(default=None))],
                                       bases=(Dispatch,), frozen=True, slots=True)
    d = Wider(**{f.name: getattr(_dispatch(), f.name) for f in dataclasses.fields(Dispatch)},
              place=Place("Geneva", dt.date(2021, 5, 1)))
    assert _round_trip(d, Wider) == d
    assert records.kinds(Wider) == {"Dispatch": Wider, "Place": Place, "Label": Label, "SourceRef": SourceRef, "Event": Event, "Correction": Correction}
    copy = records.replaced(d, title="New")
    assert type(copy) is Wider and copy == dataclasses.replace(d, title="New")
    assert _round_trip(d, Dispatch) is None  # kept by another type of that name: refused


@pytest.mark.parametrize("plain", [
    None, "text", (), {}, [], ["Dispatch"], ["Nothing", (), ()],
    ["Label", ("key", "name"), ("security", "Security")],  # a record, but not the one asked for
    ["Dispatch", ("slug",), ("talks",)],  # made when Dispatch had other fields
    ["Dispatch", ("slug", "title"), ["talks", "Talks"]],
    [":date", "2022-01-10"], [":date", 10**9], [":datetime", (2022, 1, 10, 9, 0, 0, 0, 0), "No/Such_Zone"],
    [":datetime", (2022, 13, 10, 9, 0, 0, 0, 0), None], [":datetime", (2022, 1, 10), "UTC", "more"],
    [":mapping", (("a", 1),)], [":list", ["a"]], {1, 2}, 1j, ((((),),),),
])
def test_plain_values_of_another_shape_are_refused(plain) -> None:
    assert records.from_plain(plain, Dispatch) is None


def test_a_dispatch_holding_a_record_of_another_shape_is_refused() -> None:
    """A record its fields do not declare, or one of the type it declares made when that
    type had other fields. (Which type each field holds is not checked: what the cache
    reads was written by this very code, as its key and checksum show.)"""
    plain = records.to_plain(_dispatch())
    topics_at = records.shape(Dispatch)[0].index("topics")
    for wrong in (["Actor", ("id", "name"), ("x", "X")], ["Label", ("key",), ("x",)], ["Label", ("name", "key"), ("X", "x")]):
        values = list(plain[2])
        values[topics_at] = (wrong,)
        assert records.from_plain([plain[0], plain[1], tuple(values)], Dispatch) is None
    assert records.from_plain(plain, Dispatch) == _dispatch()


class _Zone(dt.tzinfo):
    def utcoffset(self, when):
        return dt.timedelta(hours=1)


@pytest.mark.parametrize("value", [
    object(), {1, 2}, dt.time(9), dt.timedelta(1), {dt.date(2022, 1, 1): 1}, MappingProxyType({"k": object()}),
    dt.datetime(2022, 1, 1, tzinfo=_Zone()), "a str of another type".__class__.__new__(type("Text", (str,), {}), "x"),
])
def test_what_is_not_kept_as_plain_values_is_refused_when_kept(value) -> None:
    """The cache then does without the dispatch: it is validated again next time."""
    with pytest.raises(TypeError):
        records.to_plain(_dispatch(extra=MappingProxyType({"x": value})))


def test_replaced_changes_those_fields_and_keeps_every_other() -> None:
    d = _dispatch()
    assert records.replaced(d, actors=("osce",), words=3) == dataclasses.replace(d, actors=("osce",), words=3)
    assert records.replaced(Label("a", "A"), name="B") == Label("a", "B")
    with pytest.raises(ValueError):
        records.replaced(d, nonsense=1)
