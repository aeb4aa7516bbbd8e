"""The interface in the site's language: every page kind in every shipped language, with
no interface word left in English; CLDR dates and plurals; a site's own wording in
i18n/LANGUAGE.yaml; right-to-left sites; names as written."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from pathlib import Path, PurePath

import pytest

from briefgen import i18n
from briefgen.commands.build import BuildOptions, build
from briefgen.config import load_config
from briefgen.watch import ChangeKind, Event, Layout, classify
from tests.conftest import ROOT, page, run_cli, tree_bytes

KINDS = [  # one URL of each page kind in tests/sites/ru
    "/", "/page/2/", "/dispatches/kerri/", "/actors/", "/actors/sultan-al-dzhaber/", "/actors/antoniu-guterrish/",
    "/dates/", "/dates/2023/", "/dates/2023/12/", "/dates/2023/12/04/", "/topics/", "/topics/klimat/",
    "/topics/klimat/page/2/", "/threads/", "/threads/peregovory-v-dubae/", "/sources/", "/sources/tass/",
    "/events/", "/search/", "/404.html", "/dispatches/kerri-ugol/", "/editions/", "/editions/2023-12-04/", "/editions/2023-12-14/",
]


def _site_in(copy_site, language: str) -> Path:
    root = copy_site("ru")
    config = root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("language: ru", f"language: {language}"), encoding="utf-8")
    return root


def _shown(path: Path) -> str:
    """What a reader is shown of a page or file: its text, and the attributes read aloud
    or shown on hover (aria-label, title, alt, placeholder) and the page's description."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<script\b.*?</script>", " ", text, flags=re.S)
    said = re.findall(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"', text)
    said += re.findall(r'<meta (?:name|property)="(?:description|og:description|twitter:description)" content="([^"]*)"', text)
    shown = html.unescape(re.sub(r"<[^>]+>", "\n", text) + "\n" + "\n".join(said))
    return re.sub(r"\b(?:https?|tag|mailto):\S+|/\S*/", " ", shown)  # addresses and ids are no words


def _english_fragments(language: str) -> set[str]:
    """The pieces of the English catalogue's messages (between their placeholders) that
    hold a word, and that the language's own catalogue does not also use (`Source` is
    French too)."""
    english, _ = i18n.shipped("en")
    own, _ = i18n.shipped(language)
    own_text = "\n".join(v if isinstance(v, str) else "\n".join(v.values()) for v in own.values())
    found = set()
    for value in english.values():
        for form in [value] if isinstance(value, str) else value.values():
            for piece in re.split(r"\{[a-z_]+\}", form):
                piece = piece.strip(" .,:;()–—←→“”")
                if re.search(r"[A-Za-z]{3}", piece) and piece not in own_text:
                    found.add(piece)
    return found


@pytest.mark.parametrize("language", i18n.SHIPPED)
def test_every_page_kind_is_built_in_every_shipped_language(copy_site, language: str) -> None:
    root = _site_in(copy_site, language)
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert "warning" not in result.err
    direction = "rtl" if language == "ar" else "ltr"
    for url in KINDS:
        assert f'<html lang="{language}" dir="{direction}">' in page(root, url), url
    assert f'<html lang="{language}" dir="{direction}">' in page(root, "/editions/2023-12-04/email.html")
    if language == "en":
        return
    fragments = _english_fragments(language)
    left, doubled = {}, {}
    for path in sorted((root / "site").rglob("*")):
        rel = path.relative_to(root / "site").as_posix()
        if path.suffix in (".html", ".xml", ".ics", ".opml"):
            shown = _shown(path)
            english = sorted(f for f in fragments if re.search(rf"(?<![A-Za-z]){re.escape(f)}(?![A-Za-z])", shown))
            if english:
                left[rel] = english
            doubled.update({rel: m.group() for m in re.finditer(r"\S*(?<!\.)\.\.(?!\.)", shown)})  # "2023 г.." after a date
    assert not left, f"interface text left in English on a '{language}' build: {left}"
    assert not doubled, f"a full stop after one that ends a date or word, on a '{language}' build: {doubled}"


def test_catalogues_have_every_message_with_the_plural_forms_of_their_language() -> None:
    english, _ = i18n.shipped("en")
    for language in i18n.SHIPPED:
        messages, locale = i18n.shipped(language)
        assert messages.keys() == english.keys(), f"{language}: {sorted(messages.keys() ^ english.keys())}"
        categories = i18n._locale(locale).plural_form.tags | {"other"}
        for key, value in messages.items():
            base = english[key]
            assert isinstance(value, str) == isinstance(base, str), f"{language}: {key}"
            allowed = i18n.placeholders(base if isinstance(base, str) else base["other"]) | {"n"}
            forms = [value] if isinstance(value, str) else list(value.values())
            if not isinstance(value, str):
                assert set(value) == categories, f"{language}: {key} has {sorted(value)}, not {sorted(categories)}"
            for form in forms:
                assert i18n.placeholders(form) <= allowed, f"{language}: {key}: {form}"


SAME_IN_ENGLISH = {("fr", key) for key in ("section.dates", "section.sources", "pager.label", "page.number", "title.paged", "dispatch.source", "notfound.dates")} | {("de", "edition.links")}
"""Messages whose words a language shares with English (French `Sources`, `Page 2`)."""
NAMES = {"Atom", "OPML", "JSON", "ics", "briefgen", "JavaScript"}


def test_no_catalogue_keeps_a_message_in_english() -> None:
    """A message copied from English and never translated: the same words as the English
    catalogue's, or any Latin word at all in a language written in another script."""
    english, _ = i18n.shipped("en")
    kept = []
    for language in i18n.SHIPPED[1:]:
        messages, _ = i18n.shipped(language)
        for key, value in messages.items():
            for form in [value] if isinstance(value, str) else value.values():
                words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[a-z_]+\}", "", form))) - NAMES
                same = value == english[key] and (language, key) not in SAME_IN_ENGLISH
                if words and (same or language in ("ru", "uk", "ar", "zh")):
                    kept.append(f"{language}: {key}: {form}")
    assert not kept


def test_dates_numbers_and_plurals_come_from_cldr() -> None:
    ru, _ = i18n.load(None, "ru")
    assert [ru.text("count.dispatches", n=n) for n in (1, 3, 5, 21, 1234)] == ["1 сводка", "3 сводки", "5 сводок", "21 сводка", "1\xa0234 сводки"]
    import datetime as dt

    day = dt.date(2023, 12, 9)
    assert ru.long_date(day) == "9 декабря 2023\u202fг."
    assert i18n.english().long_date(day) == "9 December 2023"
    assert i18n.load(None, "de")[0].long_date(day) == "9. Dezember 2023"
    assert i18n.load(None, "zh")[0].long_date(day) == "2023年12月9日"
    assert i18n.load(None, "en-US")[0].long_date(day) == "December 9, 2023"
    ar, _ = i18n.load(None, "ar")
    assert [ar.text("count.dispatches", n=n) for n in (1, 2, 3, 11, 100)] == ["موجز واحد", "موجزان", "3 موجزات", "11 موجزًا", "100 موجز"]


def test_a_russian_site_reads_in_russian(built_site) -> None:
    root = built_site("ru")
    home = page(root, "/")
    assert ">Последнее</a>" in home and ">Сюжеты</a>" in home
    dispatch = page(root, "/dispatches/itog/")
    assert "<strong>Главное</strong>" in dispatch
    assert '<time datetime="2023-12-13">13 декабря 2023\u202fг.</time>' in dispatch
    thread = page(root, "/threads/peregovory-v-dubae/")
    assert "4 сводки за 14 дней, 30 ноября 2023\u202fг. – 13 декабря 2023\u202fг." in thread
    assert "<p>4 сводки. <a" in page(root, "/topics/klimat/")
    assert "Страница 1 из 2" in page(root, "/topics/klimat/")
    day = page(root, "/dates/2023/12/04/")
    assert "1 сводка, понедельник." in day
    assert 'aria-label="4 декабря 2023\u202fг.: 1 сводка"' in page(root, "/dates/2023/12/")
    assert "общее: " in dispatch and "тот же сюжет" in dispatch
    feed = page(root, "/actors/oon/feed.xml")
    assert "<title>Климатическая сводка: ООН</title>" in feed
    assert "Сообщается в сводках: " in page(root, "/events.ics")
    assert "<title>Климатическая сводка: участники</title>" in page(root, "/actors.opml")


def test_an_arabic_site_is_right_to_left_and_isolates_what_its_authors_wrote(built_site) -> None:
    root = built_site("ar")
    kerry = page(root, "/dispatches/kerry/")
    assert '<html lang="ar" dir="rtl">' in kerry
    # a Latin name opening an Arabic title: the title reads right to left, the name in it left to right
    assert '<h1>John Kerry يدعو إلى التخلي عن الفحم</h1>' in kerry
    assert '<span class="dateline"><bdi class="place">Dubai</bdi>، <a href="/dates/2023/12/04/"><time datetime="2023-12-04">4 ديسمبر 2023</time></a></span>' in kerry
    assert "<bdi>John Kerry</bdi>" in kerry  # the actor chip
    assert '<a rel="prev" href="/dispatches/fund/">→ السابق: ' in kerry  # arrows point the way the page reads


def test_a_site_rewords_one_message_without_copying_templates(copy_site) -> None:
    root = copy_site("ru")
    (root / "i18n").mkdir()
    (root / "i18n/ru.yaml").write_text('section.latest: Свежее\ncount.dispatches:\n  few: "{n} заметки"\n', encoding="utf-8")
    assert run_cli("build", cwd=root).code == 0
    home = page(root, "/")
    assert ">Свежее</a>" in home and ">Последнее</a>" not in home
    assert "<p>4 заметки. <a" in page(root, "/topics/klimat/")
    assert "<p>1 сводка. <a" in page(root, "/topics/finansy/")  # the forms it does not give stay the catalogue's


def test_a_wrong_message_in_the_site_file_is_an_error_at_its_line(copy_site) -> None:
    root = copy_site("ru")
    (root / "i18n").mkdir()
    (root / "i18n/ru.yaml").write_text(
        'section.latest: Свежее\nsectoin.topics: Темы\ndispatch.updated: "Обновлено {when}"\ncount.days: дни\n'
        'section.topics: "Темы {n}"\n', encoding="utf-8",
    )
    before = tree_bytes(root / "site") if (root / "site").exists() else {}
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "i18n/ru.yaml:2: unknown message 'sectoin.topics'; did you mean 'section.topics'?" in result.err
    assert "i18n/ru.yaml:3: 'dispatch.updated' uses {when}, which this message does not have (it has: {date})" in result.err
    assert "i18n/ru.yaml:4: 'count.days' must be counted" in result.err
    assert "i18n/ru.yaml:5: 'section.topics' uses {n}, which this message does not have (it has: none)" in result.err
    assert (tree_bytes(root / "site") if (root / "site").exists() else {}) == before


def test_an_unknown_language_speaks_english_with_one_warning(copy_site) -> None:
    root = _site_in(copy_site, "tlh")
    result = run_cli("build", cwd=root)
    assert result.code == 0
    warnings = [line for line in result.err.splitlines() if "warning" in line]
    assert warnings == [
        "config.yaml: warning: language 'tlh' has no interface catalogue (briefgen speaks en, de, fr, es, ru, uk, ar, zh): "
        "menus, labels and dates are in English; write its strings in i18n/tlh.yaml"
    ]
    home = page(root, "/")
    assert '<html lang="tlh" dir="ltr">' in home and ">Latest</a>" in home


def test_a_language_written_in_the_sites_own_file_warns_no_more(copy_site) -> None:
    """Every message given in i18n/tlh.yaml: nothing is left in English, so nothing is said;
    one left out, and the warning counts what is."""
    root = _site_in(copy_site, "tlh")
    (root / "i18n").mkdir()
    english = (ROOT / "briefgen/catalogues/en.yaml").read_text(encoding="utf-8")
    own = english.replace("locale: en_GB\n", "").replace("Latest", "QIb")
    (root / "i18n/tlh.yaml").write_text(own, encoding="utf-8")
    result = run_cli("build", cwd=root)
    assert result.code == 0 and "warning" not in result.err, result.err
    assert ">QIb</a>" in page(root, "/")
    total = sum(1 for line in own.splitlines() if line and not line.startswith((" ", "#")))
    (root / "i18n/tlh.yaml").write_text(own.replace("section.search:", "# section.search:"), encoding="utf-8")
    result = run_cli("build", cwd=root)
    assert f"language 'tlh' has no interface catalogue (briefgen speaks en, de, fr, es, ru, uk, ar, zh): 1 of its {total} messages are in English; write its strings in i18n/tlh.yaml" in result.err


def test_a_language_cldr_knows_gets_its_dates_without_a_catalogue(copy_site) -> None:
    root = _site_in(copy_site, "pt")
    result = run_cli("build", cwd=root)
    assert result.code == 0
    assert "language 'pt' has no interface catalogue (briefgen speaks en, de, fr, es, ru, uk, ar, zh): menus and labels are in English" in result.err
    assert " de dezembro de 2023" in page(root, "/")


def test_a_language_that_is_no_tag_is_an_error(copy_site) -> None:
    root = _site_in(copy_site, "../ru")
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "config.yaml:4: 'language' '../ru' is not a language tag" in result.err


def test_an_edit_to_the_site_wording_rebuilds_as_a_clean_build_would(copy_site) -> None:
    root = copy_site("ru")
    (root / "i18n").mkdir()
    wording = root / "i18n/ru.yaml"
    wording.write_text("section.latest: Свежее\n", encoding="utf-8")
    config = load_config(root / "config.yaml")
    build(config, BuildOptions())
    wording.write_text("section.latest: Новое\nchart.calendar.none: Пусто.\n", encoding="utf-8")
    result = build(load_config(root / "config.yaml"), BuildOptions())
    assert result.rendered > 0
    incremental = tree_bytes(root / "site")
    assert ">Новое</a>" in incremental["dispatches/kerri/index.html"].decode()
    build(load_config(root / "config.yaml"), BuildOptions(output=root / "clean", cache=False))
    assert incremental == tree_bytes(root / "clean")
    wording.unlink()
    build(load_config(root / "config.yaml"), BuildOptions())
    assert ">Последнее</a>" in page(root, "/")


def test_serve_reads_the_settings_again_when_the_site_wording_changes(tmp_path: Path) -> None:
    root = PurePath(tmp_path)
    layout = Layout(root / "config.yaml", root / "content", root / "templates", root / "static", root / "i18n")
    assert classify([Event("modified", str(root / "i18n/ru.yaml"))], layout) == {ChangeKind.CONFIG}
    assert classify([Event("created", str(root / "i18n"), is_directory=True)], layout) == {ChangeKind.CONFIG}
    assert classify([Event("modified", str(root / "i18n/.ru.yaml.swp"))], layout) == frozenset()


def test_a_thread_is_shown_as_its_newest_dispatch_names_it(copy_site) -> None:
    root = copy_site("ru")
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    thread = page(root, "/threads/peregovory-v-dubae/")  # named in three dispatches, given by id in one
    assert "<h1>Переговоры в Дубае</h1>" in thread
    assert "/dispatches/fond/" in thread
    newest = root / "content/itog.md"
    newest.write_text(newest.read_text(encoding="utf-8").replace("thread: Переговоры в Дубае", "thread: Переговоры  в  ДУБАЕ"), encoding="utf-8")
    assert run_cli("build", cwd=root).code == 0
    assert "<h1>Переговоры в ДУБАЕ</h1>" in page(root, "/threads/peregovory-v-dubae/")


def test_a_thread_given_by_id_alone_keeps_the_name_made_from_it(make_site) -> None:
    from tests.conftest import dispatch

    root = make_site({
        "content/a.md": dispatch("A", "2023-12-01", thread="al-jaber-science-row"),
        "content/b.md": dispatch("B", "2023-12-02", thread="cop29-host"),
        "content/c.md": dispatch("C", "2023-12-03", thread="COP29 host"),
    })
    assert run_cli("build", cwd=root).code == 0
    assert "<h1>Al jaber science row</h1>" in page(root, "/threads/al-jaber-science-row/")
    assert "<h1>COP29 host</h1>" in page(root, "/threads/cop29-host/")


def test_search_results_give_their_dates_as_the_pages_do(built_site) -> None:
    """A result's date is the long date of the site's language, as on the dispatch's page."""
    root = built_site("ru")
    shown = json.loads((root / "site/search-index/docs-0.json").read_text(encoding="utf-8"))
    dates = {href: day for href, _, day, *_ in shown}
    day = i18n.load(None, "ru")[0].long_date(dt.date(2023, 12, 13))
    assert day.replace("\u202f", " ") == "13 декабря 2023 г."  # CLDR puts a narrow no-break space before г.
    assert dates["/dispatches/itog/"] == day and day in page(root, "/dispatches/itog/")
