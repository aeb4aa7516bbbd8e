"""The one owner of URLs and output paths; every link honours base_url.

`path(kind, key, page)` is SPEC's URL table as data: links, feeds, the sitemap and the
writer all ask here, so a page is never linked at one address and written at another.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from urllib.parse import quote

from briefgen.config import Config

PATHS = {
    "home": "",
    "dispatch": "dispatches/{key}/",
    "actors": "actors/",
    "actor": "actors/{key}/",
    "actor_feed": "actors/{key}/feed.xml",
    "dates": "dates/",
    "date": "dates/{key}/",
    "topics": "topics/",
    "topic": "topics/{key}/",
    "topic_feed": "topics/{key}/feed.xml",
    "threads": "threads/",
    "thread": "threads/{key}/",
    "thread_feed": "threads/{key}/feed.xml",
    "sources": "sources/",
    "source": "sources/{key}/",
    "taxonomy": "{key}/",
    "term": "{key}/",
    "term_feed": "{key}/feed.xml",
    "events": "events/",
    "events_ics": "events.ics",
    "feed": "feed.xml",
    "feed_json": "feed.json",
    "editions": "editions/",
    "edition": "editions/{key}/",
    "edition_email": "editions/{key}/email.html",
    "edition_text": "editions/{key}/email.txt",
    "editions_feed": "editions/feed.xml",
    "editions_json": "editions/feed.json",
    "search": "search/",
    "search_index": "search-index.json",
    "sitemap": "sitemap.xml",
    "robots": "robots.txt",
    "not_found": "404.html",
    "data_actors": "data/actors.json",
    "data_graph": "data/graph.json",
    "opml": "actors.opml",
    "asset": "assets/{key}",
}


PAGED = "page"
"""The URL segment of a listing's further pages (`/page/2/`)."""


def taken_segments() -> frozenset[str]:
    """First URL segments the site uses whatever its content: a taxonomy (whose pages are
    `/KEY/` and `/KEY/TERM/`) may not take one, nor the folder of the search index's parts."""
    fixed = {template.split("/", 1)[0] for template in PATHS.values() if template and not template.startswith("{")}
    return frozenset(fixed | {PATHS["search_index"].rsplit(".", 1)[0], PAGED})


UNQUOTED = frozenset(string.ascii_letters + string.digits + "_.-~/")
"""The characters `quote(key, safe="/")` leaves as they are, all a slug or a date key has."""


def quoted(key: str) -> str:
    """`quote(key, safe="/")`, found unchanged without encoding it first when every
    character is one quoting keeps (a site of 10,000 dispatches makes 30,000 paths
    before any other work can start)."""
    return key if UNQUOTED.issuperset(key) else quote(key, safe="/")


@dataclass(frozen=True, slots=True)
class Urls:
    """URL building for one site configuration."""

    base_path: str
    absolute_base: str | None

    @classmethod
    def of(cls, config: Config) -> "Urls":
        return cls(config.base_path, config.absolute_base)

    def path(self, kind: str, key: str | None = None, page: int = 1) -> str:
        """Site-relative path of a page (no leading slash); `page` > 1 adds /page/N/."""
        template = PATHS[kind]
        path = template.format(key=quoted(key)) if "{key}" in template else template
        if page > 1:
            path += f"{PAGED}/{page}/"
        return path

    def href(self, kind: str, key: str | None = None, page: int = 1) -> str:
        """The link to a page, under base_url's path."""
        return self.base_path + self.path(kind, key, page)

    def absolute(self, kind: str, key: str | None = None, page: int = 1) -> str:
        """A full URL when base_url names a host, else the same as `href`."""
        return (self.absolute_base or self.base_path) + self.path(kind, key, page)

    def absolute_base_or_path(self, path: str) -> str:
        """A site-relative path as a full URL where base_url allows, else as a link."""
        return (self.absolute_base or self.base_path) + path

    def picture(self, image: str, slug: str) -> str:
        """A dispatch's `image` as written, as a full URL where base_url names a host (else
        as a link): one beside the dispatch is copied into its folder, one from the root is
        the site's, an http(s) one stays as it is."""
        if image.startswith(("http://", "https://")):
            return image
        return self.absolute_base_or_path(image[1:] if image.startswith("/") else self.path("dispatch", slug) + image)

    @staticmethod
    def output(path: str) -> str:
        """The file a site-relative path is written to: folders get index.html."""
        return path + "index.html" if path == "" or path.endswith("/") else path
