"""Incremental builds give exactly the site a clean build gives, and skip what did not change.

Each scenario builds the example site (filling the cache), changes something as a user
would, builds again with the cache, and compares every output byte with a clean build
of the changed project (cache removed, fresh output folder).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from briefgen import cache, read
from briefgen.commands.build import BuildOptions, build
from briefgen.config import load_config
from briefgen.errors import ContentErrors
from tests.conftest import run_cli, tree_bytes

Change = Callable[[Path], None]


def _build(root: Path, **options) -> object:
    return build(load_config(root / "config.yaml", {}), BuildOptions(**options))


def _clean_build(root: Path) -> dict[str, bytes]:
    """The site as a build with no cache at all makes it."""
    _build(root, output=root / "clean", cache=False)
    files = tree_bytes(root / "clean")
    shutil.rmtree(root / "clean")
    return files


def _edit_body(root: Path) -> None:
    path = root / "content/nato-russia/nato-sends-written-proposals-to-russia.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA late correction to the record.\n", encoding="utf-8")


def _edit_title(root: Path) -> None:
    path = root / "content/us-russia/blinken-lavrov-meet-in-geneva.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: Updated, ", 1), encoding="utf-8")


def _add(root: Path) -> None:
    (root / "content/osce/new-dispatch.md").write_text(
        "---\ntitle: OSCE chair visits Kyiv\ndate: 2022-01-20\nactors: [OSCE, Ukraine, Zbigniew Rau]\n"
        "topics: [european security]\nthread: us-russia-strategic-stability\n"
        "events:\n  - {date: 2099-01-01, title: A far future session}\n---\nThe chair met officials in Kyiv.\n",
        encoding="utf-8",
    )


def _rename(root: Path) -> None:
    """A new file name is a new slug: references to the old one follow it."""
    old = root / "content/osce/osce-permanent-council-vienna-january-13.md"
    old.rename(old.with_name("permanent-council-january-13.md"))
    _replace_everywhere(root, "osce-permanent-council-vienna-january-13", "permanent-council-january-13")


def _delete(root: Path) -> None:
    (root / "content/russian-guarantees/putin-says-core-concerns-ignored.md").unlink()
    for gone in (", putin-says-core-concerns-ignored", "putin-says-core-concerns-ignored, "):
        _replace_everywhere(root, gone, "")
    (root / "editions/2022-02-04.md").unlink()  # the week's one published dispatch gone, its edition goes too


def _replace_everywhere(root: Path, old: str, new: str) -> None:
    for path in [*(root / "content").rglob("*.md"), *(root / "editions").rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        if old in text:
            path.write_text(text.replace(old, new), encoding="utf-8")


def _edit_actor(root: Path) -> None:
    path = root / "content/actors.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("aliases: [Rau, OSCE Chairman-in-Office]", "aliases: [Rau, OSCE Chairman-in-Office, OSCE Chair]", 1), encoding="utf-8")


def _override_template(root: Path) -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/404.html").write_text('{% extends "base.html" %}{% block content %}<p>{{ site.dispatches|length }} dispatches, none here.</p>{% endblock %}', encoding="utf-8")


def _config(root: Path) -> None:
    path = root / "config.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("per_page: 10", "per_page: 3"), encoding="utf-8")


def _edit_lede(root: Path) -> None:
    path = root / "editions/2022-01-14.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Three meetings in four days", "Three meetings in one week"), encoding="utf-8")


def _reorder_edition(root: Path) -> None:
    """The editor's order, and a dispatch moved from one edition to the next."""
    path = root / "editions/2022-01-28.md"
    text = path.read_text(encoding="utf-8").replace("  - lavrov-reacts-to-written-responses\n", "")
    path.write_text(text.replace("  - us-delivers", "  - lavrov-reacts-to-written-responses\n  - us-delivers"), encoding="utf-8")


def _delete_edition(root: Path) -> None:
    """Every later edition is numbered again; the next one carries the deleted one's week."""
    (root / "editions/2021-12-31.md").unlink()
    path = root / "editions/2022-01-14.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Geneva, Brussels, Vienna", "title: Two weeks", 1), encoding="utf-8")


def _summarise_listed(root: Path) -> None:
    """A dispatch an edition lists changes its summary: the edition's page, email and feeds show it."""
    path = root / "content/nato-russia/nato-russia-council-meets-in-brussels.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("summary: ", "summary: Revised. ", 1), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [_edit_body, _edit_title, _add, _rename, _delete, _edit_actor, _override_template, _config,
     _edit_lede, _reorder_edition, _delete_edition, _summarise_listed],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_change_then_a_cached_build_equals_a_clean_build(copy_site, change: Change) -> None:
    root = copy_site("example")
    assert run_cli("build", cwd=root).code == 0
    change(root)
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert tree_bytes(root / "site") == _clean_build(root)


def test_cached_build_is_byte_identical_to_an_uncached_one(copy_site) -> None:
    root = copy_site("example")
    _build(root)
    second = _build(root, output=root / "again")  # every file from the cache, pages rendered anew
    assert second.parsed == 0 and second.cached > 0
    assert tree_bytes(root / "again") == tree_bytes(root / "site") == _clean_build(root)


def test_a_build_that_keeps_no_record_digests_nothing(copy_site, monkeypatch) -> None:
    """Page views' fingerprints and the record of what pages read serve only the next
    build into the same folder: a build without the cache, or a one-off build (deploy's),
    makes none, and still makes the same site."""
    from briefgen.reads import Freshness, Recorder

    root = copy_site("example")
    digested: list[str] = []
    for owner, name in ((Recorder, "view"), (Freshness, "record")):
        real = getattr(owner, name)
        monkeypatch.setattr(owner, name, lambda self, *a, real=real, name=name: digested.append(name) or real(self, *a))
    _build(root, output=root / "uncached", cache=False)
    _build(root, output=root / "one-off", one_off=True)
    assert digested == []
    assert tree_bytes(root / "uncached") == tree_bytes(root / "one-off")
    _build(root)
    assert {"view", "record"} <= set(digested)
    assert tree_bytes(root / "site") == tree_bytes(root / "one-off")


def test_no_change_rebuild_parses_and_renders_nothing(copy_site) -> None:
    root = copy_site("example")
    first = _build(root)
    assert first.parsed > 0 and first.rendered > 0 and first.reused == 0
    before = tree_bytes(root / "site")
    again = _build(root)
    assert (again.parsed, again.rendered) == (0, 0)
    assert again.reused == first.rendered and again.files == first.files
    assert tree_bytes(root / "site") == before


def test_a_no_change_build_reads_only_the_stamps(copy_site, monkeypatch) -> None:
    """Nothing changed: the parsed bodies in docs-*.bin are not even loaded (here they
    are unreadable and the build does not notice); a config change then needs them, finds
    them unusable and parses again."""
    root = copy_site("example")
    first = _build(root)
    before = tree_bytes(root / "site")
    shards = sorted((root / ".briefgen-cache").glob("docs-*.bin"))
    assert shards
    for shard in shards:
        shard.write_bytes(b"unreadable")
    opened: list[str] = []
    read_blob = cache.read_blob
    monkeypatch.setattr(cache, "read_blob", lambda path, key: opened.append(path.name) or read_blob(path, key))
    again = _build(root)
    assert "stamps.bin" in opened and not [name for name in opened if name.startswith("docs-")]
    assert (again.parsed, again.rendered, again.cached) == (0, 0, first.parsed)
    assert tree_bytes(root / "site") == before
    _config(root)
    third = _build(root)
    assert third.parsed == first.parsed
    assert tree_bytes(root / "site") == _clean_build(root)


def test_one_edit_parses_one_file_and_renders_only_the_pages_showing_it(copy_site, monkeypatch) -> None:
    from briefgen import modelling

    root = copy_site("example")
    first = _build(root)
    _edit_body(root)
    validated: list[str] = []
    real = modelling.to_dispatch
    monkeypatch.setattr(modelling, "to_dispatch", lambda doc, *args, **kwargs: validated.append(doc.rel) or real(doc, *args, **kwargs))
    second = _build(root)
    assert second.parsed == 1
    assert validated == ["content/nato-russia/nato-sends-written-proposals-to-russia.md"]  # the others come from the cache
    assert 0 < second.rendered < first.rendered / 2
    assert second.rendered + second.reused == first.rendered


def test_a_body_edit_keeps_the_files_it_does_not_reach(copy_site) -> None:
    """An actor's feed holds only its own dispatches: after a body edit another actor's
    feed is the same file (a hard link), not made again. The search index, which holds
    the bodies' words, is made again and finds the new one, as a clean build's does."""
    root = copy_site("example")
    _build(root)
    site = root / "site"
    edited_actor_feed = site / "actors/nato/feed.xml"
    other_feed = site / "actors/emmanuel-macron/feed.xml"
    assert "nato-sends-written-proposals-to-russia" in edited_actor_feed.read_text()
    assert "nato-sends-written-proposals-to-russia" not in other_feed.read_text()
    inodes = {p: p.stat().st_ino for p in (other_feed, edited_actor_feed)}
    terms = lambda: "".join(p.read_text(encoding="utf-8") for p in (site / "search-index").glob("terms-*.json"))  # noqa: E731
    assert '"postmarked"' not in terms()
    path = root / "content/nato-russia/nato-sends-written-proposals-to-russia.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA late correction to the record, postmarked.\n", encoding="utf-8")
    _build(root)
    assert other_feed.stat().st_ino == inodes[other_feed]
    assert edited_actor_feed.stat().st_ino != inodes[edited_actor_feed]
    assert "A late correction to the record" in edited_actor_feed.read_text()
    assert '"postmark"' in terms()  # as English stems it
    assert tree_bytes(site) == _clean_build(root)


def test_a_new_first_paragraph_reaches_the_search_index_when_it_is_the_summary(copy_site) -> None:
    """A dispatch with no summary is listed and searched by its first paragraph: a body
    edit there remakes the search index, and still leaves the files made from front
    matter alone (the sitemap, the actor graph) as they were."""
    root = copy_site("example")
    path = root / "content/nato-russia/nato-sends-written-proposals-to-russia.md"
    text = path.read_text(encoding="utf-8")
    without = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("summary:"))
    assert without != text
    path.write_text(without, encoding="utf-8")
    _build(root)
    site = root / "site"
    kept = [site / "sitemap.xml", site / "data/graph.json"]
    inodes = {p: p.stat().st_ino for p in kept}
    head, fence, body = without.partition("\n---\n")
    path.write_text(head + fence + "An opening written later, for the index.\n\n" + body, encoding="utf-8")
    _build(root)
    assert "An opening written later, for the index." in "".join(p.read_text(encoding="utf-8") for p in (site / "search-index").glob("docs-*.json"))
    assert {p: p.stat().st_ino for p in kept} == inodes
    assert tree_bytes(site) == _clean_build(root)


def test_a_title_edit_keeps_the_files_and_links_that_show_no_title(copy_site) -> None:
    """A title edit moves no dispatch's date, actors, topics or thread: the related links
    are not scored again, and the sitemap, the actor data and graph and the OPML are kept
    as they were. (Making the graph alone takes 0.2 s at 10,000 dispatches, and scoring
    the links about a second.) The search index, which holds titles, is made again."""
    root = copy_site("example")
    _build(root)
    site = root / "site"
    related = root / ".briefgen-cache" / cache.RELATED_FILE
    kept = [site / "sitemap.xml", site / "data/graph.json", site / "data/actors.json", site / "actors.opml"]
    before = {p: p.stat().st_ino for p in kept}, related.stat().st_mtime_ns
    _edit_title(root)
    _build(root)
    assert ({p: p.stat().st_ino for p in kept}, related.stat().st_mtime_ns) == before
    assert "Updated, " in "".join(p.read_text(encoding="utf-8") for p in (site / "search-index").glob("docs-*.json"))
    assert tree_bytes(site) == _clean_build(root)


def _spares(root: Path) -> list[Path]:
    """Finished spares: one still being linked is a `.tmp` folder until it is complete."""
    return [p for p in (root / ".briefgen-cache").glob("spare-*") if not p.name.endswith(".tmp")]


def _spare(root: Path) -> Path:
    spares = _spares(root)
    assert len(spares) == 1, spares
    return spares[0]


def test_the_site_before_last_is_brought_up_to_date_not_rebuilt(copy_site) -> None:
    """From the third build on, the build writes into the site before last, kept in the
    cache: static files, pages and feeds that went away are gone, and it equals a clean build."""
    root = copy_site("example")
    (root / "static").mkdir()
    (root / "static/robots.txt").write_text("User-agent: *\n")
    (root / "static/keybase.txt").write_text("proof\n")
    _build(root)
    _edit_body(root)
    _build(root)
    spare = _spare(root)
    assert (spare / "index.html").exists()
    spare_inode = spare.stat().st_ino
    (root / "static/robots.txt").unlink()
    (root / "static/keybase.txt").unlink()
    (root / "static/humans.txt").write_text("Editors\n")
    _delete(root)
    third = _build(root)
    assert (root / "site").stat().st_ino == spare_inode  # the spare itself became the site
    assert third.rendered > 0 and third.reused > 0
    assert not (root / "site/keybase.txt").exists() and (root / "site/humans.txt").exists()
    own = "User-agent: *\nDisallow:\n\nSitemap: https://brief.example.org/sitemap.xml\n"  # the example names its host
    assert (root / "site/robots.txt").read_text() == own  # briefgen's own, once the site's is gone
    assert not (root / "site/dispatches/putin-says-core-concerns-ignored").exists()
    assert tree_bytes(root / "site") == _clean_build(root)
    _edit_title(root)
    _build(root)
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_spare_left_half_updated_is_not_trusted(copy_site) -> None:
    """A build that starts updating the spare takes its record away until it is complete:
    killed meanwhile, it leaves the spare with no record, and the next build deletes it
    and starts from a fresh folder."""
    from briefgen import reuse
    from briefgen.config import load_config

    root = copy_site("example")
    _build(root)
    _edit_body(root)
    _build(root)
    config = load_config(root / "config.yaml", {})
    spare, record = reuse.open_spare(config, (root / "site").resolve())  # what a killed build did first
    assert spare == _spare(root) and record
    (spare / "404.html").unlink()  # a page the next edit leaves alone, as a killed build left it
    (spare / "404.html").write_text("half written")
    _edit_title(root)
    _build(root)
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_corrupt_cache_is_ignored(copy_site) -> None:
    root = copy_site("example")
    _build(root)
    for path in (root / ".briefgen-cache").glob("*.bin"):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle
        path.write_bytes(bytes(data))
    _edit_body(root)
    result = _build(root)
    assert result.parsed == result.dispatches + 1  # every file parsed again (the draft too)
    assert result.reused == 0
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_foreign_cache_file_is_ignored(copy_site) -> None:
    root = copy_site("example")
    cache = root / ".briefgen-cache"
    cache.mkdir()
    for name in ("docs-0.bin", "stamps.bin", "related.bin", "template-reads.bin"):
        (cache / name).write_bytes(b"not a cache at all\n\x00\x01")
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert tree_bytes(root / "site") == _clean_build(root)


def test_an_edit_rewrites_only_the_parse_files_it_touches(copy_site) -> None:
    """Parses are split by the first digit of their hash: an edit adds one and drops
    one, so at most two of the files are written again, and a corrupt one costs only
    the parses it held."""
    root = copy_site("example")
    cache = root / ".briefgen-cache"
    _build(root)
    stamps = {p.name: p.stat().st_mtime_ns for p in cache.glob("docs-*.bin")}
    assert len(stamps) > 2
    (cache / "docs.bin").write_bytes(b"where older versions kept every parse")
    _edit_body(root)
    edited = _build(root)
    assert edited.parsed == 1
    assert not (cache / "docs.bin").exists()
    rewritten = [p.name for p in cache.glob("docs-*.bin") if p.stat().st_mtime_ns != stamps.get(p.name)]
    assert 1 <= len(rewritten) <= 2
    assert tree_bytes(root / "site") == _clean_build(root)
    victim = sorted(cache.glob("docs-*.bin"))[0]
    victim.write_bytes(b"corrupt")
    _config(root)  # every page's inputs change, so every parse is needed again
    again = _build(root)
    shard = victim.stem.removeprefix("docs-")
    held = [p for p in (root / "content").rglob("*.md") if read.content_digest(p.read_bytes())[:1] == shard]
    assert again.parsed == len(held) > 0
    assert tree_bytes(root / "site") == _clean_build(root)


@pytest.mark.parametrize("forked", [False, True], ids=["one process", "forked renderers"])
def test_parses_are_kept_when_rendering_fails_and_when_it_is_forked(copy_site, monkeypatch, forked: bool) -> None:
    """The parse cache is saved while other processes render, or after rendering in one
    process, or when rendering fails: the next build parses nothing again."""
    from briefgen import parallel

    if forked:
        # two processes on any machine, even with other tests' threads alive in this one
        monkeypatch.setattr(parallel, "worker_count", lambda items, per_worker: min(2, items))
    root = copy_site("example")
    broken = root / "templates/dispatch.html"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text('{% extends "base.html" %}{% block content %}{{ 1 // 0 }}{% endblock %}', encoding="utf-8")
    with pytest.raises(ContentErrors):
        _build(root)
    assert not (root / "site").exists()
    broken.unlink()
    fixed = _build(root)
    assert fixed.parsed == 0 and fixed.cached > 0
    shutil.rmtree(root / ".briefgen-cache", ignore_errors=True)  # its trash may be being emptied meanwhile
    shutil.rmtree(root / "site")
    assert _build(root).parsed > 0
    assert _build(root, output=root / "again").parsed == 0


def test_deleted_output_is_rebuilt_whole(copy_site) -> None:
    root = copy_site("example")
    _build(root)
    shutil.rmtree(root / "site")
    result = _build(root)
    assert result.reused == 0 and result.rendered > 0
    assert tree_bytes(root / "site") == _clean_build(root)


def test_progress_shows_on_a_terminal_and_leaves_only_the_summary(copy_site) -> None:
    import io

    from briefgen.commands.build import TerminalProgress

    screen = io.StringIO()
    progress = TerminalProgress(screen)
    progress("reading", 0, 5000)
    progress("rendering", 2400, 9000)
    progress.clear()
    shown = screen.getvalue()
    assert "reading 5000" in shown and "rendering 2400/9000" in shown
    assert shown.endswith("\r\x1b[K")  # the line is wiped before the summary is printed
    quiet = io.StringIO()
    TerminalProgress(quiet)("reading", 0, 12)  # a small site: nothing to wait for, nothing shown
    assert quiet.getvalue() == ""
    result = run_cli("build", cwd=copy_site("example"))  # not a terminal: the summary alone
    assert result.code == 0 and result.err == ""
    assert result.out.count("\n") == 1 and result.out.startswith("built ")


@pytest.mark.parametrize(
    "old, new",
    [
        ("actors: [NATO]", "actors: [NATO, Russia]"),
        ("date: 2021-11-02", "date: 2021-10-05"),
        ("actors: [NATO]", "actors: [NATO]\nevents: [{date: 2099-05-01, title: A later summit}]"),
    ],
    ids=["actors", "date", "events"],
)
def test_an_edit_off_an_actors_first_page_still_reaches_it(make_site, old: str, new: str) -> None:
    """An actor's first page shows its co-appearance network, its dispatches per month and
    its events, drawn from all its dispatches: editing one listed only on its second page
    changes the first, and the cached build must see that."""
    from tests.conftest import dispatch

    files = {"config.yaml": "title: T\nper_page: 2\n"}
    for i, day in enumerate(["2021-12-20", "2021-12-10", "2021-11-02"]):
        files[f"content/d{i}.md"] = dispatch(title=f"D{i}", date=day, actors="[NATO, Russia]" if i == 0 else "[NATO]")
    root = make_site(files)
    _build(root)
    first_page = root / "site/actors/nato/index.html"
    before = first_page.read_bytes()
    oldest = root / "content/d2.md"
    oldest.write_text(oldest.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    _build(root)
    assert first_page.read_bytes() != before
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_body_edit_off_an_actors_first_page_leaves_it_alone(make_site) -> None:
    """A listing shows a dispatch's summary, its first paragraph: an edit to it remakes
    the actor page listing the dispatch, and only that one, however many pages the actor
    has; an edit further down the body, which no listing shows, remakes neither."""
    from tests.conftest import dispatch

    files = {"config.yaml": "title: T\nper_page: 2\n"}
    for i, day in enumerate(["2021-12-20", "2021-12-10", "2021-11-02"]):
        files[f"content/d{i}.md"] = dispatch(title=f"D{i}", date=day, actors="[NATO, Russia]" if i == 0 else "[NATO]")
    root = make_site(files)
    _build(root)
    first_page, second_page = root / "site/actors/nato/index.html", root / "site/actors/nato/page/2/index.html"
    inodes = {p: p.stat().st_ino for p in (first_page, second_page)}
    oldest = root / "content/d2.md"
    oldest.write_text(oldest.read_text(encoding="utf-8") + "\nA late correction.\n", encoding="utf-8")
    _build(root)
    assert {p: p.stat().st_ino for p in inodes} == inodes
    assert tree_bytes(root / "site") == _clean_build(root)
    oldest.write_text(oldest.read_text(encoding="utf-8").replace("Body text.", "A new first paragraph."), encoding="utf-8")
    _build(root)
    assert first_page.stat().st_ino == inodes[first_page]
    assert second_page.stat().st_ino != inodes[second_page]
    assert "A new first paragraph." in second_page.read_text(encoding="utf-8")
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_topic_s_pages_follow_its_size_not_bodies_they_do_not_show(make_site) -> None:
    """Every page of a topic shows its size: a dispatch added to the topic remakes its
    first page too, which does not list the new one; an edit to the newest dispatch's body
    alone leaves the second page, which does not list it, as it was. Each time the site
    is what a clean build makes."""
    from tests.conftest import dispatch

    files = {"config.yaml": "title: T\nper_page: 2\n"}
    for i, day in enumerate(["2021-12-20", "2021-12-10", "2021-11-02"]):
        files[f"content/d{i}.md"] = dispatch(title=f"D{i}", date=day, topics="[security]")
    root = make_site(files)
    _build(root)
    first_page, second_page = root / "site/topics/security/index.html", root / "site/topics/security/page/2/index.html"
    inodes = {p: p.stat().st_ino for p in (first_page, second_page)}
    newest = root / "content/d0.md"
    newest.write_text(newest.read_text(encoding="utf-8") + "\nA late correction.\n", encoding="utf-8")
    _build(root)
    assert second_page.stat().st_ino == inodes[second_page]
    assert tree_bytes(root / "site") == _clean_build(root)
    (root / "content/d3.md").write_text(dispatch(title="D3", date="2021-10-01", topics="[security]"), encoding="utf-8")
    _build(root)
    assert first_page.stat().st_ino != inodes[first_page] and "4 dispatches" in first_page.read_text(encoding="utf-8")
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_count_an_override_shows_follows_a_new_dispatch(make_site) -> None:
    """A site's own template shows each topic's size, which the theme does not: a new
    dispatch in the topic remakes every page showing it, as a clean build makes them."""
    from tests.conftest import dispatch

    theme = (Path(__file__).parents[2] / "briefgen/theme/dispatch.html").read_text(encoding="utf-8")
    marker = "<dt>{{ t('section.actors') }}</dt>"
    assert marker in theme
    override = theme.replace(marker, '{% for t in d.topics %}<span class="size">{{ t.name }}: {{ site.topics[t.key].dispatches|length }}</span>{% endfor %}' + marker)
    files = {"config.yaml": "title: T\nrelated_limit: 0\n", "templates/dispatch.html": override}
    for i, day in enumerate(["2021-12-20", "2021-12-10", "2021-11-02"]):
        files[f"content/d{i}.md"] = dispatch(title=f"D{i}", date=day, topics="[ukraine]")
    root = make_site(files)
    _build(root)
    page = root / "site/dispatches/d1/index.html"
    assert "ukraine: 3" in page.read_text(encoding="utf-8")
    (root / "content/d3.md").write_text(dispatch(title="D3", date="2021-10-01", topics="[ukraine]"), encoding="utf-8")
    _build(root)
    assert "ukraine: 4" in page.read_text(encoding="utf-8")
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_new_day_moves_events_out_of_upcoming_without_an_edit(make_site, monkeypatch) -> None:
    """Nothing changed but the day: an event that was ahead is past now, and every page
    that showed it as upcoming says so, as a clean build on that day does."""
    import datetime as dt
    import types

    from briefgen import read
    from tests.conftest import dispatch

    def on(day: dt.date) -> None:
        clock = types.SimpleNamespace(now=lambda tz=None: dt.datetime.combine(day, dt.time(12), tz))
        monkeypatch.setattr(read, "dt", types.SimpleNamespace(datetime=clock, date=dt.date))

    events = "[{date: 2030-05-02, title: A summit}]"
    root = make_site({"config.yaml": "title: T\n", "content/d0.md": dispatch(title="D0", date="2030-04-01", events=events),
                      "content/d1.md": dispatch(title="D1", date="2030-04-02", actors="[Russia]")})
    on(dt.date(2030, 5, 1))
    _build(root)
    home = root / "site/index.html"
    assert "A summit" in home.read_text(encoding="utf-8")
    before = home.read_bytes()
    on(dt.date(2030, 5, 3))
    _build(root)
    assert home.read_bytes() != before
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_large_first_build_leaves_a_spare_made_in_the_background(copy_site, monkeypatch) -> None:
    """After the first build of a site large enough, a detached process links the site
    into a spare; the next build fills that spare in place of a fresh folder."""
    import os
    import time

    from briefgen import reuse

    root = copy_site("example")
    monkeypatch.setattr(reuse, "SPARE_AHEAD_FILES", 1)
    _build(root)
    deadline = time.monotonic() + 30
    while not _spares(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    spare = _spare(root)
    folder = os.stat(spare).st_ino
    assert (spare / "index.html").stat().st_ino == (root / "site/index.html").stat().st_ino  # linked, not copied
    _edit_body(root)
    _build(root)
    assert os.stat(root / "site").st_ino == folder
    assert tree_bytes(root / "site") == _clean_build(root)


def test_a_spare_is_not_made_from_a_site_replaced_meanwhile(copy_site) -> None:
    from briefgen import reuse

    root = copy_site("example")
    _build(root)
    output = (root / "site").resolve()
    (output / "new.html").write_text("another site")  # another build's swap: another folder, or one changed
    reuse.make_spare(root, output)
    assert not list((root / ".briefgen-cache").glob("spare-*"))
    assert not list((root / ".briefgen-cache").glob("*.tmp"))


def test_a_spare_left_half_linked_by_a_killed_process_is_cleared(copy_site) -> None:
    """make_spare links into spare-<hash>.<pid>.tmp; if it is killed, the next one
    discards that folder, and leaves alone one whose process is still at work."""
    import subprocess
    import sys

    from briefgen import reuse, write

    root = copy_site("example")
    _build(root)
    output = (root / "site").resolve()
    spare = write.spare_for(root / ".briefgen-cache", output)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    working = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead, alive = spare.with_name(f"{spare.name}.{gone}.tmp"), spare.with_name(f"{spare.name}.{working.pid}.tmp")
        for folder in (dead, alive):
            (folder / "dispatches").mkdir(parents=True)
            (folder / "dispatches/page.html").write_bytes(b"half")
        reuse.make_spare(root, output)
        assert not dead.exists() and alive.exists()
        assert _spare(root) == spare
        dead.mkdir()  # killed again, after the spare was made: the next build clears it
        _edit_body(root)
        _build(root)
        assert not dead.exists() and alive.exists()
    finally:
        working.kill()
        working.wait()


def test_a_small_site_starts_no_background_process(copy_site, monkeypatch) -> None:
    from briefgen import write

    started: list[str] = []
    monkeypatch.setattr(write, "detach", lambda code, *args: started.append(code))
    _build(copy_site("example"))
    assert not [code for code in started if "make_spare" in code]


def test_a_german_site_under_a_subpath_with_overrides_builds_what_a_clean_build_does(make_site) -> None:
    """A site in another language, published under a base_url path, whose own templates
    replace ones the theme draws differently now (a listing entry, the masthead, a topic
    page written in full): every link resolves under the path, and after each edit the
    cached build equals a clean one."""
    from tests.conftest import dispatch
    from tests.linkcheck import broken_links

    theme = Path(__file__).parents[2] / "briefgen/theme"
    item = (theme / "_item.html").read_text(encoding="utf-8").replace("<article class=\"item\">", "<article class=\"item\"><span class=\"de\">Meldung</span>")
    base = (theme / "base.html").read_text(encoding="utf-8").replace(
        '<a class="brand"', '{% if d is defined and d.extra.einstufung %}<p class="banner">VERTRAULICH</p>{% endif %}<a class="brand"')
    topic = (theme / "term.html").read_text(encoding="utf-8").replace("{% block content %}", "{% block content %}<p>Thema mit {{ group.dispatches|length }} Meldungen</p>", 1)
    files = {
        "config.yaml": "title: Lage\nlanguage: de\nbase_url: https://example.github.io/brief/\ntaxonomies: [regionen]\nrelated_limit: 0\n",
        "templates/_item.html": item, "templates/base.html": base, "templates/topic.html": topic,
    }
    for i, day in enumerate(["2021-12-20", "2021-12-10", "2021-11-02"]):
        files[f"content/d{i}.md"] = dispatch(title=f"Rüstung {i}", date=day, topics="[Sicherheit in Europa]", regionen="[Ostsee]")
    root = make_site(files)
    assert "{% block content %}" in topic and 'class="brand"' in base  # the overrides changed what they meant to
    _build(root)
    assert broken_links(root / "site", "/brief/") == []
    assert "Thema mit 3 Meldungen" in (root / "site/topics/sicherheit-in-europa/index.html").read_text(encoding="utf-8")
    edits = [
        ("content/d3.md", dispatch(title="Rüstung 3", date="2021-10-01", topics="[Sicherheit in Europa]")),
        ("content/d1.md", dispatch(title="Rüstung eins", date="2021-12-10", topics="[Sicherheit in Europa]", einstufung="vertraulich")),
        ("content/d0.md", dispatch(title="Rüstung 0", date="2021-12-20", body="Ein neuer erster Absatz.", topics="[Sicherheit in Europa]", regionen="[Ostsee, Nordsee]")),
        ("templates/_item.html", item.replace("Meldung", "Bericht")),
    ]
    for rel, text in edits:
        (root / rel).write_text(text, encoding="utf-8")
        _build(root)
        assert tree_bytes(root / "site") == _clean_build(root), rel
    banners = sorted(p.parent.name for p in (root / "site/dispatches").rglob("index.html") if "VERTRAULICH" in p.read_text(encoding="utf-8"))
    assert banners == ["d1"]
    assert "Thema mit 4 Meldungen" in (root / "site/topics/sicherheit-in-europa/index.html").read_text(encoding="utf-8")
    assert 'lang="de"' in (root / "site/index.html").read_text(encoding="utf-8")
