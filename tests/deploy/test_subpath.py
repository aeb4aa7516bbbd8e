"""A project site (https://user.github.io/repo/) served under /repo/ over HTTP, crawled whole.

The server answers only under /repo/, as GitHub Pages does for a project site, so a link
that forgets the prefix fails here even when a file of that name exists at the root.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import copy_example, run_cli
from tests.linkcheck import page_links, url_of

HOST = "user.github.io"
PREFIX = "/repo/"


class ProjectSiteHandler(SimpleHTTPRequestHandler):
    """Serves the built folder at /repo/ and nothing anywhere else."""

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / ".not-served")
        return super().translate_path("/" + path[len(PREFIX):])

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(output folder, server origin) for the example site built for https://user.github.io/repo/."""
    root = copy_example(tmp_path_factory.mktemp("project-site"))
    result = run_cli("build", "--base-url", f"https://{HOST}{PREFIX}", cwd=root)
    assert result.code == 0, result.err
    site = root / "site"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(ProjectSiteHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def fetch(origin: str, path: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of one path on the test server."""
    try:
        with urllib.request.urlopen(origin + path, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""


def links_in(path: str, kind: str, body: bytes) -> list[str]:
    """Every URL a served file points at: HTML attributes, feed and sitemap links, calendar URLs, JSON and CSS references."""
    text = body.decode("utf-8")
    if kind == "text/html" or path.endswith("/"):
        return page_links(text)
    if path.endswith((".xml", ".opml")):
        found = []
        for element in ET.fromstring(body).iter():
            found += [v for k, v in element.attrib.items() if k in ("href", "src", "xmlUrl", "htmlUrl")]
            if element.tag.endswith("}loc") and element.text:
                found.append(element.text.strip())
        return found
    if path.endswith(".ics"):
        unfolded = re.sub(r"\r?\n[ \t]", "", text)
        return re.findall(r"^URL[^:]*:(.+?)\r?$", unfolded, re.M)
    if path.endswith(".json"):
        return [s for s in _strings(json.loads(text)) if s.startswith(("/", "http://", "https://")) or s.endswith(".json")]
    if path.endswith(".css"):
        return re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
    return []


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def crawl(site: Path, origin: str) -> tuple[set[str], list[str]]:
    """Fetch every file of the site and everything it links to on the site's host: (paths fetched, broken links)."""
    queue = [url_of(site, f, PREFIX) for f in sorted(site.rglob("*")) if f.is_file() and not f.name.startswith(".")]
    seen, broken = set(queue), []
    while queue:
        path = queue.pop()
        status, kind, body = fetch(origin, path)
        if status != 200:
            broken.append(f"{path}: HTTP {status}")
            continue
        public = f"https://{HOST}{path}"
        for link in links_in(path, kind, body):
            target = urlsplit(urljoin(public, link))
            if target.scheme not in ("http", "https") or target.netloc != HOST:
                continue  # another site, mailto:, data: ...
            if not target.path.startswith(PREFIX):
                broken.append(f"{path} -> {link}: outside {PREFIX}")
            elif target.path not in seen:
                seen.add(target.path)
                queue.append(target.path)
    return seen, broken


def test_the_server_serves_only_under_the_prefix(served) -> None:
    site, origin = served
    assert (site / "index.html").is_file()
    assert fetch(origin, PREFIX)[0] == 200
    assert fetch(origin, "/index.html")[0] == 404
    assert fetch(origin, "/actors/")[0] == 404


def test_every_link_of_every_page_and_feed_resolves_under_the_prefix(served) -> None:
    site, origin = served
    fetched, broken = crawl(site, origin)
    assert broken == []
    home = fetch(origin, PREFIX)[2].decode("utf-8")
    stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', home) + re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', home)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', fetch(origin, f"{PREFIX}search/")[2].decode("utf-8"))
    assert stylesheets and scripts
    assert all(urlsplit(urljoin(f"https://{HOST}{PREFIX}", u)).path in fetched for u in stylesheets + scripts)
    assert f"{PREFIX}search-index.json" in fetched


def test_search_index_and_feeds_point_into_the_project_site(served) -> None:
    """The links the crawl followed from machine-read files are the site's own pages, under /repo/."""
    _, origin = served
    index = json.loads(fetch(origin, f"{PREFIX}search-index.json")[2])
    feed = fetch(origin, f"{PREFIX}feed.xml")[2]
    calendar = fetch(origin, f"{PREFIX}events.ics")[2]
    docs = json.loads(fetch(origin, f"{PREFIX}{index['dir']}docs-0.json")[2])
    targets = [d[0] for d in docs] + links_in("/feed.xml", "", feed) + links_in("/events.ics", "", calendar)
    dispatches = [t for t in targets if "/dispatches/" in t]
    assert len(dispatches) >= 3
    for target in dispatches:
        path = urlsplit(urljoin(f"https://{HOST}{PREFIX}", target)).path
        assert path.startswith(f"{PREFIX}dispatches/") and fetch(origin, path)[0] == 200, target
