"""The build cache never trusts a file it did not write, and never a stamp too fresh to trust."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from briefgen import cache
from briefgen.digests import template_reads
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


def test_a_template_reading_the_whole_site_is_seen() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({
        "base.html": "{{ config.title }}{% block content %}{% endblock %}",
        "page.html": '{% extends "base.html" %}{% from "m.html" import f %}{% block content %}{{ f(site) }}{{ site.dates|length }}{% endblock %}',
        "m.html": "{% macro f(s) %}{{ s }}{% endmacro %}",
    }))
    reads = template_reads(env)
    assert {"site.*", "site.dates", "config"} <= reads["page.html"]
    assert "f" not in reads["page.html"]  # imported, so bound


def test_reads_are_seen_when_the_names_are_globals_of_the_environment() -> None:
    """Jinja counts an environment's globals as declared; the build's environment has
    `site` and `url` as globals, and what a template reads of them must still be seen."""
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": "{{ url('x') }}{{ site.sources|length }}"}))
    env.globals.update(site=object(), url=lambda *a: "")
    assert {"url", "site.sources"} <= template_reads(env)["page.html"]
    assert "site" in env.globals  # the environment itself is left as it was


def test_every_theme_page_kind_is_covered_by_its_digest(tmp_path: Path) -> None:
    """The built-in theme reads nothing its page kind's digest leaves out: no theme page
    falls back to a digest of the whole site, and none can go stale."""
    from briefgen import render
    from briefgen.config import load_config
    from briefgen.digests import COVERED, KINDS

    (tmp_path / "config.yaml").write_text("title: T\n")
    reads = template_reads(render.template_env(load_config(tmp_path / "config.yaml", {})))
    templates = {"dispatch": "dispatch.html", "actor": "actor.html", "date": "date.html", "topic": "topic.html",
                 "source": "source.html", "thread": "thread.html", "home": "home.html", "redirect": "redirect.html",
                 "search": "search.html", "not_found": "404.html"}
    assert set(templates) == set(KINDS)
    for kind, template in templates.items():
        assert reads[template] <= COVERED[kind], f"{template} reads {sorted(reads[template] - COVERED[kind])}"


def test_template_reads_are_kept_under_their_key(tmp_path: Path) -> None:
    calls = []

    def compute() -> dict[str, frozenset[str]]:
        calls.append(1)
        return {"page.html": frozenset({"site.dates", "config"})}

    first = cache.template_reads_memo(tmp_path, "k1", compute)
    assert cache.template_reads_memo(tmp_path, "k1", compute) == first and len(calls) == 1
    cache.template_reads_memo(tmp_path, "k2", compute)  # templates changed: computed again
    assert len(calls) == 2
    (tmp_path / cache.READS_FILE).write_bytes(b"garbage")
    assert cache.template_reads_memo(tmp_path, "k2", compute) == first and len(calls) == 3


def test_a_validated_dispatch_comes_back_equal_and_only_under_its_tag(tmp_path: Path) -> None:
    """What `to_dispatch` made is kept beside the parse and rebuilt equal, field for
    field (offsets, events, extra keys, lines); another file name or tag is a miss."""
    import dataclasses
    from zoneinfo import ZoneInfo

    from briefgen.fields import to_dispatch
    from briefgen.model import Dispatch

    kept_fields = {"slug", "title", "actors", "topics", "thread", "related", "location", "source", "summary",
                   "summary_given", "events", "draft", "former_slugs", "extra", "digest", "line_of"}
    from_the_parse = {"date", "moment", "path", "body_html", "mentions", "words"}
    assert {f.name for f in dataclasses.fields(Dispatch)} == kept_fields | from_the_parse, "a new field must be kept too"
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
        assert docs_cache.validated(doc, "tag", tz) is None  # nothing kept yet
        docs_cache.remember(doc, "tag", dispatch)
        rebuilt = docs_cache.validated(doc, "tag", tz)
        assert rebuilt == dispatch and repr(rebuilt) == repr(dispatch)  # repr shows each moment's time zone too
        assert docs_cache.validated(doc, "another tag", tz) is None
        renamed = parse_bytes(f"renamed{i}.md", text.encode(), make_parser())
        assert docs_cache.validated(renamed, "tag", tz) is None  # the slug follows the file name
        twin = parse_bytes(f"twin{i}.md", text.encode(), make_parser())  # the same bytes under another name
        docs_cache.remember(twin, "tag", to_dispatch(twin, tz, "registry")[0])
        assert docs_cache.validated(doc, "tag", tz) == dispatch
    docs_cache.save()
    reopened = cache.DocCache.open(tmp_path, "k")
    for i, text in enumerate(texts):
        doc = parse_bytes(f"d{i}.md", text.encode(), make_parser())
        assert repr(reopened.validated(doc, "tag", tz)) == repr(to_dispatch(doc, tz, "registry")[0])


def test_a_page_shows_the_dispatches_of_the_parts_it_shares(tmp_path: Path) -> None:
    """A topic's second page lists only its oldest dispatch but covers the topic's span,
    from the newest: it shows the oldest and the topic's shared part, which shows both,
    the second time too. Pages of a site's own template that reads anything show every dispatch."""
    from briefgen.commands.build import BuildOptions, _global_part, _templates, _work, load_site
    from briefgen.config import load_config
    from briefgen.digests import WHOLE, Digester
    from tests.conftest import dispatch, write_site

    files = {"config.yaml": "title: T\nper_page: 2\n"}
    for i, day in enumerate(["2021-12-20", "2021-12-10", "2021-11-02"]):
        files[f"content/d{i}.md"] = dispatch(date=day, topics="[security]")
    root = write_site(tmp_path, files)
    config = load_config(root / "config.yaml", {})
    options, global_part = BuildOptions(cache=False), _global_part(config)
    templates = _templates(config, options, global_part)
    work = _work(config, options, load_site(config).site, global_part, templates)
    digester = Digester(work.site, templates.checked(), global_part)
    second = next(s for s in work.specs if s.path == "topics/security/page/2/")
    for _ in range(2):  # the second time the shared part is remembered
        assert set(digester.digest_and_shown(second)[1].strip("\x1e").split("\x1e")) == {digester.numbers["d2"], "@topic/security"}
    assert set(digester.parts_shown["@topic/security"].strip("\x1e").split("\x1e")) == {digester.numbers["d0"], digester.numbers["d2"]}
    reads = {**templates.checked(), "topic.html": frozenset({"site.*"})}
    assert Digester(work.site, reads, global_part).digest_and_shown(second)[1] == WHOLE


def test_without_a_structure_every_page_is_digested(tmp_path: Path) -> None:
    """A caller that gives no structure (it has no read files to make one from) never
    takes the shortcut for body edits: two such records would look alike."""
    from briefgen.commands.build import BuildOptions, _global_part, _page_digests, _templates, _work, load_site
    from briefgen.config import load_config
    from briefgen.digests import Digester
    from tests.conftest import dispatch, write_site

    root = write_site(tmp_path, {"config.yaml": "title: T\n", "content/d0.md": dispatch(title="D0")})
    config = load_config(root / "config.yaml", {})
    options, global_part = BuildOptions(cache=False), _global_part(config)
    templates = _templates(config, options, global_part)
    work = _work(config, options, load_site(config).site, global_part, templates)
    digester = Digester(work.site, templates.checked(), global_part)
    first = _page_digests(digester, work.specs, "", {})
    stale = {**first, "index.html": "stale"}
    assert _page_digests(digester, work.specs, "", stale)["index.html"] == first["index.html"]
    assert _page_digests(digester, work.specs, "s", {**_page_digests(digester, work.specs, "s", {}), "index.html": "kept"})["index.html"] == "kept"


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
    assert later.validated(docs[1], "tag", tz) is not None

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


@pytest.mark.parametrize("site", ["theme", "example", "tricky"])
def test_reads_noted_while_compiling_are_jinjas_own(tmp_path: Path, site: str) -> None:
    """A compiled template's reads come from its compilation, not from a second parse
    and analysis by Jinja: both give the same, for the theme, the example site's own
    templates and a set that binds names in every way Jinja has."""
    from briefgen import render
    from briefgen.config import load_config

    def env() -> render.SiteEnvironment:
        if site == "tricky":
            return render.SiteEnvironment(loader=jinja2.DictLoader(LOOK_UPS), extensions=["jinja2.ext.do", render.OnceTag])
        root = Path(__file__).parents[2] if site == "example" else tmp_path
        if site == "theme":
            (tmp_path / "config.yaml").write_text("title: T\n")
        return render.template_env(load_config(root / "config.yaml", {}))

    analysed, compiled = env(), env()
    for name in compiled.list_templates(extensions=["html", "xml"]):
        compiled.get_template(name)
    assert set(compiled.compiled) == set(compiled.list_templates(extensions=["html", "xml"]))
    assert not analysed.compiled
    assert template_reads(compiled) == template_reads(analysed)
    if site == "tricky":
        assert template_reads(compiled)["page.html"] >= {"site.dispatches", "site.sources", "site.title", "url", "config",
                                                         "kind", "title", "outer", "only_in_macro"}
