"""A file that fails validation has its misspelt keys reported with its other problems."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize("declared,expected", [
    ((), ["content/a.md:3: 'date' '2021-02-30' does not exist in the calendar", "content/a.md:5: 'event': did you mean 'events'?"]),
    (("event", "regions"), ["content/a.md:3: 'date' '2021-02-30' does not exist in the calendar", "content/a.md:6: 'regoins': did you mean 'regions'?"]),
])
def test_a_failing_file_has_its_misspelt_keys_reported_with_its_other_problems(declared, expected) -> None:
    """Against the fields and the taxonomies the caller declares: `event` is a taxonomy's
    key where one is declared so, and a misspelling of `events` where none is; `regoins`
    is an extra, or a misspelling of a declared `regions`."""
    from briefgen.fields import PENDING, to_dispatch
    from briefgen.read import LoadedDoc, front_of

    text = "---\ntitle: T\ndate: 2021-02-30\nactors: [NATO]\nevent: summit\nregoins: [Europe]\n---\n"
    front = front_of("content/a.md", text.encode())
    d, problems = to_dispatch(LoadedDoc(front.rel, front.digest, front.front, PENDING), BRUSSELS, "registry", declared)
    assert d is None and [str(p) for p in problems] == expected
