"""Editions as a user sees them: the fixture site tests/sites/editions has an explicit
edition (2021-12-06), a sectioned one (2021-12-13), an implicit one (2021-12-20, with its
own number) and a draft. Its pages, emails, plain texts and feeds are read as a reader, a
mail client and a newsletter service would."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from xml.etree import ElementTree
from pathlib import Path

import pytest

from tests.conftest import SITES, dispatch, page, run_cli

BASE = "https://brief.example.org/news/"
EDITIONS = ["2021-12-06", "2021-12-13", "2021-12-20"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("editions") / "project"
    shutil.copytree(SITES / "editions", root)
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    return root


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, in order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def links(self) -> list[str]:
        return [a["href"] or "" for a in self.all("a") if "href" in a]


def _order(text: str, *needles: str) -> list[int]:
    places = [text.index(n) for n in needles]
    assert places == sorted(places), f"{needles} are not in this order"
    return places


# ---------------------------------------------------------------- pages


def test_each_published_edition_has_a_page_and_drafts_have_none(site: Path) -> None:
    for key in EDITIONS:
        assert (site / "site/editions" / key / "index.html").is_file()
    assert not (site / "site/editions/2022-01-06").exists()
    assert "Not ready yet" not in page(site, "/editions/")


def test_an_explicit_edition_keeps_the_editors_order_with_summaries_and_actors(site: Path) -> None:
    html = page(site, "/editions/2021-12-06/")
    assert "<h1>First look</h1>" in html
    assert "No. 1 · <time datetime=\"2021-12-06\">6 December 2021</time> · 3 dispatches" in html
    assert '<a href="/news/threads/talks/">the talks</a>' in html  # the lede, its link under base_url's path
    _order(html, "Sanctions discussed", "Moscow weighs the talks", "Moscow publishes draft treaty")
    assert "Summary of Sanctions discussed." in html and 'href="/news/actors/russia/"' in html
    assert "Talks proposed" not in html.split("edition-moved")[0]  # not selected, though dated before


def test_a_sectioned_edition_shows_its_sections_and_is_named_by_number_and_date(site: Path) -> None:
    html = page(site, "/editions/2021-12-13/")
    assert "<title>No. 2 · 13 December 2021 · Editions Brief</title>" in html
    article = html.split('<article class="edition">')[1]
    assert article.count("No. 2") == 1 and '<p class="kicker">3 dispatches</p>' in article  # named once, not in the kicker too
    text = (site / "site/editions/2021-12-13/email.txt").read_text(encoding="utf-8")
    assert text.count("No. 2") == 1 and "\n3 dispatches\n" in text
    _order(html, ">The talks</h2>", "Talks held in Geneva", ">Treaties and energy</h2>", "Second treaty draft", "Energy prices rise")


def test_an_editions_description_names_its_day_not_its_title(site: Path) -> None:
    html = page(site, "/editions/2021-12-06/")
    said = "The edition of 6 December 2021 of Editions Brief."
    assert f'<meta name="description" content="{said}">' in html
    assert f'<meta property="og:description" content="{said}">' in html


def test_an_implicit_edition_carries_everything_since_the_last_by_thread_then_the_rest(site: Path) -> None:
    html = page(site, "/editions/2021-12-20/")
    assert "No. 7 · " in html  # its own number
    main = html.split('class="edition-moved"')[0]
    _order(main, 'href="/news/threads/talks/">Talks</a></h2>', "Talks resume", ">Also in this edition</h2>", "Pipeline paused")
    for earlier in ("Energy prices rise", "Talks held in Geneva", "Unfinished piece", "New year statement"):
        assert earlier not in main  # before the last edition, a draft, after this one


def test_since_the_last_edition_and_the_week_ahead(site: Path) -> None:
    first = page(site, "/editions/2021-12-06/")
    moved = first.split('class="edition-moved"')[1].split("</section>")[0]
    assert "The story so far" in moved and "Talks</a>: 2 new" in moved  # a1 and a2, none before
    second = page(site, "/editions/2021-12-13/")
    moved = second.split('class="edition-moved"')[1].split("</section>")[0]
    assert "Since the last edition" in moved
    assert "Talks</a>: 1 new (after 2 earlier)" in moved and "Talks held in Geneva" in moved
    assert "Treaty</a>: 1 new (after 1 earlier)" in moved and "Second treaty draft" in moved
    ahead = first.split('class="edition-upcoming"')[1].split("</section>")[0]
    assert "Council meets" in ahead and "A later summit" not in ahead  # 9 December is within 7 days, 20 December is not
    ahead = second.split('class="edition-upcoming"')[1].split("</section>")[0]
    assert "A later summit" in ahead and "Council meets" not in ahead
    assert 'class="edition-upcoming"' not in page(site, "/editions/2021-12-20/")  # nothing after 20 December


def test_an_editions_punctuation_is_its_languages(tmp_path: Path) -> None:
    """Chinese writes full-width parentheses and a double dash, no spaces around them."""
    root = tmp_path / "project"
    shutil.copytree(SITES / "editions", root)
    with (root / "config.yaml").open("a", encoding="utf-8") as config:
        config.write("language: zh\n")
    assert run_cli("build", cwd=root).code == 0
    html = page(root, "/editions/2021-12-13/")
    assert '<p class="kicker">第 1 期 · <time datetime="2021-12-06">2021年12月6日</time> · 3 篇简报</p>' in page(root, "/editions/2021-12-06/")
    assert '<a href="/news/threads/talks/">Talks</a>：新增 1 篇（此前已有 2 篇）' in html
    text = (root / "site/editions/2021-12-13/email.txt").read_text(encoding="utf-8")
    assert "\n* Talks [4]：新增 1 篇（此前已有 2 篇）——Talks held in Geneva [1]\n" in text
    assert "\n* 2021年12月20日 A later summit（出自 Talks proposed [6]）\n" in text


def test_editions_link_to_their_neighbours(site: Path) -> None:
    middle = page(site, "/editions/2021-12-13/")
    assert '<a rel="prev" href="/news/editions/2021-12-06/">← Previous edition: First look</a>' in middle
    assert '<a rel="next" href="/news/editions/2021-12-20/">Next edition: Week three →</a>' in middle
    assert 'rel="prev"' not in page(site, "/editions/2021-12-06/").split("edition-nav")[1]
    assert 'rel="next"' not in page(site, "/editions/2021-12-20/").split("edition-nav")[1]


def test_the_archive_lists_every_edition_newest_first_with_the_latest_in_full(site: Path) -> None:
    first = page(site, "/editions/")
    assert "Everything since the last edition, by thread." in first and "Talks resume" in first  # the latest, in full
    assert first.index("Week three") < first.index("No. 2 · 13 December 2021")
    assert 'href="/news/editions/page/2/"' in first  # per_page: 2
    second = page(site, "/editions/page/2/")
    assert "First look" in second and "Week three" not in second


def test_a_dispatch_names_the_editions_that_carried_it_and_home_leads_with_the_latest(site: Path) -> None:
    carried = page(site, "/dispatches/a2/")
    assert '<a href="/news/editions/2021-12-06/">First look</a>' in carried
    assert "/news/editions/2021" not in page(site, "/dispatches/a1/")  # dated before, but not selected
    home = page(site, "/")
    assert home.index("Latest edition") < home.index("Week three") < home.index("Latest dispatches")
    assert 'href="/news/editions/"' in page(site, "/actors/")  # in every page's navigation


def test_every_head_links_the_feeds(site: Path) -> None:
    for url in ("/", "/editions/2021-12-13/", "/dispatches/a1/"):
        head = page(site, url).split("</head>")[0]
        assert '<link rel="alternate" type="application/feed+json" title="Editions Brief" href="/news/feed.json">' in head
        assert 'type="application/atom+xml" title="Editions Brief: Editions" href="/news/editions/feed.xml"' in head
        assert 'type="application/feed+json" title="Editions Brief: Editions" href="/news/editions/feed.json"' in head


def test_drafts_build_with_the_draft_edition(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(SITES / "editions", root)
    result = run_cli("build", "--drafts", cwd=root)
    assert result.code == 0, result.err
    html = page(root, "/editions/2022-01-06/")
    assert "Not ready yet" in html and "New year statement" in html
    assert "Unfinished piece" in page(root, "/editions/2021-12-20/")  # a draft dispatch, built with --drafts


# ---------------------------------------------------------------- the email


def test_the_email_is_self_contained_html_for_mail_clients(site: Path) -> None:
    for key in EDITIONS:
        path = site / "site/editions" / key / "email.html"
        data = path.read_bytes()
        assert len(data) < 100 * 1024
        text = data.decode("utf-8")
        doc = Elements(text)
        names = {name for name, _ in doc.tags}
        assert not names & {"script", "style", "link", "iframe", "form"}, names
        assert not re.search(r"\son[a-z]+=", text) and "javascript:" not in text
        assert "@font-face" not in text and "fonts.googleapis" not in text
        assert doc.all("table") and all(t.get("role") == "presentation" for t in doc.all("table"))
        for attrs in doc.all("a"):
            assert (attrs.get("href") or "").startswith((BASE, "https://", "mailto:")), attrs
        for attrs in doc.all("img"):
            assert attrs["src"].startswith(BASE) and attrs.get("width") and attrs.get("alt"), attrs
        blocks = [(name, attrs) for name, attrs in doc.tags if name in ("body", "table", "td", "h1", "h2", "h3", "p")]
        assert blocks and all("style" in attrs for _, attrs in blocks), [b for b in blocks if "style" not in b[1]][:3]


def test_the_email_isolates_names_written_in_another_direction(make_site) -> None:
    """An Arabic place, source or actor in an English email (or the reverse) keeps its own
    direction and leaves the punctuation around it where it belongs."""
    root = make_site({
        "config.yaml": "title: T\nbase_url: https://x.example/\n",
        "content/a.md": dispatch(title="Talks", slug="talks", date="2021-12-05", actors="[القاهرة]", location="القاهرة",
                                 source='{name: "الأهرام", url: "https://x.example/s"}'),
        "editions/2021-12-06.md": "---\ndate: 2021-12-06\n---\nLede.\n",
    })
    assert run_cli("build", cwd=root).code == 0
    email = (root / "site/editions/2021-12-06/email.html").read_text(encoding="utf-8")
    meta = email.split('class="meta"')[1].split("</p>")[0]
    assert '<span dir="auto">القاهرة</span>, 5 December 2021 · <span dir="auto">الأهرام</span>' in meta
    actors = email.split('class="actors"')[1].split("</p>")[0]
    assert '<span dir="auto">القاهرة</span></a>' in actors


def test_the_email_has_a_hidden_preheader_from_the_lede_and_a_picture(site: Path) -> None:
    doc = Elements((site / "site/editions/2021-12-06/email.html").read_text(encoding="utf-8"))
    body = [attrs for name, attrs in doc.tags if name not in ("html", "head", "meta", "title", "body")]
    assert "display:none" in body[0]["style"].replace(" ", "")
    hidden = re.search(r"<body[^>]*>\s*<div[^>]*>([^<]*)</div>", (site / "site/editions/2021-12-06/email.html").read_text(encoding="utf-8"))
    assert hidden and hidden.group(1).startswith("The week’s news in three dispatches; see the talks")  # the preheader, first in the body
    images = doc.all("img")
    assert [i["src"] for i in images] == [BASE + "dispatches/b1/map.png"]
    assert images[0]["alt"] == "Moscow publishes draft treaty" and images[0]["width"] == "552"
    assert BASE + "threads/talks/" in doc.links()  # the lede's own link, made absolute


def test_the_plain_text_is_wrapped_with_numbered_links(site: Path) -> None:
    for key in EDITIONS:
        text = (site / "site/editions" / key / "email.txt").read_text(encoding="utf-8")
        for line in text.splitlines():
            assert len(line) <= 72 or " " not in line.strip(), line  # only an unbreakable word is longer
        body, _, refs = text.partition("\nLinks:\n\n")
        listed = dict(re.findall(r"^\[(\d+)\] (\S+)$", refs, re.MULTILINE))
        used = set(re.findall(r"\[(\d+)\]", body))
        assert used and used == set(listed), key
        assert all(url.startswith(BASE) for url in listed.values())
        assert "<" not in body and "&amp;" not in body
    first = (site / "site/editions/2021-12-06/email.txt").read_text(encoding="utf-8")
    assert "First look\n==========" in first
    refs = dict(re.findall(r"^\[(\d+)\] (\S+)$", first, re.MULTILINE))
    number = re.search(r"Sanctions discussed \[(\d+)\]", first).group(1)
    assert refs[number] == BASE + "dispatches/c1/"


# ---------------------------------------------------------------- feeds


def test_the_editions_atom_feed_carries_each_email(site: Path) -> None:
    feedparser = pytest.importorskip("feedparser")
    parsed = feedparser.parse((site / "site/editions/feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Editions Brief: Editions" and parsed.feed.link == BASE + "editions/"
    assert [e.link for e in parsed.entries] == [BASE + f"editions/{k}/" for k in reversed(EDITIONS)]
    assert [e.title for e in parsed.entries] == ["Week three", "No. 2 · 13 December 2021", "First look"]
    assert parsed.entries[2].id == "tag:brief.example.org,2021-12-06:editions/2021-12-06"
    content = parsed.entries[2].content[0].value  # as a reader shows it, sanitised
    assert "Moscow weighs the talks" in content
    for target in re.findall(r'(?:href|src)="([^"]+)"', content):
        assert target.startswith((BASE, "https://", "mailto:")), target
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ElementTree.parse(site / "site/editions/feed.xml").getroot().findall(f"{atom}entry")
    email = (site / "site/editions/2021-12-06/email.html").read_text(encoding="utf-8")
    body = email.split("<body", 1)[1].split(">", 1)[1].rsplit("</body>", 1)[0].strip()
    assert entries[2].find(f"{atom}content").text.strip() == body  # the whole email's body, as a newsletter service takes it


def test_the_editions_feed_keeps_its_id_when_editions_outgrow_feed_limit(tmp_path: Path) -> None:
    """A feed's id is dated by the first edition ever, not the oldest the feed shows."""
    root = tmp_path / "project"
    shutil.copytree(SITES / "editions", root)
    ids = []
    for limit in (10, 2):
        config = (SITES / "editions/config.yaml").read_text(encoding="utf-8")
        (root / "config.yaml").write_text(config + f"feed_limit: {limit}\n", encoding="utf-8")
        result = run_cli("build", cwd=root)
        assert result.code == 0, result.err
        feed = ElementTree.parse(root / "site/editions/feed.xml").getroot()
        assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == min(limit, 3)
        ids.append(feed.find("{http://www.w3.org/2005/Atom}id").text)
    assert ids == ["tag:brief.example.org,2021-12-06:editions/feed.xml"] * 2


def test_the_feed_content_is_the_emails_body_with_few_properties_a_sanitiser_drops(site: Path) -> None:
    """The entry's HTML is what a newsletter service puts into its message: the email's
    body. Feed readers' sanitisers (the W3C validator's list) keep all but a known few of
    its inline properties, which only the email needs."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vendor"))
    from feedvalidator.validators import checkStyle

    email = (site / "site/editions/2021-12-13/email.html").read_text(encoding="utf-8")
    feed = json.loads((site / "site/editions/feed.json").read_text(encoding="utf-8"))
    content = feed["items"][1]["content_html"]
    assert content.strip() == email.split("<body", 1)[1].split(">", 1)[1].rsplit("</body>", 1)[0].strip()
    assert "<html" not in content and "<head" not in content
    flagged = {bad for style in re.findall(r'style="([^"]*)"', content) for bad in checkStyle(style)}
    assert flagged <= {"max-width", "max-height", "overflow-wrap", "word-wrap", "mso-hide", "opacity"}, flagged


JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "pattern": "^https://"},
        "feed_url": {"type": "string", "pattern": "^https://"},
        "description": {"type": "string"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}, "minProperties": 1}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "pattern": "^https://"},
                    "title": {"type": "string"},
                    "content_html": {"type": "string"},
                    "summary": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
"""What JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) requires of a feed and its
items, and the types of the fields briefgen writes."""


def _json_feed(path: Path) -> dict:
    jsonschema = pytest.importorskip("jsonschema")
    feed = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(feed, JSON_FEED_SCHEMA, format_checker=jsonschema.FormatChecker())
    for item in feed["items"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["date_published"])  # RFC 3339
    assert len({item["id"] for item in feed["items"]}) == len(feed["items"])
    return feed


def test_the_json_feeds_are_json_feed_1_1(site: Path) -> None:
    editions = _json_feed(site / "site/editions/feed.json")
    assert editions["feed_url"] == BASE + "editions/feed.json" and editions["home_page_url"] == BASE + "editions/"
    assert [i["url"] for i in editions["items"]] == [BASE + f"editions/{k}/" for k in reversed(EDITIONS)]
    email = (site / "site/editions/2021-12-20/email.html").read_text(encoding="utf-8")
    assert editions["items"][0]["content_html"].strip() in email and "Talks resume" in editions["items"][0]["content_html"] and editions["items"][0]["summary"] == "Everything since the last edition, by thread."
    dispatches = _json_feed(site / "site/feed.json")
    assert dispatches["feed_url"] == BASE + "feed.json"
    assert dispatches["items"][0]["url"] == BASE + "dispatches/f1/" and dispatches["items"][0]["title"] == "New year statement"
    atom_ids = re.findall(r"<entry><id>([^<]+)</id>", (site / "site/feed.xml").read_text(encoding="utf-8"))
    assert [i["id"] for i in dispatches["items"]] == atom_ids  # one entry, one id, in either feed


def test_a_site_without_editions_has_no_edition_files_but_its_json_feed(make_site) -> None:
    from tests.conftest import dispatch

    root = make_site({"content/a.md": dispatch()})
    assert run_cli("build", cwd=root).code == 0
    assert (root / "site/feed.json").is_file() and not (root / "site/editions").exists()
    assert "/editions/" not in page(root, "/")


# ---------------------------------------------------------------- the editor's tools


def test_new_edition_lists_every_dispatch_since_the_last_and_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(SITES / "editions", root)
    (root / "editions/2021-12-20.md").unlink()
    result = run_cli("new", "--edition", "2021-12-19", cwd=root)
    assert result.code == 0, result.err
    assert result.out.strip() == "wrote editions/2021-12-19.md"
    text = (root / "editions/2021-12-19.md").read_text(encoding="utf-8")
    listed = re.findall(r"^  - ([a-z0-9-]+)  # (\S+) (.+)$", text, re.MULTILINE)
    assert listed == [("c3", "2021-12-18", "Pipeline paused")]  # after the edition of 13 December; not the draft of the 19th
    assert "after the edition of 2021-12-13" in text and "draft: true" in text
    assert run_cli("build", cwd=root).code == 0  # a draft: it never breaks the build
    again = run_cli("new", "--edition", "2021-12-19", cwd=root)
    assert again.code == 1 and "editions/2021-12-19.md: already exists; not overwritten" in again.err
    assert (root / "editions/2021-12-19.md").read_text(encoding="utf-8") == text


def test_a_new_edition_published_as_written_builds(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(SITES / "editions", root)
    assert run_cli("new", "--edition", "2022-01-07", "Into the new year", cwd=root).code == 0
    path = root / "editions/2022-01-07.md"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Into the new year"' in text
    assert re.findall(r"^  - ([a-z0-9-]+)", text, re.MULTILINE) == ["f1"]  # the draft edition of 6 January does not count
    path.write_text(text.replace("draft: true  # remove when ready to publish\n", ""), encoding="utf-8")
    assert run_cli("build", cwd=root).code == 0
    assert "Into the new year" in page(root, "/editions/2022-01-07/") and "New year statement" in page(root, "/editions/2022-01-07/")


def test_new_edition_needs_a_date_it_can_read_and_new_needs_something(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(SITES / "editions", root)
    bad = run_cli("new", "--edition", "31/12/2021", cwd=root)
    assert bad.code == 2 and "argument --edition: 31/12/2021: not a date; give it as YYYY-MM-DD" in bad.err
    assert run_cli("new", cwd=root).code == 2
