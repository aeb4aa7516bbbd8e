"""What a page reads: fingerprints of model values, the site as templates see it, and
the record that says which pages are unchanged."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen.model import Group
from briefgen.reads import MISSING, NOTHING, Freshness, ReadSite, Recorder, fingerprint, table_of


@dataclasses.dataclass(frozen=True)
class Tiny:
    dispatches: tuple
    threads: MappingProxyType
    today: dt.date = dt.date(2024, 1, 2)


def _site(**threads: tuple[str, ...]) -> Tiny:
    groups = {k: Group(k, k.title(), v) for k, v in threads.items()}
    return Tiny(tuple(x for v in threads.values() for x in v), MappingProxyType(groups))


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.dates(),
    lambda inner: st.lists(inner, max_size=3).map(tuple) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@given(values, values)
def test_values_fingerprint_alike_exactly_when_they_are_equal(a: object, b: object) -> None:
    """Equal values, one fingerprint; different values (1 and '1', a tuple and its text),
    different ones."""
    same = type(a) is type(b) and a == b and repr(a) == repr(b)
    assert (fingerprint(a) == fingerprint(b)) == same


def test_a_record_is_fingerprinted_by_every_field() -> None:
    assert fingerprint(Group("a", "A", ("x",))) != fingerprint(Group("a", "A", ("y",)))
    assert fingerprint(Group("a", "A", ("x",))) == fingerprint(Group("a", "A", ("x",)))


def test_a_value_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(TypeError):
        fingerprint(object())


def _read(site: object, source: str) -> tuple[str, set[str]]:
    recorder = Recorder(site, lambda name: MISSING)
    env = jinja2.Environment(autoescape=True)
    with recorder.page() as reads:
        out = env.from_string(source).render(site=ReadSite(recorder))
    return out, reads


def test_reading_one_field_of_one_thread_notes_just_that() -> None:
    out, reads = _read(_site(a=("x", "y"), b=("z",)), "{{ site.threads['a'].dispatches|length }}")
    assert out == "2"
    assert reads == {"threads\x1fa", "threads\x1fa\x1fdispatches"}


def test_listing_counting_and_missing_entries_are_noted() -> None:
    out, reads = _read(_site(a=("x",)), "{{ site.threads|length }}{% if 'q' in site.threads %}!{% endif %}{{ site.today }}")
    assert out == "12024-01-02"
    assert reads == {"threads\x1f\x1e", "threads\x1fq", "today"}


@dataclasses.dataclass(frozen=True)
class Named:
    name: str
    body: str

    def shout(self) -> str:
        return self.name.upper()


def test_a_method_of_a_record_notes_the_fields_it_reads() -> None:
    site = dataclasses.replace(_site(), threads=MappingProxyType({"a": Named("a", "long body")}))
    out, reads = _read(site, "{{ site.threads['a'].shout() }}")
    assert out == "A"
    assert reads == {"threads\x1fa", "threads\x1fa\x1fname"}  # not its body


def test_a_record_shown_whole_is_noted_whole() -> None:
    _, reads = _read(_site(a=("x",)), "{{ site.threads['a'] }}")
    assert "threads\x1fa\x1f*" in reads


def test_a_value_made_once_is_noted_on_every_page_using_it_with_what_it_read() -> None:
    recorder = Recorder(_site(a=("x",)), lambda name: MISSING)
    seen = ReadSite(recorder)
    made = []
    for _ in range(2):
        with recorder.page() as reads:
            assert recorder.derived("count", lambda: made.append(1) or len(seen.threads)) == 1
        assert reads == {"derived\x1f'count'"}
    assert made == [1] and recorder.shared == {"derived\x1f'count'": frozenset({"threads\x1f\x1e"})}


def _freshness(site: Tiny, views: dict[str, str]) -> Freshness:
    return Freshness(Recorder(site, lambda name: MISSING), views)


def _read_keys(record: dict) -> set[str]:
    """Every key a record's table holds but those of shared values."""
    table = table_of(record)
    assert table is not None
    return {k for k in table.keys if not k.startswith("derived")}


def _words(record: dict) -> dict[str, set[str]]:
    """What each shared value read, by key, as a record keeps it."""
    table = table_of(record)
    assert table is not None
    return {table.keys[i]: {table.keys[j] for j in (*memoryview(plain).cast("I"), *nested)} for i, (plain, nested) in table.words.items()}


def test_a_page_is_unchanged_while_what_it_read_is() -> None:
    before = _freshness(_site(a=("x",), b=("y",)), {"p": "v"})
    record = before.record({"p": ("v", ("threads\x1fa\x1fdispatches",))}, {})
    assert _read_keys(record) == {"threads\x1fa\x1fdispatches"}
    assert _freshness(_site(a=("x",), b=("y", "z")), {"p": "v"}).unchanged(record, "p")
    assert not _freshness(_site(a=("x", "w"), b=("y",)), {"p": "v"}).unchanged(record, "p")
    assert not _freshness(_site(a=("x",), b=("y",)), {"p": "other view"}).unchanged(record, "p")
    assert not _freshness(_site(b=("y",)), {"p": "v"}).unchanged(record, "p")  # the thread is gone
    assert not _freshness(_site(a=("x",)), {"p": "v"}).unchanged({}, "p")


def test_a_page_using_a_shared_value_changes_with_what_the_value_read() -> None:
    """A page notes the shared value; the value, once, what it read (through another)."""
    outer, inner = "derived\x1f'outer'", "derived\x1f'inner'"
    shared = {outer: ("today", inner), inner: ("threads\x1fb\x1fdispatches",)}
    record = _freshness(_site(a=("x",), b=("y",)), {"p": "v"}).record({"p": ("v", (outer,))}, shared)
    assert _words(record) == {name: set(reads) for name, reads in shared.items()}
    assert _freshness(_site(a=("x", "w"), b=("y",)), {"p": "v"}).unchanged(record, "p")
    assert not _freshness(_site(a=("x",), b=("y", "z")), {"p": "v"}).unchanged(record, "p")
    unknown = _freshness(_site(a=("x",)), {"p": "v"}).record({"p": ("v", ("derived\x1f'lost'",))}, {})
    assert "p" not in unknown  # nothing known of what it used: made again next time


def test_a_record_read_through_the_list_or_its_mapping_is_one_record() -> None:
    """`site.dispatches[i]` and `site.by_slug[slug]` hand out the same record: its fields
    are noted once, under its place in the mapping, and the list notes which records it
    holds in which order."""
    site = _site(a=("x", "y"))
    site = dataclasses.replace(site, dispatches=tuple(site.threads.values()))
    out, reads = _read(site, "{% for g in site.dispatches %}{{ g.name }}{% endfor %}|{{ site.dispatches[0].key }}|{{ site.threads['a'].name }}")
    assert out == "A|a|A"
    assert reads == {"dispatches\x1f\x1e", "dispatches\x1f0", "threads\x1fa", "threads\x1fa\x1fname", "threads\x1fa\x1fkey"}
    recorder = Recorder(site, lambda name: MISSING)
    assert recorder.digest("dispatches\x1f0") == recorder.digest("threads\x1fa") != recorder.digest("threads\x1fa\x1fname")
    assert recorder.digest("dispatches\x1f1") == NOTHING
    reordered = dataclasses.replace(site, dispatches=site.dispatches + site.dispatches)
    assert Recorder(reordered, lambda name: MISSING).digest("dispatches\x1f\x1e") != recorder.digest("dispatches\x1f\x1e")


def test_a_page_kept_from_an_earlier_record_keeps_that_records_word_for_its_shared_values() -> None:
    """A shared value not made in this build is known only from the record the page was
    kept from; another record's word for it (read when the value took another branch)
    must not stand in, or a later change to what the value reads now would go unseen."""
    name = "derived\x1f'branching'"
    fresh = _freshness(_site(a=("x",), b=("y",)), {"p": "v"})
    spare = fresh.record({"p": ("v", (name,))}, {name: frozenset({"threads\x1fa\x1fname"})})
    last = fresh.record({"p": ("v", (name,))}, {name: frozenset({"threads\x1fb\x1fname"})})
    assert fresh.unchanged(spare, "p") and fresh.unchanged(last, "p")
    record = fresh.record({"p": spare["p"]}, {}, {"p": spare})
    assert _words(record) == {name: {"threads\x1fa\x1fname"}}
    assert _words(fresh.record({"p": last["p"]}, {}, {"p": last})) == {name: {"threads\x1fb\x1fname"}}
    made_now = fresh.record({"p": spare["p"]}, {name: frozenset({"today"})}, {"p": spare})
    assert _words(made_now) == {name: {"today"}}  # what making it now read wins
    read_nothing = fresh.record({"p": ("v", (name,))}, {name: frozenset()})
    assert "p" in read_nothing and _words(read_nothing) == {name: set()}
    assert "p" not in fresh.record({"p": spare["p"]}, {})  # taken from no record: what it read is unknown


def test_a_record_grows_from_the_one_its_pages_came_from() -> None:
    """Pages kept from a record keep their entries as they are; a page made anew is
    added; a change to what a kept page read is seen in the next build."""
    site = _site(a=("x",), b=("y",))
    fresh = _freshness(site, {"p": "v", "q": "v"})
    first = fresh.record({"p": ("v", ("threads\x1fa\x1fdispatches",)), "q": ("v", ("threads\x1fb\x1fname",))}, {})
    assert fresh.unchanged(first, "p") and fresh.unchanged(first, "q")
    again = _freshness(site, {"p": "v", "q": "v"})
    assert again.unchanged(first, "p")
    second = again.record({"p": first["p"], "q": ("v", ("threads\x1fb\x1fdispatches", "today"))}, {}, {"p": first})
    assert second["p"] is first["p"]
    assert _read_keys(second) >= {"threads\x1fa\x1fdispatches", "threads\x1fb\x1fdispatches", "today"}
    later = _freshness(_site(a=("x",), b=("y", "z")), {"p": "v", "q": "v"})
    assert later.unchanged(second, "p") and not later.unchanged(second, "q")
