"""The build cache never trusts a file it did not write, and never a stamp too fresh to trust."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefgen import cache
from briefgen.read import Source


def test_blob_round_trips_under_its_key(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    cache.write_blob(path, "k1", {"a": (1, "two")})
    assert cache.read_blob(path, "k1") == {"a": (1, "two")}


def test_blob_under_another_key_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    cache.write_blob(path, "k1", {"a": 1})
    assert cache.read_blob(path, "k2") is None


def test_corrupt_or_foreign_blob_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    cache.write_blob(path, "k", {"a": "b" * 100})
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01
    path.write_bytes(bytes(data))
    assert cache.read_blob(path, "k") is None
    path.write_bytes(b"\x80\x04garbage")
    assert cache.read_blob(path, "k") is None
    assert cache.read_blob(tmp_path / "missing.bin", "k") is None
    cache.write_blob(path, "another key", {"a": "b"})
    assert cache.read_blob(path, "k") is None
    cache.write_blob(path, "k", {"a": "b"})
    path.write_bytes(path.read_bytes().replace(cache.MAGIC, b"another-tool\n", 1))
    assert cache.read_blob(path, "k") is None


def test_fresh_stamp_is_not_trusted(tmp_path: Path) -> None:
    docs = cache.DocCache(tmp_path, "k")
    old = Source(tmp_path / "a.md", "a.md", 10, 1_000)
    fresh = Source(tmp_path / "b.md", "b.md", 10, 9_000_000_000)
    docs.stamp([old, fresh], {"a.md": "da", "b.md": "db"}, now_ns=10_000_000_000)
    assert docs.known_digest(old) == "da"
    assert docs.known_digest(fresh) is None  # modified within the racy window: hash it again
    assert docs.known_digest(Source(old.path, "a.md", 11, 1_000)) is None


def test_a_validated_dispatch_comes_back_equal_and_only_under_its_tag(tmp_path: Path) -> None:
    """What `to_dispatch` made is kept beside the parse and rebuilt equal, field for
    field (offsets, events, extra keys, lines); another file name or tag is a miss."""
    from zoneinfo import ZoneInfo

    from briefgen.fields import to_dispatch
    from briefgen.markdown import make_parser
    from briefgen.read import parse_bytes

    tz = ZoneInfo("Europe/Moscow")
    texts = [
        "---\ntitle: Talks\ndate: 2021-12-26\nactors: [NATO, Russia]\ntopics: [European security]\nthread: talks\n"
        "source: {name: TASS, url: 'https://tass.com/x'}\nevents:\n  - {date: 2022-01-12, title: NATO-Russia Council}\n"
        "related: [other]\nsummary: Short.\nmood: [tense, {level: 2}]\n---\nBody with *emphasis*.\n",
        "---\ntitle: Later\ndate: 2022-01-10T09:30:00+01:00\nactors: [OSCE]\nlocation: Vienna\ndraft: true\n"
        "former_slugs: [old-later]\n---\nThe first paragraph.\n",
    ]
    docs_cache = cache.DocCache(tmp_path, "k")
    for i, text in enumerate(texts):
        doc = parse_bytes(f"d{i}.md", text.encode(), make_parser())
        dispatch, problems = to_dispatch(doc, tz, "registry")
        assert dispatch is not None and not problems
        docs_cache.put(doc)
        assert docs_cache.validated(doc, "tag") is None  # nothing kept yet
        docs_cache.remember(doc, "tag", dispatch)
        rebuilt = docs_cache.validated(doc, "tag")
        assert rebuilt == dispatch and repr(rebuilt) == repr(dispatch)  # repr shows each moment's time zone too
        assert docs_cache.validated(doc, "another tag") is None
        renamed = parse_bytes(f"renamed{i}.md", text.encode(), make_parser())
        assert docs_cache.validated(renamed, "tag") is None  # the slug follows the file name
        twin = parse_bytes(f"twin{i}.md", text.encode(), make_parser())  # the same bytes under another name
        docs_cache.remember(twin, "tag", to_dispatch(twin, tz, "registry")[0])
        assert docs_cache.validated(doc, "tag") == dispatch
    docs_cache.save()
    reopened = cache.DocCache.open(tmp_path, "k")
    for i, text in enumerate(texts):
        doc = parse_bytes(f"d{i}.md", text.encode(), make_parser())
        assert repr(reopened.validated(doc, "tag")) == repr(to_dispatch(doc, tz, "registry")[0])


def test_a_field_added_to_dispatch_is_kept_and_an_entry_of_another_shape_is_a_miss(tmp_path: Path, monkeypatch) -> None:
    """The cache keeps every field Dispatch declares, here one more declared by this test
    alone; what was kept for a Dispatch with other fields, or is not a dispatch at all, is
    a miss, validated afresh, never an error or a dispatch short of a field."""
    import dataclasses
    from zoneinfo import ZoneInfo

    from briefgen.fields import to_dispatch
    from briefgen.markdown import make_parser
    from briefgen.model import Dispatch
    from briefgen.read import parse_bytes

    Wider = dataclasses.make_dataclass(
        "Dispatch", [("region", "str | None", dataclasses.field(default=None))], bases=(Dispatch,), frozen=True, slots=True,
    )
    doc = parse_bytes("d.md", b"---\ntitle: T\ndate: 2021-12-26\nactors: [NATO]\n---\nBody.\n", make_parser())
    made = to_dispatch(doc, ZoneInfo("UTC"), "registry")[0]
    wider = Wider(**{f.name: getattr(made, f.name) for f in dataclasses.fields(Dispatch)}, region="Baltic")
    with monkeypatch.context() as m:
        m.setattr(cache, "Dispatch", Wider)
        docs_cache = cache.DocCache(tmp_path, "k")
        docs_cache.put(doc)
        docs_cache.remember(doc, "tag", wider)
        docs_cache.save()
        reopened = cache.DocCache.open(tmp_path, "k")
        assert reopened.validated(doc, "tag") == wider and reopened.validated(doc, "tag").region == "Baltic"
    assert cache.DocCache.open(tmp_path, "k").validated(doc, "tag") is None  # kept with a field Dispatch lacks

    for wrong in (None, (), ("Dispatch",), ["Dispatch", (), ()], ["Label", ("key", "name"), ("a", "A")], {"slug": "d"}):
        entry = docs_cache.entries[doc.digest]
        docs_cache.entries[doc.digest] = (*entry[:-1], {doc.rel: ("tag", wrong)})
        assert docs_cache.validated(doc, "tag") is None


def test_the_code_fingerprint_skips_a_file_that_vanishes_while_it_is_taken(monkeypatch) -> None:
    """An editor saving a file of the package writes a temporary file beside it and
    removes it: the build must not fail because it was listed and then gone."""
    from pathlib import Path

    import briefgen
    from briefgen import cache

    before = cache.code_fingerprint()
    package = str(Path(briefgen.__file__).parent)
    real_walk = os.walk

    def with_a_ghost(top, *args, **kwargs):
        for folder, dirs, files in real_walk(top, *args, **kwargs):
            yield folder, dirs, files + ["sedX1y2z3"] if folder == package else files

    monkeypatch.setattr(cache.os, "walk", with_a_ghost)
    assert cache.code_fingerprint() == before


def test_parses_put_later_are_there_when_read_or_saved(tmp_path: Path) -> None:
    """A cold build puts its parses later; the first read of the entries, or the save,
    puts them, and a validated dispatch can then be kept beside each."""
    from zoneinfo import ZoneInfo

    from briefgen.fields import to_dispatch
    from briefgen.markdown import make_parser
    from briefgen.read import Source, parse_bytes

    tz = ZoneInfo("UTC")
    docs = [parse_bytes(f"d{i}.md", f"---\ntitle: T{i}\ndate: 2021-12-2{i}\nactors: [NATO]\n---\nBody {i}.\n".encode(), make_parser())
            for i in range(3)]
    later = cache.DocCache(tmp_path, "k")
    later.put_later(docs)
    source = Source(tmp_path / "d0.md", "d0.md", 1, 1)
    assert later.get(source, docs[0].digest) == docs[0]  # read: put now
    later.remember(docs[1], "tag", to_dispatch(docs[1], tz, "registry")[0])
    assert later.validated(docs[1], "tag") is not None

    saved = cache.DocCache(tmp_path / "saved", "k")
    saved.put_later(docs)
    saved.save()  # never read: put when saved
    reopened = cache.DocCache.open(tmp_path / "saved", "k")
    found = [reopened.get(source, d.digest) for d in docs]
    assert [(f.digest, f.front, f.body) for f in found if f] == [(d.digest, d.front, d.body) for d in docs]


@pytest.mark.parametrize("listed", [0, 5, 2999, 3000, 3001, 10_000])
def test_a_file_is_read_whole_whatever_size_it_was_listed_at(tmp_path: Path, listed: int) -> None:
    """A file is read as it is now, grown or shrunk since it was listed."""
    from briefgen.read import read_source

    data = bytes(range(256)) * 11 + b"x" * (3000 - 256 * 11)
    path = tmp_path / "d.md"
    path.write_bytes(data)
    assert read_source(Source(path, "d.md", listed, 1)) == data
    path.write_bytes(b"")
    assert read_source(Source(path, "d.md", listed, 1)) == b""


LOOK_UPS = {
    "base.html": "{% set shown = site.title %}{{ config.title }}{% block content %}{{ shown }}{% endblock %}",
    "page.html": '{% extends "base.html" %}{% import "m.html" as m %}{% block content %}'
                 "{% for d in site.dispatches if d.kept %}{{ loop.index }}{{ m.f(d, url) }}{% endfor %}"
                 '{% once "k", kind %}{{ title }}{% endonce %}{% include "inc.html" %}{{ range(3)|list }}{% endblock %}',
    "m.html": "{% macro f(s, u) %}{{ s }}{{ u('x') }}{{ only_in_macro }}{% endmacro %}",
    "inc.html": "{% with a = site.sources %}{{ a }}{{ outer }}{% endwith %}{{ lipsum(1) }}",
}

