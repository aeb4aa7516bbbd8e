"""The project site crawled where GitHub Pages puts it: under /brief/ of its host.

The site built with `--base-url https://example.github.io/brief/` is served over HTTP
from a folder that holds it as `brief/`. Every link, image, script and `<link>` of every
page, and every link in every feed, in the OPML, the sitemap, the calendar and robots.txt,
must be answered there; links leaving the site (a dispatch's source) are not followed. The
machine-readable files must give full URLs, since they are read away from the site.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.conftest import serve_folder
from tests.validators.conftest import BASE

HOST = urlsplit(BASE).netloc
ATOM = "{http://www.w3.org/2005/Atom}"


class Page(HTMLParser):
    """A page's outgoing references (href, src, data-index, a refresh's url) and its ids."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.ids: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v is not None}
        self.refs += [a[k] for k in ("href", "src", "data-index") if k in a]
        self.refs += [part.split()[0] for part in a.get("srcset", "").split(",") if part.strip()]
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.refs.append(a["content"].split("url=", 1)[1])
        if "id" in a:
            self.ids.add(a["id"])


@pytest.fixture(scope="module")
def origin(project_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server's origin; the site is at ORIGIN/brief/."""
    folder = tmp_path_factory.mktemp("pages")
    (folder / "brief").symlink_to(project_site, target_is_directory=True)
    with serve_folder(folder) as served:
        yield served


class Crawler:
    """Fetches each URL of the site once, over HTTP, and remembers pages' ids."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.answers: dict[str, int] = {}
        self.ids: dict[str, set[str]] = {}

    def local(self, url: str) -> str:
        return self.origin + urlsplit(url).path

    def status(self, url: str) -> int:
        if url not in self.answers:
            try:
                with urllib.request.urlopen(self.local(url), timeout=10) as response:
                    self.answers[url] = response.status
                    if response.headers.get_content_type() == "text/html":
                        self.ids[url] = Page(response.read().decode("utf-8")).ids
            except urllib.error.HTTPError as exc:
                self.answers[url] = exc.code
        return self.answers[url]

    def broken(self, source: str, ref: str) -> str | None:
        """Why a reference from `source` (a full URL on the site) fails, or None."""
        target, fragment = urldefrag(urljoin(source, ref))
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or parts.netloc != HOST:
            return None  # mailto:, or another site
        if not parts.path.startswith("/brief/"):
            return f"{source} -> {ref}: outside /brief/"
        if self.status(target) != 200:
            return f"{source} -> {ref}: HTTP {self.answers[target]}"
        if fragment and fragment not in self.ids.get(target, {fragment}):
            return f"{source} -> {ref}: no id {fragment!r} there"
        return None


def page_url(site: Path, file: Path) -> str:
    rel = file.relative_to(site).as_posix()
    return BASE + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def test_every_reference_of_every_page_resolves_under_brief(project_site: Path, origin: str) -> None:
    crawler = Crawler(origin)
    pages = sorted(project_site.rglob("*.html"))
    problems, seen = [], 0
    for file in pages:
        url = page_url(project_site, file)
        assert crawler.status(url) == 200, url
        for ref in Page(file.read_text(encoding="utf-8")).refs:
            seen += 1
            problems.append(crawler.broken(url, ref))
    problems = [p for p in problems if p]
    assert len(pages) > 100 and seen > 5000
    assert not problems, "\n".join(problems[:40])


def feed_links(file: Path) -> Iterator[str]:
    """Every URL an Atom feed gives: its and its entries' links, category schemes, and the
    links and images of each entry's HTML content."""
    root = ET.parse(file).getroot()
    for link in root.iter(f"{ATOM}link"):
        yield link.get("href")
    for category in root.iter(f"{ATOM}category"):
        if category.get("scheme"):
            yield category.get("scheme")
    for content in root.iter(f"{ATOM}content"):
        yield from Page(content.text or "").refs


def machine_links(site: Path) -> Iterator[tuple[str, str]]:
    """(file, URL) for every URL in the feeds, the OPML, the sitemap, the calendar and robots.txt."""
    for file in sorted(site.rglob("feed.xml")):
        for url in feed_links(file):
            yield file.relative_to(site).as_posix(), url
    for outline in ET.parse(site / "actors.opml").getroot().iter("outline"):
        yield "actors.opml", outline.get("xmlUrl")
        yield "actors.opml", outline.get("htmlUrl")
    for loc in ET.parse(site / "sitemap.xml").getroot().iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
        yield "sitemap.xml", loc.text
    calendar = (site / "events.ics").read_bytes().decode("utf-8").replace("\r\n ", "")  # unfolded
    for url in re.findall(r"^URL:(.*)$", calendar, re.M):
        yield "events.ics", url
    for url in re.findall(r"^Sitemap: (.*)$", (site / "robots.txt").read_text(encoding="utf-8"), re.M):
        yield "robots.txt", url


def test_every_link_in_the_feeds_is_a_full_url_that_resolves(project_site: Path, origin: str) -> None:
    crawler = Crawler(origin)
    links = list(machine_links(project_site))
    files = {file.split("/")[0] for file, _ in links}
    assert {"feed.xml", "actors", "topics", "threads", "regions", "actors.opml", "sitemap.xml", "events.ics", "robots.txt"} <= files
    problems = [f"{file}: {url}: not a full URL under {BASE}" for file, url in links
                if not urlsplit(url).scheme or (urlsplit(url).netloc == HOST and not url.startswith(BASE))]
    problems += [f"{file}: {why}" for file, url in links if (why := crawler.broken(BASE + file, url))]
    assert not problems, "\n".join(problems[:40])
    pictures = [url for file, url in links if url.endswith("/map.png")]
    assert pictures and all(crawler.status(url) == 200 for url in pictures), "the enclosure of a picture beside its dispatch"


def test_the_crawler_catches_what_a_project_site_gets_wrong(origin: str) -> None:
    """A root-relative link that forgets the base path, a missing page, a missing anchor."""
    crawler = Crawler(origin)
    assert "outside /brief/" in crawler.broken(BASE, "/actors/")
    assert "HTTP 404" in crawler.broken(BASE, "actors/nobody/")
    assert "no id" in crawler.broken(BASE, "actors/#nowhere")
    assert crawler.broken(BASE, "actors/#main") is None and crawler.broken(BASE, "https://tass.com/") is None
