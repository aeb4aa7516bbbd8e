"""Dispatches made directly, for the unit tests of the stages after validation."""

import datetime as dt

from briefgen.model import Dispatch, Label


def dispatch(slug: str, day: int = 0, actors=(), topics=(), thread: str | None = None) -> Dispatch:
    """A dispatch `day` days after 1 January 2022, titled and filed by its slug."""
    date = dt.date(2022, 1, 1) + dt.timedelta(days=day)
    return Dispatch(slug=slug, title=slug, date=date, moment=dt.datetime.combine(date, dt.time(), dt.timezone.utc),
                    path=slug, actors=tuple(actors), topics=tuple(Label(t, t) for t in topics), thread=thread)
