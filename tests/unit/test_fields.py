"""fields: dates, date-times and zones, slugs, sources, events."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from briefgen.fields import FieldError, events, http_url, parse_moment, slug, source, text_list

BRUSSELS = ZoneInfo("Europe/Brussels")


def test_plain_date_is_midnight_in_site_zone():
    day, moment = parse_moment("2021-12-26", BRUSSELS)
    assert day == dt.date(2021, 12, 26)
    assert moment == dt.datetime(2021, 12, 26, tzinfo=BRUSSELS)


def test_date_time_without_zone_is_in_site_zone():
    day, moment = parse_moment("2022-01-10T18:30:00", BRUSSELS)
    assert moment.utcoffset() == dt.timedelta(hours=1)
    assert day == dt.date(2022, 1, 10)


def test_date_time_keeps_the_day_as_written():
    day, moment = parse_moment("2022-01-10T23:30:00-05:00", BRUSSELS)
    assert day == dt.date(2022, 1, 10)  # already 11 January in UTC
    assert moment.astimezone(dt.timezone.utc).day == 11


@pytest.mark.parametrize("raw", ["2021-02-29", "2021-13-01", "2021-00-10"])
def test_impossible_dates(raw):
    with pytest.raises(FieldError, match="does not exist"):
        parse_moment(raw, BRUSSELS)


@pytest.mark.parametrize("raw", ["26.12.2021", "2021-12", "yesterday", True, None, ["2021-12-26"]])
def test_malformed_dates(raw):
    with pytest.raises(FieldError):
        parse_moment(raw, BRUSSELS)


@pytest.mark.parametrize("raw", ["a", "nato-russia-talks", "2022", "a-b-1"])
def test_good_slugs(raw):
    assert slug(raw) == raw


@pytest.mark.parametrize("raw", ["../x", "A", "a_b", "-a", "a-", "", "a/b", "é"])
def test_bad_slugs(raw):
    with pytest.raises(FieldError):
        slug(raw)


def test_lists_accept_one_value_and_drop_repeats():
    assert text_list("NATO") == ("NATO",)
    assert text_list(["NATO", "Russia", "NATO"]) == ("NATO", "Russia")


def test_source():
    ref = source({"name": "TASS", "url": "https://tass.com/"})
    assert (ref.name, ref.key, ref.url) == ("TASS", "tass", "https://tass.com/")
    assert source("Reuters").url is None
    for bad in ({"url": "https://x"}, {"name": "X", "url": "ftp://x"}, {"name": "X", "link": "y"}, 5):
        with pytest.raises(FieldError):
            source(bad)


def test_http_url_rejects_scripts():
    for bad in ("javascript:alert(1)", "data:text/html,x", "//example.com", "http:/x"):
        with pytest.raises(FieldError):
            http_url(bad)


def test_events_have_stable_uids():
    first = events([{"date": "2022-01-12", "title": "NRC"}], "a", BRUSSELS)
    again = events([{"date": "2022-01-12", "title": "NRC"}], "a", BRUSSELS)
    assert first == again and first[0].date == dt.date(2022, 1, 12)
    with pytest.raises(FieldError, match="item 1"):
        events([{"title": "no date"}], "a", BRUSSELS)


def test_copies_with_actors_or_a_body_change_that_field_and_keep_every_other() -> None:
    """`with_actors` and `with_body` copy every field Dispatch declares but the ones they
    change, one declared by this test alone too."""
    import dataclasses

    from briefgen.fields import PENDING, to_dispatch, with_actors, with_body
    from briefgen.markdown import Rendered
    from briefgen.model import Dispatch
    from briefgen.read import LoadedDoc, front_of

    text = """---
title: Talks in Geneva
date: 2022-01-10T09:00:00
actors: [NATO, Russia]
topics: [Security]
thread: nato-russia-talks
related: [earlier-talks]
location: Geneva
source: {name: Wire, url: "https://example.org/a"}
events: [{date: 2022-01-12, title: Council meets}]
former_slugs: [old-talks]
mood: tense
---
"""
    front = front_of("content/talks.md", text.encode())
    d, problems = to_dispatch(LoadedDoc(front.rel, front.digest, front.front, PENDING), BRUSSELS, "registry")
    assert problems == [] and d is not None
    assert with_actors(d, ("nato", "russia")) == dataclasses.replace(d, actors=("nato", "russia"))
    body = Rendered(html="<p>First.</p>", first_paragraph="First.", mentions=("nato",), words=1)
    assert with_body(d, body) == dataclasses.replace(d, body_html="<p>First.</p>", mentions=("nato",), words=1, summary="First.")

    Wider = dataclasses.make_dataclass(
        "Dispatch", [("region", "str | None", dataclasses.field(default=None))], bases=(Dispatch,), frozen=True, slots=True,
    )
    wider = Wider(**{f.name: getattr(d, f.name) for f in dataclasses.fields(Dispatch)}, region="Baltic")
    assert with_actors(wider, ("nato",)) == dataclasses.replace(wider, actors=("nato",))
    assert with_body(wider, body) == dataclasses.replace(wider, body_html="<p>First.</p>", mentions=("nato",), words=1, summary="First.")
