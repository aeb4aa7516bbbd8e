"""What a catalogue writes for a count, a number or a day is what Babel writes for it,
whatever was written before in the same process (each is formatted once and kept)."""

from __future__ import annotations

import datetime as dt

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen import i18n

CATALOGUES = {language: i18n.load(None, language)[0] for language in i18n.SHIPPED}
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(i18n.SHIPPED), st.lists(st.one_of(st.integers(-10**7, 10**7), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=8))
def test_numbers_and_plural_forms_are_babels(language: str, values: list[int | float]) -> None:
    catalogue = CATALOGUES[language]
    locale = Locale.parse(catalogue.locale)
    for value in values:
        assert catalogue.number(value) == format_decimal(value, locale=locale)
        assert i18n._plural(catalogue.locale, abs(value)) == locale.plural_form(abs(value))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(i18n.SHIPPED), st.lists(st.tuples(st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1)), OFFSETS), min_size=1, max_size=6))
def test_days_are_babels_for_the_day_written(language: str, moments: list[tuple[dt.datetime, dt.timezone]]) -> None:
    catalogue = CATALOGUES[language]
    for naive, zone in moments:
        moment = naive.replace(tzinfo=zone)
        elsewhere = moment.astimezone(dt.timezone(dt.timedelta(hours=13)))  # the same instant, often another day
        for seen in (moment, elsewhere):
            assert catalogue.long_date(seen) == format_date(seen.date(), "long", locale=catalogue.locale)
        assert catalogue.long_date(moment.date()) == format_date(moment.date(), "long", locale=catalogue.locale)
