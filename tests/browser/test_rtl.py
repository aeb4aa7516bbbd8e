"""An Arabic briefing in chromium: the layout mirrors, and text written in other scripts
keeps its place, on a desktop and on a phone. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import run_cli, serve_folder

BOX = "(s => { const r = document.querySelector(s).getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; })"
STYLE = "((s, p) => getComputedStyle(document.querySelector(s))[p])"


@pytest.fixture(scope="module")
def arabic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import shutil

    root = tmp_path_factory.mktemp("ar") / "ar"
    shutil.copytree(Path(__file__).resolve().parents[1] / "sites/ar", root)
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    with serve_folder(root / "site") as origin:
        yield origin


@pytest.fixture
def open_at(browser, arabic):
    contexts = []

    def open_(path: str, width: int):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(arabic + path, wait_until="load")
        return page

    yield open_
    for context in contexts:
        context.close()


def box(page, selector: str) -> list[float]:
    return page.evaluate(f"{BOX}({selector!r})")


@pytest.mark.parametrize("width", [1280, 375])
def test_an_arabic_dispatch_page_mirrors(open_at, artifacts, width: int) -> None:
    page = open_at("/dispatches/kerry/", width)
    page.screenshot(path=str(artifacts / f"rtl-dispatch-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    # the brand opens the masthead on the right; the bottom line's rule is on its right
    brand, main = box(page, ".brand"), box(page, "main")
    assert brand[1] > main[1] - 40 and brand[0] > (main[0] + main[1]) / 2
    assert page.evaluate(f"{STYLE}('.bluf', 'borderRightWidth')") == "4px"
    assert page.evaluate(f"{STYLE}('.bluf', 'borderLeftWidth')") == "0px"
    assert page.evaluate(f"{STYLE}('.timeline', 'borderRightWidth')") == "3px"
    # a Latin place in the Arabic dateline stays first: at the right, before the date
    place, date = box(page, ".dispatch-head .place"), box(page, ".dispatch-head .dateline time")
    assert abs(place[2] - date[2]) < 4 and place[0] >= date[1] - 1
    # the timeline starts on the right: the earliest dispatch's dot right of the latest's
    dots = page.evaluate("[...document.querySelectorAll('.strip circle')].map(c => c.getBoundingClientRect().left)")
    assert dots == sorted(dots, reverse=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_an_arabic_home_page_puts_its_side_column_on_the_left(open_at, artifacts, width: int) -> None:
    page = open_at("/", width)
    page.screenshot(path=str(artifacts / f"rtl-home-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    newer_older = box(page, ".pager a[rel=next]")
    position = box(page, ".pager span")
    assert newer_older[1] <= position[0] + 1 or newer_older[2] > position[3] - 1  # older pages lie to the left (or below)
    if width >= 1000:
        side, content = box(page, ".side-col"), box(page, ".main-col")
        assert side[1] <= content[0] + 1


def test_an_arabic_calendar_starts_its_week_on_the_right(open_at, artifacts) -> None:
    page = open_at("/dates/2023/12/", 375)
    page.screenshot(path=str(artifacts / "rtl-month-375.png"), full_page=True)
    days = page.evaluate("[...document.querySelectorAll('.calendar a')].map(a => [a.getAttribute('href'), a.getBoundingClientRect().left])")
    lefts = dict(days)
    monday = lefts["/dates/2023/12/04/"]  # weeks start on Monday in CLDR's Arabic
    assert monday == max(lefts.values()) and lefts["/dates/2023/12/01/"] < lefts["/dates/2023/12/13/"] < monday


def test_an_arabic_place_keeps_its_place_in_an_english_dateline(make_site, browser, artifacts) -> None:
    """The issue this fixes: `4 ,دبي December 2023`. The place is isolated, so the
    English line reads place, comma, date from left to right."""
    from tests.conftest import dispatch

    root = make_site({"config.yaml": "title: T\n", "content/cop.md": dispatch("COP28 opens", "2023-12-04", "[UN]", location="دبي")})
    assert run_cli("build", cwd=root).code == 0
    with serve_folder(root / "site") as origin:
        context = browser.new_context(viewport={"width": 1280, "height": 600})
        try:
            page = context.new_page()
            page.goto(f"{origin}/dispatches/cop/", wait_until="load")
            page.locator(".dispatch-head").screenshot(path=str(artifacts / "ltr-arabic-place.png"))
            place, date = box(page, ".dispatch-head .place"), box(page, ".dispatch-head .dateline time")
            assert place[1] <= date[0] and abs(place[2] - date[2]) < 4
            assert page.evaluate("document.querySelector('.dispatch-head .dateline').innerText").startswith("دبي, 4 December 2023")
        finally:
            context.close()
