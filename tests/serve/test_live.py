"""What an editor sees while `briefgen serve` runs: rebuilds, the error overlay, config reloads."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from briefgen import render
from briefgen.errors import ContentErrors, Problem
from tests.conftest import ROOT, dispatch, run_cli, tree_bytes, write_site
from tests.serve.conftest import SMALL_SITE, hold_rendering

BROKEN_RELATED = dispatch("Alpha proposal", "2021-12-26", "[NATO, Russia]", "Alpha body.", related='["<b>x</b>"]')


def test_an_edit_shows_on_the_next_request(serve_site) -> None:
    live = serve_site(SMALL_SITE)
    epoch = live.status()["epoch"]
    alpha = live.root / "content" / "alpha.md"
    state = live.change(lambda: alpha.write_text(dispatch("Alpha revised", "2021-12-26", "[NATO, Russia]", "New body.")))
    assert state["epoch"] != epoch and state["problems"] == []
    page = live.get("/dispatches/alpha/").text
    assert "Alpha revised" in page and "New body." in page
    assert "Alpha revised" in live.get("/").text


def test_a_saved_dispatchs_page_is_served_before_the_rest_of_the_site_is_rebuilt(serve_site, monkeypatch) -> None:
    """As Hugo's fast render: the page of the dispatch just saved is served as soon as it
    is made; the listings follow when the build is done, and the early page already
    belongs to that build (same bytes, same epoch: an open page need not reload again)."""
    live = serve_site(SMALL_SITE)
    old_epoch = live.status()["epoch"]
    held, release = hold_rendering(monkeypatch)
    before = live.status()["builds"]
    (live.root / "content" / "alpha.md").write_text(dispatch("Alpha revised", "2021-12-26", "[NATO, Russia]", "New body."))
    try:
        assert held.wait(10), "the rebuild did not reach the writing of the site"
        early = live.get("/dispatches/alpha/")
        assert early.status == 200 and "Alpha revised" in early.text and "New body." in early.text
        assert "Alpha revised" not in live.get("/").text, "the rest of the site is still the last build's"
        assert "Alpha revised" not in live.get("/dispatches/beta/").text
        assert live.status()["busy"]
        early_epoch = re.search(r'var epoch = "([^"]*)";', early.text).group(1)
        assert early_epoch != old_epoch
    finally:
        release.set()
    state = live.settle(before)
    assert state["epoch"] == early_epoch
    assert "Alpha revised" in live.get("/").text
    assert live.get("/dispatches/alpha/").body == early.body


def test_a_new_dispatch_is_shown_early_at_its_address_with_or_without_the_slash(serve_site, monkeypatch) -> None:
    live = serve_site(SMALL_SITE)
    held, release = hold_rendering(monkeypatch)
    before = live.status()["builds"]
    (live.root / "content" / "gamma.md").write_text(dispatch("Gamma news", "2021-12-28", "[OSCE]"))
    try:
        assert held.wait(10)
        assert not (live.output / "dispatches" / "gamma").exists(), "the site on disk has no page for it yet"
        assert "Gamma news" in live.get("/dispatches/gamma/").text
        moved = live.get("/dispatches/gamma")
        assert moved.status == 302 and moved.headers["location"] == "/dispatches/gamma/"
    finally:
        release.set()
    live.settle(before)
    assert "Gamma news" in live.get("/dispatches/gamma/").text


def test_a_build_that_fails_after_showing_a_page_early_goes_back_to_the_last_good_site(serve_site, monkeypatch) -> None:
    live = serve_site(SMALL_SITE)
    held, release = threading.Event(), threading.Event()

    def failing_gathered(*args, **kwargs):
        held.set()
        release.wait(10)
        raise ContentErrors([Problem("templates/feed.xml", 3, "template error: something broke late")])

    monkeypatch.setattr(render, "gathered", failing_gathered)
    before = live.status()["builds"]
    (live.root / "content" / "alpha.md").write_text(dispatch("Alpha revised", "2021-12-26", "[NATO, Russia]", "New body."))
    try:
        assert held.wait(10)
        assert "Alpha revised" in live.get("/dispatches/alpha/").text
    finally:
        release.set()
    state = live.settle(before)
    assert state["problems"] == ["templates/feed.xml:3: template error: something broke late"]
    page = live.get("/dispatches/alpha/").text
    assert "Alpha revised" not in page and "Alpha proposal" in page, "the last good page is served again"
    assert '<div id="briefgen-overlay"' in page


def test_new_renamed_and_deleted_dispatches_appear_and_404_at_once(serve_site) -> None:
    live = serve_site(SMALL_SITE)
    content = live.root / "content"
    live.change(lambda: (content / "gamma.md").write_text(dispatch("Gamma news", "2021-12-28", "[OSCE]")))
    assert "Gamma news" in live.get("/dispatches/gamma/").text
    assert live.get("/actors/osce/").status == 200
    live.change(lambda: (content / "gamma.md").rename(content / "delta.md"))
    assert live.get("/dispatches/gamma/").status == 404
    assert "Gamma news" in live.get("/dispatches/delta/").text
    live.change(lambda: (content / "delta.md").unlink())
    assert live.get("/dispatches/delta/").status == 404
    assert live.get("/actors/osce/").status == 404
    assert "Gamma news" not in live.get("/").text


def test_an_editors_save_by_rename_is_one_rebuild(serve_site) -> None:
    live = serve_site(SMALL_SITE)
    content = live.root / "content"
    before = live.status()["builds"]

    def vim_like_save() -> None:
        probe = content / "4913"
        probe.write_text("")
        probe.unlink()
        (content / "alpha.md").rename(content / "alpha.md~")
        (content / ".alpha.md.swp").write_bytes(b"swap")
        (content / "alpha.md").write_text(dispatch("Alpha saved", "2021-12-26", "[NATO]"))
        (content / "alpha.md~").unlink()

    def atomic_save() -> None:
        temp = content / ".alpha.md.tmp123"
        temp.write_text(dispatch("Alpha saved twice", "2021-12-26", "[NATO]"))
        os.replace(temp, content / "alpha.md")

    assert live.change(vim_like_save)["builds"] == before + 1
    assert "Alpha saved" in live.get("/dispatches/alpha/").text
    assert live.change(atomic_save)["builds"] == before + 2
    assert "Alpha saved twice" in live.get("/dispatches/alpha/").text


def test_scratch_files_and_other_folders_do_not_rebuild(serve_site) -> None:
    live = serve_site(SMALL_SITE)
    before = live.status()["builds"]
    (live.root / "content" / ".alpha.md.swp").write_bytes(b"x")
    (live.root / "content" / ".notes.txt").write_text("a hidden file")
    (live.root / "content" / "alpha.md~").write_text("backup")
    (live.root / "README.md").write_text("beside config.yaml")
    (live.root / "site").mkdir()
    (live.root / "site" / "index.html").write_text("old build")
    time.sleep(1.0)
    assert live.status()["builds"] == before


def test_a_failed_rebuild_keeps_the_site_and_overlays_every_page_until_fixed(serve_site, capsys) -> None:
    live = serve_site(SMALL_SITE)
    alpha = live.root / "content" / "alpha.md"
    gamma = live.root / "content" / "gamma.md"

    def break_two() -> None:
        alpha.write_text(BROKEN_RELATED)
        gamma.write_text("---\ntitle: [unclosed\ndate: 2021-12-28\n---\n")

    state = live.change(break_two)
    located = [p.split(" ", 1)[0] for p in state["problems"]]
    assert located == ["content/alpha.md:5:", "content/beta.md:5:", "content/gamma.md:3:"], "every problem, each with PATH:LINE"
    err = capsys.readouterr().err
    assert "content/alpha.md:5: 'related' item 1: '<b>x</b>'" in err and "content/gamma.md:3: malformed YAML" in err
    assert "still serving the last good build" in err

    for path in ("/dispatches/alpha/", "/", "/nope/"):
        page = live.get(path)
        assert page.status in (200, 404)
        overlay = re.search(r'<div id="briefgen-overlay".*?</div>', page.text, re.S)
        assert overlay, path
        assert "content/alpha.md:5: &#x27;related&#x27; item 1: &#x27;&lt;b&gt;x&lt;/b&gt;&#x27;" in overlay.group(0)
        assert "<b>x</b>" not in overlay.group(0)
        assert "content/gamma.md:3: malformed YAML" in overlay.group(0)
        assert "content/beta.md:5: " in overlay.group(0)
    assert "Alpha body." in live.get("/dispatches/alpha/").text, "the last good build is still served"

    state = live.change(lambda: (alpha.write_text(dispatch("Alpha fixed", "2021-12-26", "[NATO]")), gamma.unlink()))
    assert state["problems"] == []
    page = live.get("/dispatches/alpha/").text
    assert "Alpha fixed" in page and '<div id="briefgen-overlay"' not in page


def test_a_site_that_fails_from_the_start_is_served_once_fixed(serve_site) -> None:
    live = serve_site({**SMALL_SITE, "content/alpha.md": BROKEN_RELATED})
    page = live.get("/dispatches/beta/")
    assert page.status == 503 and "could not be built" in page.text and "content/alpha.md:5:" in page.text
    live.change(lambda: (live.root / "content" / "alpha.md").write_text(dispatch("Alpha", "2021-12-26", "[NATO]")))
    assert live.get("/dispatches/beta/").status == 200


def test_config_edits_are_read_again_and_a_broken_config_is_reported(serve_site) -> None:
    live = serve_site(SMALL_SITE)
    config = live.root / "config.yaml"
    live.change(lambda: config.write_text("title: Renamed Briefing\n"))
    assert "Renamed Briefing" in live.get("/").text
    state = live.change(lambda: config.write_text("title: Renamed Briefing\nper_pgae: 3\n"))
    assert state["problems"] and state["problems"][0].startswith("config.yaml:2: ")
    assert "per_pgae" in live.get("/").text
    live.change(lambda: (live.root / "content" / "beta.md").write_text(dispatch("Beta again", "2021-12-27", "[Russia]")))
    assert live.status()["problems"], "a content edit does not hide a config that is still broken"
    live.change(lambda: config.write_text("title: Fixed Briefing\nbase_url: /sub/\n"))
    assert live.status()["problems"] == []
    assert live.get("/").headers["location"] == "/sub/"
    home = live.get("/sub/").text
    assert "Fixed Briefing" in home and "Beta again" in home


def put(path: Path, text: str) -> None:
    """Make the folder (it does not exist yet) and write one file in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_templates_and_static_folders_made_while_serving_are_watched(serve_site) -> None:
    live = serve_site({k: v for k, v in SMALL_SITE.items() if not k.startswith("static/")})
    theme_404 = (ROOT / "briefgen" / "theme" / "404.html").read_text()
    custom = theme_404.replace("<h1>", "<p>custom-404-mark</p><h1>")
    assert custom != theme_404
    live.change(lambda: put(live.root / "templates" / "404.html", custom))
    assert "custom-404-mark" in live.get("/nope/").text
    robots = live.root / "static" / "robots.txt"
    live.change(lambda: put(robots, "User-agent: *\n"))
    assert live.get("/robots.txt").text == "User-agent: *\n"
    live.change(lambda: robots.write_text("User-agent: x\n"))
    assert live.get("/robots.txt").text == "User-agent: x\n"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_cleanly_and_removes_the_temporary_output(tmp_path: Path, signum: int) -> None:
    root = write_site(tmp_path / "project", SMALL_SITE)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "serve", "--port", "0"], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().startswith("serving http://127.0.0.1:")
        assert proc.stdout.readline().startswith("built in ")
        assert list(temp.iterdir()), "the build went into the temporary folder"
        for n in range(2):  # the second rebuild keeps the site before last as a spare
            (root / "content/alpha.md").write_text(SMALL_SITE["content/alpha.md"] + f"\nEdit {n}.\n")
            assert proc.stdout.readline().startswith("built in ")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0
    assert "Traceback" not in err and err == ""
    assert "stopped" in out
    assert list(temp.iterdir()) == []
    assert not (root / "site").exists()
    assert not list((root / ".briefgen-cache").glob("spare-*")), "the preview's spare goes with it"


def test_ctrl_c_stops_it_even_when_started_with_sigint_ignored(tmp_path: Path) -> None:
    """A shell without job control starts `command &` with SIGINT ignored, and every process
    started under it inherits that (a script's `briefgen serve &`, a test run started that
    way): Python then installs no Ctrl-C handler of its own, yet the server must stop."""
    root = write_site(tmp_path / "project", SMALL_SITE)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(ROOT)}
    ignoring = ["sh", "-c", 'trap "" INT; exec "$@"', "sh"]
    proc = subprocess.Popen(
        [*ignoring, sys.executable, "-m", "briefgen", "serve", "--port", "0"], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().startswith("serving http://127.0.0.1:")
        assert proc.stdout.readline().startswith("built in ")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0 and err == ""
    assert out.endswith("briefgen: stopped\n")
    assert list(temp.iterdir()) == []


def test_the_projects_site_folder_stays_as_the_last_build_left_it(make_site, serve_site) -> None:
    root = make_site(SMALL_SITE)
    assert run_cli("build", "--config", str(root / "config.yaml")).code == 0
    before = tree_bytes(root / "site")
    live = serve_site(root)
    live.change(lambda: (root / "content" / "alpha.md").write_text(dispatch("Alpha while serving", "2021-12-26", "[NATO]")))
    assert "Alpha while serving" in live.get("/dispatches/alpha/").text
    assert tree_bytes(root / "site") == before
