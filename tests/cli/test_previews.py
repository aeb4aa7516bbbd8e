"""What a shared link and a search engine see of each page: its own title and description,
canonical URL, Open Graph and Twitter tags, and schema.org JSON-LD."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import dispatch, page, run_cli

HOST = "https://brief.example.org/brief/"


class Head(HTMLParser):
    """The head of a page: its title, meta tags (name or property → contents), links by
    rel, and the JSON-LD blocks."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.title, self.meta, self.links, self.data = "", {}, {}, []
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "meta" and ("name" in a or "property" in a):
            self.meta.setdefault(a.get("name") or a["property"], []).append(a["content"])
        elif tag == "link":
            self.links[a["rel"]] = a["href"]
        elif tag == "title" or (tag == "script" and a.get("type") == "application/ld+json"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.data.append(json.loads(data))

    def one(self, key: str) -> str:
        (value,) = self.meta[key]
        return value


def built(copy_site, *args: str) -> Path:
    root = copy_site("mini")
    result = run_cli("build", *args, cwd=root)
    assert result.code == 0, result.err
    return root


def head(root: Path, url: str) -> Head:
    text = page(root, url)
    return Head(text[: text.index("</head>")])


def test_a_dispatch_page_previews_as_an_article(copy_site) -> None:
    h = head(built(copy_site, "--base-url", HOST), "/dispatches/nrc-proposal/")
    here = HOST + "dispatches/nrc-proposal/"
    summary = "Stoltenberg proposes convening the council on 12 January; Moscow says it is considering."
    assert h.one("description") == h.one("og:description") == h.one("twitter:description") == summary
    assert h.links["canonical"] == h.one("og:url") == here
    assert (h.one("og:type"), h.one("og:site_name"), h.one("twitter:card")) == ("article", "Mini Brief", "summary")
    assert h.one("og:title") == "NATO proposes NATO-Russia Council session for 12 January"
    assert h.one("article:published_time") == h.one("article:modified_time") == "2021-12-26"
    assert h.one("article:section") == "european security"
    assert h.meta["article:tag"] == ["NATO", "Jens Stoltenberg", "Russia", "Мария Захарова"]
    (data,) = h.data
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "NATO proposes NATO-Russia Council session for 12 January"
    assert (data["datePublished"], data["dateModified"], data["url"]) == ("2021-12-26", "2021-12-26", here)
    assert data["about"] == [
        {"@type": "Organization", "name": "NATO", "url": HOST + "actors/nato/"},
        {"@type": "Person", "name": "Jens Stoltenberg", "url": HOST + "actors/jens-stoltenberg/"},
    ]
    assert [(m["@type"], m["name"]) for m in data["mentions"]] == [("Country", "Russia"), ("Thing", "Мария Захарова")]
    assert data["isBasedOn"] == {"@type": "CreativeWork", "name": "TASS", "url": "https://tass.com/"}
    assert data["locationCreated"] == {"@type": "Place", "name": "Brussels"}
    assert data["isPartOf"] == {"@type": "CreativeWorkSeries", "name": "NATO Russia talks", "url": HOST + "threads/nato-russia-talks/"}


def test_a_timed_dispatch_gives_its_time_with_its_offset(copy_site) -> None:
    h = head(built(copy_site, "--base-url", HOST), "/dispatches/nrc-meets/")
    assert h.one("article:published_time") == "2022-01-12T18:30:00+01:00"
    assert h.data[0]["datePublished"] == "2022-01-12T18:30:00+01:00"


def test_an_image_makes_a_large_card(copy_site) -> None:
    root = copy_site("mini")
    osce = root / "content/osce.md"
    osce.write_text(osce.read_text(encoding="utf-8").replace("actors: [Russia]", "actors: [Russia]\nimage: /images/vienna.jpg"), encoding="utf-8")
    (root / "static/images").mkdir(parents=True)
    (root / "static/images/vienna.jpg").write_bytes(b"\xff\xd8 a picture")
    assert run_cli("build", "--base-url", HOST, cwd=root).code == 0
    h = head(root, "/dispatches/osce/")
    assert h.one("og:image") == h.one("twitter:image") == h.data[0]["image"] == HOST + "images/vienna.jpg"
    assert h.one("twitter:card") == "summary_large_image"
    feed = (root / "site/feed.xml").read_text(encoding="utf-8")
    assert f'<link rel="enclosure" type="image/jpeg" href="{HOST}images/vienna.jpg"/>' in feed


def test_an_image_beside_the_dispatch_is_its_card(copy_site) -> None:
    root = copy_site("mini")
    osce = root / "content/osce.md"
    osce.write_text(osce.read_text(encoding="utf-8").replace("actors: [Russia]", "actors: [Russia]\nimage: hall.png"), encoding="utf-8")
    (root / "content/hall.png").write_bytes(b"\x89PNG a picture")
    assert run_cli("build", "--base-url", HOST, cwd=root).code == 0
    h = head(root, "/dispatches/osce/")
    assert h.one("og:image") == h.data[0]["image"] == HOST + "dispatches/osce/hall.png"
    assert (root / "site/dispatches/osce/hall.png").read_bytes() == b"\x89PNG a picture"


def test_a_revision_is_the_modified_time_everywhere(copy_site) -> None:
    root = copy_site("mini")
    osce = root / "content/osce.md"
    osce.write_text(osce.read_text(encoding="utf-8").replace("actors: [Russia]", "actors: [Russia]\ncorrections: [{date: 2022-02-01, text: A date.}]"), encoding="utf-8")
    assert run_cli("build", "--base-url", HOST, cwd=root).code == 0
    h = head(root, "/dispatches/osce/")
    assert h.one("article:modified_time") == h.data[0]["dateModified"] == "2022-02-01"
    assert h.one("article:published_time") != "2022-02-01"
    feed = (root / "site/feed.xml").read_text(encoding="utf-8")
    entry = next(e for e in feed.split("<entry>") if "dispatches/osce/" in e)
    assert "<updated>2022-02-01T12:00:00Z</updated>" in entry and "<published>2022-02-01" not in entry
    sitemap = (root / "site/sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{HOST}dispatches/osce/</loc><lastmod>2022-02-01</lastmod>" in sitemap


def test_actor_pages_and_the_home_page_say_what_they_are(copy_site) -> None:
    root = built(copy_site, "--base-url", HOST)
    person = head(root, "/actors/jens-stoltenberg/")
    assert person.one("description") == "Secretary General of NATO, 2014–2024."
    assert person.data == [{
        "@context": "https://schema.org", "@type": "Person", "name": "Jens Stoltenberg",
        "alternateName": ["Stoltenberg", "NATO Secretary General"], "description": "Secretary General of NATO, 2014–2024.",
        "url": HOST + "actors/jens-stoltenberg/", "memberOf": [{"@type": "Organization", "name": "NATO", "url": HOST + "actors/nato/"}],
    }]
    state = head(root, "/actors/russia/")
    assert state.one("description") == "Russia in 4 dispatches of Mini Brief."
    assert state.data[0]["@type"] == "Country" and state.one("og:type") == "website"
    home = head(root, "/")
    assert home.data == [{"@context": "https://schema.org", "@type": "WebSite", "name": "Mini Brief", "description": "A small fixture briefing", "inLanguage": "en", "url": HOST}]
    assert home.links["canonical"] == HOST


def test_every_page_has_a_title_and_a_description_of_its_own(copy_site) -> None:
    root = built(copy_site, "--base-url", HOST)
    urls = ["/", "/page/2/", "/actors/", "/actors/russia/", "/actors/russia/page/2/", "/actors/nato/", "/sources/nato/",
            "/topics/", "/topics/european-security/", "/topics/european-security/page/2/", "/threads/nato-russia-talks/",
            "/dates/", "/dates/2021/12/", "/dates/2021/12/26/", "/events/", "/search/", "/dispatches/osce/"]
    heads = {url: head(root, url) for url in urls}
    titles = [h.title for h in heads.values()]
    descriptions = [h.one("description") for h in heads.values()]
    assert len(set(titles)) == len(titles), titles
    assert len(set(descriptions)) == len(descriptions), descriptions
    assert heads["/page/2/"].title == "Page 2 · Mini Brief"
    assert heads["/actors/russia/page/2/"].title == "Russia, page 2 · Mini Brief"
    assert (heads["/actors/nato/"].title, heads["/sources/nato/"].title) == ("NATO · Mini Brief", "Source: NATO · Mini Brief")
    assert heads["/topics/european-security/page/2/"].one("description").endswith("Page 2 of 2.")
    for url, h in heads.items():
        assert h.links["canonical"] == HOST + url.lstrip("/"), url


def test_without_a_host_no_canonical_or_open_graph_tags(copy_site) -> None:
    root = built(copy_site)
    h = head(root, "/dispatches/nrc-proposal/")
    assert "canonical" not in h.links
    assert not [k for k in h.meta if k.startswith(("og:", "article:", "twitter:"))]
    assert h.one("description").startswith("Stoltenberg proposes")
    assert "url" not in h.data[0] and "url" not in h.data[0]["about"][0]


def test_json_ld_is_safe_against_a_closing_script_tag(make_site) -> None:
    root = make_site({
        "config.yaml": f"title: T\nbase_url: {HOST}\n",
        "content/a.md": dispatch(title="Ends </script><script>alert(1)</script>", summary='"</script> & more"'),
    })
    assert run_cli("build", cwd=root).code == 0
    text = page(root, "/dispatches/a/")
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1)
    data = json.loads(script)
    assert data["headline"] == "Ends </script><script>alert(1)</script>" and data["description"] == "</script> & more"
    assert "<script>alert" not in text
