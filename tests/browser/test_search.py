"""Search as a reader uses it: by an actor's alias, with facets, from the keyboard alone, and\nin the briefing's own language (inflected forms, Chinese inside a longer run, Arabic with\nor without the article, words of a body alone)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

import pytest
import yaml

from tests.browser.conftest import Traffic
from tests.conftest import dispatch, run_cli, serve_folder, write_site

RESULTS = "#search-results li a"


def _actor_dispatches(site: Path, actor_id: str) -> set[str]:
    """Every dispatch link on an actor's pages (all of its pagination)."""
    found: set[str] = set()
    for page in (site / "actors" / actor_id).rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        listing = html.split('id="mentions"', 1)[1].split("</section>", 1)[0]
        found |= set(re.findall(r'<h3><a href="(/dispatches/[^"]+/)"', listing))
    return found


def _search(page, query: str) -> None:
    page.fill("#q", query)
    page.press("#q", "Enter")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('found')")


def test_an_alias_finds_the_actors_dispatches(open_page, built_example: Path, artifacts: Path) -> None:
    registry = yaml.safe_load((Path(__file__).resolve().parents[2] / "content" / "actors.yaml").read_text(encoding="utf-8"))
    assert "OTAN" in registry["nato"]["aliases"]  # an alias no title or summary uses
    expected = _actor_dispatches(built_example, "nato")
    page, traffic = open_page("/search/", 1280)
    _search(page, "otan")
    page.screenshot(path=str(artifacts / "search-alias.png"), full_page=True)
    shown = {a.get_attribute("href") for a in page.locator(RESULTS).all()}
    assert shown == expected and len(expected) > 10
    assert f"{len(expected)} dispatches found" in page.inner_text("#search-status")
    assert traffic.console_errors == [] and traffic.failed == [] and traffic.external == []


def test_year_facet_narrows_and_toggles(open_page) -> None:
    page, _ = open_page("/search/", 1280)
    _search(page, "otan")
    total = page.locator(RESULTS).count()
    year = page.locator("#search-facets button", has_text="2021")
    year.click()
    page.wait_for_function(f"document.querySelectorAll('{RESULTS}').length < {total}")
    assert year.get_attribute("aria-pressed") == "true"
    dates = page.locator("#search-results .meta").all_inner_texts()
    assert dates and all(d.split(" · ")[0].endswith(" 2021") for d in dates)  # "26 December 2021 · Brussels"
    page.locator("#search-facets button", has_text="2021").click()
    page.wait_for_function(f"document.querySelectorAll('{RESULTS}').length === {total}")


def test_prefix_and_words_together(open_page) -> None:
    page, _ = open_page("/search/?q=stolt%202022", 1280)
    page.wait_for_function("document.getElementById('search-status').textContent.includes('found')")
    dates = page.locator("#search-results .meta").all_inner_texts()
    assert dates and all(d.split(" · ")[0].endswith(" 2022") for d in dates)


def test_nothing_is_fetched_before_the_first_query(open_page) -> None:
    page, traffic = open_page("/search/", 1280)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.wait_for_timeout(300)
    assert not [u for u in fetched if "search-index" in u]
    _search(page, "lavrov")
    assert any(u.endswith("/search-index.json") for u in fetched)


def tab_until(page, expression: str, wanted: str, presses: int = 20) -> None:
    """Press Tab until `expression` (evaluated in the page) equals `wanted`, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(expression) == wanted:
            return
    raise AssertionError(f"Tab never reached {wanted!r}")


def test_keyboard_only_reaches_search(open_page, artifacts: Path) -> None:
    page, _ = open_page("/", 1280)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    tab_until(page, "document.activeElement.textContent", "Search")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/")
    tab_until(page, "document.activeElement.id", "q")
    page.keyboard.type("Lavrov")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('found')")
    page.keyboard.press("Tab")  # past the button into the results and facets
    page.screenshot(path=str(artifacts / "search-keyboard.png"), full_page=True)
    assert page.locator(RESULTS).count() >= 2


def test_skip_link_moves_focus_to_the_content(open_page) -> None:
    page, _ = open_page("/dates/", 375)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


LANGUAGES = Path(__file__).resolve().parents[1] / "sites" / "search-languages"
IN_LANGUAGES = [
    ("ru", "Захаровой", "zakharova-brussels"),  # the actor is named Захарова
    ("ru", "Брюсселе", "zakharova-brussels"),  # the body says «в Брюсселе»
    ("ru", "Брюссель", "zakharova-brussels"),
    ("zh", "会议", "press-conference"),  # inside 国际会议中心安排
    ("zh", "振华", "press-conference"),  # inside 中国振华电子集团, in the body alone
    ("ar", "ناتو", "nato-summit"),  # written الناتو, with the article
    ("ar", "الناتو", "nato-summit"),
    ("en", "quartermaster", "supply-lines"),  # a word of the body alone
    ("en", "council meeting", "council-meets"),  # "Councils meet"
]


def _invented(i: int, j: int) -> str:
    """A word no dictionary has, different for each (i, j): `bakodu`, `bakofe` …"""
    letters = "bdfgklmnprstvz"
    n = i * 100 + j
    return "".join(letters[(n // 14**k) % 14] + "aeiou"[(n // 14**k) % 5] for k in range(4))


@pytest.fixture(scope="module")
def languages(tmp_path_factory, browser):
    """The one-language fixture sites, each built under its own path (/ru/, /zh/ …) of one
    server; and at /many/, an English site with so many words that its terms fill several files."""
    served = tmp_path_factory.mktemp("languages")
    many = write_site(tmp_path_factory.mktemp("many"), {
        f"content/d{i}.md": dispatch(title=f"Dispatch {i}", body=" ".join(_invented(i, j) for j in range(100)), slug=f"d{i}")
        for i in range(40)
    })
    result = run_cli("build", "--output", str(served / "many"), "--base-url", "https://brief.example.org/many/", cwd=many)
    assert result.code == 0, result.err
    for site in sorted(p for p in LANGUAGES.iterdir() if p.is_dir()):
        root = tmp_path_factory.mktemp(site.name)
        shutil.copytree(site, root, dirs_exist_ok=True)
        result = run_cli("build", "--output", str(served / site.name), cwd=root)
        assert result.code == 0, result.err
    with serve_folder(served) as origin:
        yield origin


@pytest.mark.parametrize(("lang", "query", "slug"), IN_LANGUAGES)
def test_a_query_in_the_briefings_language_finds_its_dispatch(browser, languages: str, lang: str, query: str, slug: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        traffic = Traffic(languages)
        traffic.watch(page)
        page.goto(f"{languages}/{lang}/search/?q={quote(query)}", wait_until="load")
        page.wait_for_function("document.querySelectorAll('#search-results li').length > 0 || /0 /.test(document.getElementById('search-status').textContent)")
        shown = [a.get_attribute("href") for a in page.locator(RESULTS).all()]
        assert shown == [f"/{lang}/dispatches/{slug}/"]
        assert traffic.console_errors == [] and traffic.failed == [] and traffic.external == []
    finally:
        context.close()


def test_words_are_found_in_every_terms_file(browser, languages: str) -> None:
    """Terms are cut into files in their order: a word at either end of the order, and its
    start, find their dispatch."""
    with urlopen(f"{languages}/many/search-index.json") as response:
        entry = json.load(response)
    assert len(entry["terms"]) >= 3
    words = sorted({_invented(i, j): i for i in range(40) for j in range(100)}.items())
    context = browser.new_context()
    try:
        page = context.new_page()
        for word, i in [words[0], words[len(words) // 2], words[-1]]:
            for query in (word, word[:5]):
                page.goto(f"{languages}/many/search/?q={query}", wait_until="load")
                page.wait_for_function(f"document.querySelectorAll('{RESULTS}').length > 0")
                assert f"/many/dispatches/d{i}/" in [a.get_attribute("href") for a in page.locator(RESULTS).all()]
    finally:
        context.close()


def test_a_thread_facet_narrows_the_results(browser, languages: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{languages}/ru/search/?q={quote('МИД')}", wait_until="load")
        page.wait_for_function(f"document.querySelectorAll('{RESULTS}').length === 2")
        page.locator("#search-facets fieldset", has_text="Сюжет").locator("button", has_text="Переговоры с НАТО").click()
        page.wait_for_function(f"document.querySelectorAll('{RESULTS}').length === 1")
        assert page.locator(RESULTS).get_attribute("href") == "/ru/dispatches/zakharova-brussels/"
    finally:
        context.close()


def test_a_query_of_no_word_to_search_says_so(open_page) -> None:
    """A query of one letter has no word to look up: the page asks for a longer one."""
    page, _ = open_page("/search/?q=x", 1280)
    page.wait_for_function("document.getElementById('search-status').textContent.includes('two letters')")
    assert page.locator("#search-status").inner_text() == "Type a word of two letters or more."
