"""Every page type in a real browser at a phone and a desktop width.

Each page is screenshotted into tests/artifacts/ for a person to look at, checked with
axe-core (no serious or critical violation), and watched for console errors, failed
requests and requests leaving the site. It must also fit the viewport without a
horizontal scrollbar.
"""

from __future__ import annotations

import pytest

PAGES = {
    "home": "/",
    "home-page-2": "/page/2/",
    "dispatch": "/dispatches/nato-proposes-nrc-meeting-january-12/",
    "dispatch-latest": "/dispatches/putin-says-core-concerns-ignored/",
    "actors": "/actors/",
    "actor": "/actors/nato/",
    "actor-person": "/actors/jens-stoltenberg/",
    "dates": "/dates/",
    "year": "/dates/2022/",
    "month": "/dates/2021/12/",
    "day": "/dates/2021/12/26/",
    "topics": "/topics/",
    "topic": "/topics/european-security/",
    "threads": "/threads/",
    "thread": "/threads/nato-russia-security-talks/",
    "sources": "/sources/",
    "source": "/sources/tass/",
    "events": "/events/",
    "search": "/search/",
    "not-found": "/404.html",
}
WIDTHS = (375, 1280)
SERIOUS = ("serious", "critical")


def _violations(axe, page) -> list[str]:
    found = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_type(open_page, axe, artifacts, name: str, width: int) -> None:
    page, traffic = open_page(PAGES[name], width)
    page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
    assert page.locator("main#main h1").count() == 1
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{PAGES[name]} scrolls sideways by {overflow}px at {width}px"
    assert _violations(axe, page) == []
    assert traffic.console_errors == []
    assert traffic.failed == []
    assert traffic.external == []


@pytest.mark.parametrize("name", ["dispatch", "actor", "dates", "search"])
def test_dark_mode(open_page, axe, artifacts, name: str) -> None:
    page, _ = open_page(PAGES[name], 1280, color_scheme="dark")
    page.screenshot(path=str(artifacts / f"{name}-dark.png"), full_page=True)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    assert _violations(axe, page) == []


def test_day_page_prints_as_a_briefing(open_page, artifacts) -> None:
    page, _ = open_page(PAGES["day"], 800)
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "day-print.png"), full_page=True)
    hidden = page.evaluate(
        "['.masthead nav', '.site-footer', '.prevnext', '.breadcrumbs', '.skip']"
        ".map(s => document.querySelector(s)).filter(e => e && e.offsetParent !== null).map(e => e.className || e.tagName)"
    )
    assert hidden == []
    heading = page.inner_text("main h1")
    assert "26 December 2021" in heading and "Euro-Atlantic Security Brief" in heading
    assert page.locator(".item h3").count() >= 1
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_pictures_work_without_javascript(open_page, artifacts) -> None:
    """The calendar, network, sparkline and thread timeline are in the HTML, with links and labels."""
    checks = {"/dates/": ".calendar", "/actors/nato/": ".network", "/threads/nato-russia-security-talks/": ".strip"}
    for path, selector in checks.items():
        page, traffic = open_page(path, 1280, java_script_enabled=False)
        svg = page.locator(f"svg{selector}").first
        assert svg.is_visible()
        assert svg.locator("title").first.text_content() and svg.locator("desc").first.text_content()
        link = svg.locator("a").first
        href = link.get_attribute("href")
        link.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(href)
        assert traffic.failed == []
    page, _ = open_page("/actors/nato/", 1280, java_script_enabled=False)
    assert page.locator("svg.sparkline rect.bar").count() >= 2
