"""In a real browser: a saved edit reloads the open page by itself; a broken file shows
the problem overlay, and fixing it clears the overlay."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.conftest import dispatch
from tests.serve.conftest import SMALL_SITE, hold_rendering

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def browser_page(browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page, errors
    finally:
        context.close()


def test_edits_reload_the_open_page_and_problems_overlay_it(serve_site, browser_page) -> None:
    page, errors = browser_page
    expect = sync_api.expect
    live = serve_site(SMALL_SITE)
    alpha = live.root / "content" / "alpha.md"
    page.goto(live.url + "dispatches/alpha/")
    expect(page.locator("h1")).to_contain_text("Alpha proposal")
    page.wait_for_function("() => document.readyState === 'complete'")
    time.sleep(0.3)  # let the event stream connect
    page.evaluate("window.__notReloaded = true")

    saved = time.monotonic()
    alpha.write_text(dispatch("Alpha edited in the editor", "2021-12-26", "[NATO, Russia]", "Alpha body."))
    expect(page.locator("h1")).to_contain_text("Alpha edited in the editor", timeout=3000)
    assert time.monotonic() - saved < 3.0
    assert page.evaluate("window.__notReloaded") is None, "the page reloaded by itself"

    page.evaluate("window.__notReloaded = true")
    alpha.write_text(dispatch("Alpha edited in the editor", "2021-12-26", "[NATO, Russia]", "Alpha body.", related='["<img src=x onerror=alert(1)>"]'))
    overlay = page.locator("#briefgen-overlay")
    expect(overlay).to_be_visible(timeout=3000)
    expect(overlay).to_contain_text("content/alpha.md:5: 'related' item 1: '<img src=x onerror=alert(1)>'")
    assert page.locator("#briefgen-overlay img").count() == 0, "problem text is shown as text"
    expect(page.locator("h1")).to_contain_text("Alpha edited in the editor")
    assert page.evaluate("window.__notReloaded") is True, "a failed build does not reload the page"

    alpha.write_text(dispatch("Alpha fixed", "2021-12-26", "[NATO, Russia]", "Alpha body."))
    expect(overlay).to_have_count(0, timeout=3000)
    expect(page.locator("h1")).to_contain_text("Alpha fixed", timeout=3000)
    assert errors == []


EDITION = "---\ndate: 2021-12-28\ntitle: {title}\ndispatches: [beta, alpha]\n---\nThe lede.\n"


def test_an_open_edition_page_reloads_when_the_edition_or_a_dispatch_it_lists_is_saved(serve_site, browser_page) -> None:
    page, errors = browser_page
    expect = sync_api.expect
    live = serve_site({**SMALL_SITE, "editions/2021-12-28.md": EDITION.format(title="Week one")})
    edition = live.root / "editions" / "2021-12-28.md"
    page.goto(live.url + "editions/2021-12-28/")
    expect(page.locator("h1")).to_contain_text("Week one")
    page.wait_for_function("() => document.readyState === 'complete'")
    time.sleep(0.3)  # let the event stream connect
    edition.write_text(EDITION.format(title="Week one, revised"))
    expect(page.locator("h1")).to_contain_text("Week one, revised", timeout=3000)
    (live.root / "content" / "beta.md").write_text(dispatch("Beta reply, corrected", "2021-12-27", "[Russia]", "Beta body.", related="[alpha]"))
    expect(page.locator(".edition-section")).to_contain_text("Beta reply, corrected", timeout=3000)
    assert errors == []


def test_the_saved_dispatch_reloads_once_before_the_site_and_other_pages_after(serve_site, browser, browser_page, monkeypatch) -> None:
    """The open page of the dispatch just saved reloads as soon as its page is made, and
    not again when the build finishes; another open page reloads when it finishes."""
    page, errors = browser_page
    expect = sync_api.expect
    live = serve_site(SMALL_SITE)
    held, release = hold_rendering(monkeypatch)
    other = browser.new_context().new_page()
    try:
        for tab, path in ((page, "dispatches/alpha/"), (other, "")):
            tab.goto(live.url + path)
            tab.wait_for_function("() => document.readyState === 'complete'")
        time.sleep(0.3)  # let the event streams connect
        for tab in (page, other):
            tab.evaluate("window.__notReloaded = true")
        before = live.status()["builds"]
        (live.root / "content" / "alpha.md").write_text(dispatch("Alpha shown early", "2021-12-26", "[NATO, Russia]", "Alpha body."))
        try:
            assert held.wait(10)
            expect(page.locator("h1")).to_contain_text("Alpha shown early", timeout=3000)
            assert other.evaluate("window.__notReloaded") is True, "the rest of the site is not rebuilt yet"
            page.evaluate("window.__notReloaded = true")
        finally:
            release.set()
        live.settle(before)
        expect(other.locator("main")).to_contain_text("Alpha shown early", timeout=3000)
        time.sleep(0.5)
        assert page.evaluate("window.__notReloaded") is True, "the finished build does not reload it a second time"
    finally:
        other.context.close()
    assert errors == []


def test_a_new_tab_on_a_broken_site_shows_the_overlay_at_once(serve_site, browser_page) -> None:
    page, errors = browser_page
    expect = sync_api.expect
    live = serve_site(SMALL_SITE)
    live.change(lambda: (live.root / "content" / "beta.md").write_text("---\ntitle: Beta\n---\nno date\n"))
    page.goto(live.url + "no-such-page/")
    expect(page.locator("#briefgen-overlay")).to_contain_text("content/beta.md")
    page.goto(live.url)
    expect(page.locator("#briefgen-overlay")).to_have_count(1)
    live.change(lambda: (live.root / "content" / "beta.md").write_text(dispatch("Beta back", "2021-12-27", "[Russia]")))
    expect(page.locator("#briefgen-overlay")).to_have_count(0, timeout=3000)
    expect(page.locator("body")).to_contain_text("Beta back", timeout=3000)
    assert errors == []
