"""link: the indexes an actor page shows."""

import datetime as dt

from briefgen.actors import EMPTY_REGISTRY, resolve
from briefgen.link import CO_ACTORS_SHOWN, link
from tests.unit.dispatches import dispatch


def test_co_actors_are_the_most_shared_first_then_by_id_and_at_most_the_shown_number() -> None:
    others = [f"actor-{c}" for c in "nmlkjihgfedcba"]  # more than are shown, listed against the id order
    dispatches = [dispatch(f"d{i}", actors=["nato", *others]) for i in range(2)]
    dispatches += [dispatch(f"d-extra-{i}", actors=["nato", "actor-z"]) for i in range(3)]
    resolved, actors = resolve(dispatches, EMPTY_REGISTRY)
    site, problems = link(resolved, actors, 0, dt.date(2022, 1, 1))
    assert problems == []
    co = site.actor_stats["nato"].co_actors
    assert co[0] == ("actor-z", 3)
    assert co[1:] == tuple((f"actor-{c}", 2) for c in "abcdefghijklmn")[: CO_ACTORS_SHOWN - 1]
