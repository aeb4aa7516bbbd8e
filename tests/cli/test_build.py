"""`briefgen build` on fixture sites, checked as a reader of the built site would."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT, dispatch, page, run_cli, tree_bytes
from tests.linkcheck import broken_links

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def mini(built_site) -> Path:
    return built_site("mini")


SPEC_URLS = [
    "/", "/page/2/", "/dispatches/nrc-proposal/", "/actors/", "/actors/nato/", "/dates/", "/dates/2021/",
    "/dates/2021/12/", "/dates/2021/12/26/", "/topics/", "/topics/european-security/", "/threads/",
    "/threads/nato-russia-talks/", "/sources/", "/sources/tass/", "/events/", "/events.ics", "/feed.xml",
    "/actors/nato/feed.xml", "/topics/european-security/feed.xml", "/threads/nato-russia-talks/feed.xml",
    "/search/", "/search-index.json", "/sitemap.xml", "/404.html", "/data/actors.json", "/data/graph.json",
    "/actors.opml",
]


def test_every_url_of_the_spec_exists(mini: Path) -> None:
    for url in SPEC_URLS:
        assert page(mini, url), url


def test_summary_line(copy_site) -> None:
    result = run_cli("build", cwd=copy_site("mini"))
    assert result.code == 0
    assert re.fullmatch(r"built 4 dispatches, 5 actors, \d+ files in [\d.]+ s → .*site\n", result.out)


def test_every_internal_link_resolves(mini: Path) -> None:
    assert broken_links(mini / "site") == []


def test_links_resolve_under_a_subpath(copy_site) -> None:
    root = copy_site("mini")
    assert run_cli("build", "--base-url", "https://user.github.io/repo/", cwd=root).code == 0
    assert broken_links(root / "site", "/repo/", host="user.github.io") == []
    home = page(root, "/")
    assert 'href="/repo/actors/"' in home and 'href="/actors/"' not in home
    feed = ET.fromstring(page(root, "/feed.xml"))
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert links and all(href.startswith("https://user.github.io/repo/") for href in links)


def test_dispatch_page_links(mini: Path) -> None:
    html = page(mini, "/dispatches/nrc-proposal/")
    for target in [
        "/actors/nato/", "/actors/jens-stoltenberg/", "/actors/russia/", "/actors/mariia-zakharova/",
        "/dates/2021/12/26/", "/topics/european-security/", "/topics/ukraine/", "/threads/nato-russia-talks/",
        "/dispatches/draft-treaties/",  # related, and previous in thread
        "/dispatches/nrc-meets/",  # next in thread
        "/sources/tass/",
    ]:
        assert f'href="{target}"' in html, target
    assert "Bottom line" in html and "Stoltenberg proposes convening" in html


def test_referenced_by(mini: Path) -> None:
    """nrc-proposal names draft-treaties in `related`; both are of one thread, so the
    timeline lists it and says so."""
    html = page(mini, "/dispatches/draft-treaties/")
    timeline = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    entry = next(li for li in timeline.split("<li") if 'href="/dispatches/nrc-proposal/"' in li)
    assert '<span class="why">links to this dispatch' in entry
    related = html.split('id="related-h"', 1)[1] if 'id="related-h"' in html else ""
    assert 'href="/dispatches/nrc-proposal/"' not in related


def test_each_dispatch_is_listed_once_on_a_dispatch_page_with_every_reason(built_example: Path) -> None:
    """The thread's timeline and the Related list share no dispatch; an entry says every
    reason at once: linked from here, linking here, what is shared and how far apart."""
    reasons = {"linked from this dispatch": 0, "links to this dispatch": 0, "shared: ": 0}
    for path in sorted((built_example / "dispatches").glob("*/index.html")):
        html = path.read_text(encoding="utf-8")
        lists = re.findall(r'<(?:ol class="timeline"|ul class="why-list")>(.*?)</(?:ol|ul)>', html, re.S)
        listed = [slug for body in lists for slug in re.findall(r'href="/dispatches/([^/"]+)/"', body)]
        assert len(listed) == len(set(listed)), (path, listed)
        for entry in (li for body in lists for li in body.split("<li")):
            for reason in reasons:
                reasons[reason] += reason in entry
    assert all(reasons.values()), reasons


def test_actor_resolution_by_alias_case_insensitive(mini: Path) -> None:
    russia = page(mini, "/actors/russia/") + page(mini, "/actors/russia/page/2/")
    for slug in ("nrc-proposal", "draft-treaties", "nrc-meets", "osce"):  # moscow, Russia, Russian Federation
        assert f'href="/dispatches/{slug}/"' in russia, slug
    actors = json.loads(page(mini, "/data/actors.json"))["actors"]
    by_id = {a["id"]: a for a in actors}
    assert by_id["russia"]["count"] == 4
    assert by_id["mariia-zakharova"]["implicit"] is True
    assert by_id["mariia-zakharova"]["name"] == "Мария Захарова"


def test_affiliations_both_ways(mini: Path) -> None:
    nato = page(mini, "/actors/nato/")
    assert "Members" in nato and 'href="/actors/jens-stoltenberg/"' in nato
    assert 'href="/actors/nato/"' in page(mini, "/actors/jens-stoltenberg/")


def test_date_pages_are_complete(mini: Path) -> None:
    dec = page(mini, "/dates/2021/12/")
    assert "/dispatches/nrc-proposal/" in dec and "/dispatches/draft-treaties/" in dec
    # a date-time is placed on the calendar day as written, not shifted to UTC
    assert "/dispatches/nrc-meets/" in page(mini, "/dates/2022/01/12/")
    assert "/dispatches/osce/" in page(mini, "/dates/2022/01/13/")
    assert "2022" in page(mini, "/dates/")


def test_thread_is_in_date_order(mini: Path) -> None:
    html = page(mini, "/threads/nato-russia-talks/")
    order = [html.index(f"/dispatches/{s}/") for s in ("draft-treaties", "nrc-proposal", "nrc-meets")]
    assert order == sorted(order)


def test_drafts_only_with_flag(copy_site) -> None:
    root = copy_site("mini")
    assert run_cli("build", cwd=root).code == 0
    assert not (root / "site/dispatches/unfinished").exists()
    assert run_cli("build", "--drafts", cwd=root).code == 0
    assert (root / "site/dispatches/unfinished/index.html").exists()


def test_site_templates_override_the_theme(mini: Path) -> None:
    assert "This briefing has no page at this address." in page(mini, "/404.html")
    assert "Actors" in page(mini, "/actors/")  # not overridden: the theme's


def test_unknown_keys_reach_templates_as_extra(make_site) -> None:
    root = make_site({
        "content/a.md": dispatch(desk="europe"),
        "templates/dispatch.html": "<p class=desk>{{ d.extra.desk }}</p>",
    })
    assert run_cli("build", cwd=root).code == 0
    assert "<p class=desk>europe</p>" in (root / "site/dispatches/a/index.html").read_text()


def test_markdown_is_safe_and_rich(mini: Path) -> None:
    html = page(mini, "/dispatches/nrc-proposal/")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "href=\"javascript" not in html.lower() and "bad link](javascript:" in html  # shown as text, not a link
    assert "<table>" in html and 'class="footnote-ref"' in html
    assert "<p class=\"desk\">" not in html


def test_autolinks_registered_actors_in_body(mini: Path) -> None:
    html = page(mini, "/dispatches/nrc-proposal/")
    assert '<a href="/actors/jens-stoltenberg/" class="actor-link">NATO Secretary General</a>' in html
    assert '<a href="/actors/russian-foreign-ministry/" class="actor-link">Russian Foreign Ministry</a>' in html


def test_redirects_for_former_slugs_and_ids(mini: Path) -> None:
    old = page(mini, "/dispatches/treaties/")
    assert 'http-equiv="refresh"' in old and "/dispatches/draft-treaties/" in old
    assert "/actors/jens-stoltenberg/" in page(mini, "/actors/stoltenberg/")


def test_atom_feed_is_well_formed(mini: Path) -> None:
    feed = ET.fromstring(page(mini, "/feed.xml"))
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries][0] == "OSCE Permanent Council discusses European security"
    for e in entries:
        assert e.find(f"{ATOM}id").text.startswith("tag:localhost,")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e.find(f"{ATOM}updated").text)
    actor_feed = ET.fromstring(page(mini, "/actors/russian-foreign-ministry/feed.xml"))
    titles = [e.find(f"{ATOM}title").text for e in actor_feed.findall(f"{ATOM}entry")]
    assert titles == ["Russia publishes draft security treaties"]  # named in actors, not only mentioned


def test_markup_characters_in_names_reach_feeds_and_opml_as_written(copy_site) -> None:
    """Names and titles holding XML's special characters are escaped in the feeds and the
    OPML, in text and in attributes, and read back as written."""
    root = copy_site("mini")
    name, topic, title = """AT&T <"Bell"> d'Or""", "arms & <control>", 'Talks on "arms" & <more>'
    with (root / "content/actors.yaml").open("a", encoding="utf-8") as f:
        f.write(f"att:\n  name: {json.dumps(name)}\n  kind: organization\n")
    (root / "content/att.md").write_text(dispatch(title=json.dumps(title), actors="[att]", topics=json.dumps([topic])), encoding="utf-8")
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    feed = ET.fromstring(page(root, "/actors/att/feed.xml"))
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == title
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {topic, name}
    outlines = {o.get("text"): o for o in ET.fromstring(page(root, "/actors.opml")).iter("outline")}
    assert outlines[name].get("title") == name and outlines[name].get("htmlUrl").endswith("/actors/att/")


def test_events_calendar(mini: Path) -> None:
    raw = (mini / "site/events.ics").read_bytes()
    text = raw.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "DTSTART;VALUE=DATE:20220112" in text
    assert text.count("BEGIN:VEVENT") == 2
    events = page(mini, "/events/")
    upcoming, past = events.split('id="past"')
    assert "A far-future review" in upcoming and "NATO-Russia Council session (proposed)" in past


def test_event_uids_are_stable(copy_site) -> None:
    root = copy_site("mini")
    run_cli("build", cwd=root)
    first = (root / "site/events.ics").read_bytes()
    run_cli("build", cwd=root)
    assert (root / "site/events.ics").read_bytes() == first


def test_sitemap_lists_pages_not_redirects(mini: Path) -> None:
    sitemap = page(mini, "/sitemap.xml")
    ET.fromstring(sitemap)
    assert "<loc>/dispatches/nrc-proposal/</loc>" in sitemap
    assert "/dispatches/treaties/" not in sitemap and "404.html" not in sitemap


def test_removed_dispatch_disappears(copy_site) -> None:
    root = copy_site("mini")
    assert run_cli("build", cwd=root).code == 0
    (root / "content/osce.md").unlink()
    assert run_cli("build", cwd=root).code == 0
    assert not (root / "site/dispatches/osce").exists()
    assert not list(root.glob(".briefgen-staging-*"))


def test_the_replaced_site_is_deleted_after_the_build_returns(copy_site) -> None:
    root = copy_site("mini")
    assert run_cli("build", cwd=root).code == 0
    old_page = root / "site/dispatches/osce/index.html"
    inode = old_page.stat().st_ino
    (root / "content/osce.md").write_text((root / "content/osce.md").read_text() + "\nOne more line.\n")
    assert run_cli("build", cwd=root).code == 0
    assert old_page.stat().st_ino != inode and "One more line." in old_page.read_text()
    assert sorted(p.name for p in root.glob(".briefgen-*")) == [".briefgen-cache"]
    trash = root / ".briefgen-cache/trash"
    deadline = time.monotonic() + 20
    while trash.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not trash.exists(), "the detached deleter should have emptied and removed the trash"


def test_output_option_and_nothing_else_written(copy_site, tmp_path: Path) -> None:
    root = copy_site("mini")
    before = tree_bytes(root)
    out = tmp_path / "elsewhere"
    assert run_cli("build", "--output", str(out), cwd=root).code == 0
    assert (out / "index.html").exists()
    after = {k: v for k, v in tree_bytes(root).items() if not k.startswith(".briefgen-cache/")}
    assert after == before


@pytest.mark.parametrize("output", [".", "content", "templates", ".."])
def test_unsafe_output_is_refused(copy_site, output: str) -> None:
    root = copy_site("mini")
    before = tree_bytes(root)
    result = run_cli("build", "--output", output, cwd=root)
    assert result.code == 1
    assert "choose another output_dir" in result.err
    assert tree_bytes(root) == before


def test_foreign_output_folder_is_not_replaced(copy_site) -> None:
    root = copy_site("mini")
    (root / "site").mkdir()
    (root / "site/notes.txt").write_text("mine")
    result = run_cli("build", cwd=root)
    assert result.code == 1 and "not made by briefgen" in result.err
    assert (root / "site/notes.txt").read_text() == "mine"


def test_the_output_holds_nothing_of_briefgens_own_and_is_still_known_as_its_own(copy_site) -> None:
    """No marker file: a build's folder is known by its record in the cache, or, with the
    cache deleted, by its home page naming briefgen as generator; a folder holding a
    site briefgen did not make is still refused."""
    root = copy_site("mini")
    assert run_cli("build", cwd=root).code == 0
    assert not [p.name for p in (root / "site").iterdir() if p.name.startswith(".")]
    assert run_cli("build", cwd=root).code == 0
    shutil.rmtree(root / ".briefgen-cache", ignore_errors=True)  # its trash may be being emptied meanwhile
    assert run_cli("build", cwd=root).code == 0
    (root / "site/index.html").write_text("<html><head><title>Someone else's</title></head></html>")
    shutil.rmtree(root / ".briefgen-cache", ignore_errors=True)  # its trash may be being emptied meanwhile
    result = run_cli("build", cwd=root)
    assert result.code == 1 and "not made by briefgen" in result.err
    assert (root / "site/index.html").read_text().startswith("<html><head><title>Someone else's")


def test_wrong_command_line_exits_2(copy_site) -> None:
    root = copy_site("mini")
    assert run_cli("build", "--no-such-flag", cwd=root).code == 2
    assert run_cli(cwd=root).code == 2


def test_the_program_reports_and_exits_as_the_function_does(copy_site) -> None:
    """`python -m briefgen` (and the installed `briefgen`) ends a build without tearing its
    memory down: what it printed still arrives, through pipes, with the same exit codes."""
    import os
    import subprocess
    import sys

    root = copy_site("mini")
    config = root / "config.yaml"
    config.write_text(config.read_text().replace("base_url: /", "base_url: https://brief.example.org/"))  # no warning
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output through pipes is buffered

    def program(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "briefgen", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120)

    built = program("build")
    assert built.returncode == 0, built.stderr
    assert re.fullmatch(r"built \d+ dispatches, \d+ actors, \d+ files in [\d.]+ s → .*\n", built.stdout)
    (root / "content/broken.md").write_text(dispatch(date="2021-02-30"), encoding="utf-8")
    failed = program("build")
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.splitlines() == ["content/broken.md:3: 'date' '2021-02-30' does not exist in the calendar",
                                          "briefgen: 1 problem; nothing was written"]
    assert program("build", "--no-such-flag").returncode == 2


def test_the_program_ends_inside_build_while_the_result_holds_the_model(copy_site, capsys) -> None:
    """`briefgen build` ends the program once its summary is out, before what the build
    made is freed: the result holds the model, and `args.end` is called while it does."""
    from briefgen import cli
    from briefgen.commands.build import BuildOptions, Loaded, build
    from briefgen.config import load_config

    root = copy_site("mini")
    ended = []

    class Ended(Exception):
        pass

    def end(code: int) -> None:
        ended.append((code, capsys.readouterr().out))
        raise Ended

    args = cli._parser().parse_args(["build", "--config", str(root / "config.yaml")])
    args.end = end
    with pytest.raises(Ended):
        cli._run(args)
    assert len(ended) == 1 and ended[0][0] == 0 and ended[0][1].startswith("built 4 dispatches")
    result = build(load_config(root / "config.yaml"), BuildOptions(cache=False))
    assert [len(h.site.dispatches) for h in result.held if isinstance(h, Loaded)] == [4]


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("build", cwd=tmp_path)
    assert result.code == 1
    assert "config.yaml: no config.yaml here" in result.err


def test_the_example_site_builds_clean(built_example: Path) -> None:
    assert (built_example / "index.html").exists()
    assert broken_links(built_example) == []
    assert len(list((built_example / "dispatches").iterdir())) >= 12


def test_thread_names_spell_actors_as_the_registry_does(built_example: Path) -> None:
    """A thread id's words take an actor's one-word name or alias as written: US, NATO."""
    page = (built_example / "threads/us-russia-strategic-stability/index.html").read_text(encoding="utf-8")
    assert "<h1>US Russia strategic stability" in page
    assert "NATO Russia security talks" in (built_example / "threads/index.html").read_text(encoding="utf-8")


def test_the_example_sites_own_template_overrides_the_theme(built_example: Path) -> None:
    """templates/404.html: a lost reader is offered the briefing's story threads."""
    page = (built_example / "404.html").read_text(encoding="utf-8")
    assert "<h1>Not in this briefing</h1>" in page and "<h1>Page not found</h1>" not in page
    threads = sorted(p.name for p in (built_example / "threads").iterdir() if p.is_dir())
    assert threads and all(f'href="/threads/{t}/"' in page for t in threads)


def test_new_writes_a_skeleton_and_refuses_to_overwrite(make_site) -> None:
    root = make_site({})
    result = run_cli("new", "Мария Захарова speaks", cwd=root)
    assert result.code == 0, result.err
    path = root / "content/mariia-zakharova-speaks.md"
    text = path.read_text()
    assert 'title: "Мария Захарова speaks"' in text and "draft: true" in text
    assert re.search(r"^date: \d{4}-\d\d-\d\d$", text, re.M)
    assert run_cli("build", cwd=root).code == 0  # an unfinished draft does not break the build
    again = run_cli("new", "Мария Захарова speaks", cwd=root)
    assert again.code == 1 and "already exists" in again.err
    assert path.read_text() == text


def test_paginated_pages_carry_the_dossier_once_and_stay_small(make_site) -> None:
    """Page 1 of the home page, an actor or a period holds the side column, the actor's
    record or the calendar; later pages are the archive only, so a page's size does not grow with the
    site (a thousand home pages each listing every thread would be quadratic)."""
    files = {
        f"content/d{i:02d}.md": dispatch(f"Dispatch {i}", f"2021-12-{i + 1:02d}", "[NATO, Russia]", thread=f"story-{i}")
        for i in range(25)
    }
    root = make_site({**files, "config.yaml": "title: T\nper_page: 10\n"})
    assert run_cli("build", cwd=root).code == 0
    first, second = page(root, "/"), page(root, "/page/2/")
    assert 'class="side-col"' in first and 'class="side-col"' not in second
    threads = re.findall(r'href="/threads/(story-\d+)/"', first.split('class="side-col"')[1])
    assert threads == [f"story-{i}" for i in range(24, 12, -1)], "the twelve most recently active threads"
    assert 'href="/threads/">All 25 threads</a>' in first
    actor1, actor3 = page(root, "/actors/nato/"), page(root, "/actors/nato/page/3/")
    assert "First mention" in actor1 and 'class="side-col"' in actor1
    assert "First mention" not in actor3 and 'class="side-col"' not in actor3
    assert 'href="/actors/nato/">Profile, charts and latest dispatches</a>' in actor3
    assert "Dispatch 4</a>" in actor3  # the archive itself is all there
    month1, month2 = page(root, "/dates/2021/12/"), page(root, "/dates/2021/12/page/2/")
    assert "chart calendar" in month1 and "chart calendar" not in month2
    assert 'href="/dates/2021/12/">Calendar and latest dispatches</a>' in month2


def test_a_missing_dependency_is_named_with_how_to_install(copy_site) -> None:
    """`python3 -m briefgen` in a Python without briefgen's dependencies (the repository
    checked out, nothing installed) says what is missing and what to run, not a traceback."""
    import subprocess
    import sys

    root = copy_site("example")
    code = "import sys; sys.modules['slugify'] = None; sys.argv = ['briefgen', 'check', '--strict']; from briefgen.cli import entry; entry()"
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the module 'slugify' is missing" in result.stderr and "pip install -e ." in result.stderr


def test_no_page_skips_a_heading_level(built_example: Path) -> None:
    """A listing under its h1 heads each entry with an h2, as the HTML checker asks."""
    skipped = []
    for path in sorted(built_example.rglob("*.html")):
        levels = [int(n) for n in re.findall(r"<h([1-6])\b", path.read_text(encoding="utf-8"))]
        for before, after in zip([0, *levels], levels):
            if after > before + 1:
                skipped.append(f"{path.relative_to(built_example)}: h{before} → h{after}")
                break
    assert skipped == []


OLD_DISPATCH = """{% extends "base.html" %}
{% from "_related.html" import linked_with_why %}
{% block content %}<h1>{{ d.title }}</h1><div class="body">{{ d.body_html|safe }}</div>
{% if links.referenced_by %}<section><h2>Referenced by</h2>{{ linked_with_why(links.referenced_by, d.slug) }}</section>{% endif %}
{% for r in links.computed %}<p class="see-also"><a href="{{ url('dispatch', r.slug) }}">{{ dispatch(r.slug).title }}</a> {{ related_why(r) }}</p>{% endfor %}
{% endblock %}
"""


def test_a_sites_dispatch_page_written_for_the_earlier_theme_still_builds(copy_site, tmp_path: Path) -> None:
    """A site's own dispatch.html from before connections were listed once (it imports
    `linked_with_why`), under a base_url path: it builds, links under that path, and a
    cached build after an edit equals a clean one."""
    root = copy_site("mini")
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/dispatch.html").write_text(OLD_DISPATCH, encoding="utf-8")
    args = ("build", "--base-url", "https://example.github.io/brief/")
    assert run_cli(*args, cwd=root).code == 0
    section = page(root, "/dispatches/draft-treaties/").split("Referenced by", 1)[1]
    assert 'href="/brief/dispatches/nrc-proposal/"' in section
    proposal = root / "content/talks/nrc-proposal.md"
    proposal.write_text(proposal.read_text(encoding="utf-8").replace("title: NATO proposes", "title: Revised, NATO proposes"), encoding="utf-8")
    assert run_cli(*args, cwd=root).code == 0
    assert "Revised, NATO proposes" in page(root, "/dispatches/draft-treaties/").split("Referenced by", 1)[1]
    assert run_cli(*args, "--output", str(tmp_path / "clean"), cwd=root).code == 0
    assert tree_bytes(root / "site") == tree_bytes(tmp_path / "clean")
