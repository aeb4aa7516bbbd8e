"""The files of editions and the feeds newsletter services read: each edition's
`email.html` and `email.txt`, `/editions/feed.xml` (Atom) and `/editions/feed.json`
(JSON Feed 1.1), and the site's own `/feed.json` beside `/feed.xml`.

All are file jobs (see `feeds.FileJob`): they read the site through the recorder, so a
rebuild makes again exactly those whose edition, dispatches or templates changed. An
email is made once per build and shared by its files and both feeds.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable


from briefgen import editions, mail
from briefgen.config import Config
from briefgen.feeds import EPOCH, FileJob, absolute_links, atom_head, entry_id, modified_of, moment_of, noon, stamp, tag_uri, xml_attr, xml_text
from briefgen.model import Dispatch, Site
from briefgen.urls import Urls

JSON_FEED = "https://jsonfeed.org/version/1.1"


def jobs(config: Config, urls: Urls, site: Site, env: Any, render: Callable[[Any], bytes]) -> list[FileJob]:
    """The site's JSON feed, and when it has editions, their emails and feeds. `site` says
    which there are; each job reads the site as `env` hands it out (recorded); `render`
    renders a page spec with `env`."""
    seen = env.globals["site"]
    derived = env.recorder.derived
    out = [FileJob("feed_json", (), lambda: [(urls.path("feed_json"), site_json(config, urls, seen))])]
    if not site.editions:
        return out

    def email(key: str) -> bytes:
        return derived(("email", key), lambda: mail.email_html(render, config, urls, seen.edition_by_key[key], env.get_template("email.html").filename))

    def content(key: str) -> bytes:
        """What a feed entry carries: the email's body, which a newsletter service puts
        into its own message (a whole document inside another is not HTML)."""
        return mail.body_of(email(key))

    for e in site.editions:
        def make(key: str = e.key) -> list[tuple[str, bytes]]:
            html = email(key)
            text = mail.email_text(html, config.catalogue.text("edition.links"))
            return [(urls.path("edition_email", key), html), (urls.path("edition_text", key), text)]

        out.append(FileJob(urls.path("edition_email", e.key), (e.key,), make))
    keys = tuple(e.key for e in site.editions[: config.feed_limit])
    first = site.editions[-1].date  # the feed's id, which never changes, is dated by the first edition ever
    titles = lambda: Titles(config, seen)  # noqa: E731
    out.append(FileJob("editions_feed", (keys, first), lambda: [(urls.path("editions_feed"), editions_atom(config, urls, seen, keys, content, titles(), first))]))
    out.append(FileJob("editions_json", keys, lambda: [(urls.path("editions_json"), editions_json(config, urls, seen, keys, content, titles()))]))
    return out


class Titles:
    """The editions feed's title and each entry's (`editions.title`), in the site's language."""

    def __init__(self, config: Config, site: Any) -> None:
        catalogue = config.catalogue
        self.feed = catalogue.text("feed.title", site=config.title, name=catalogue.text("section.editions"))
        self._catalogue, self._site = catalogue, site

    def __call__(self, key: str) -> str:
        return editions.title(self._site.edition_by_key[key], self._catalogue)


def editions_atom(
    config: Config, urls: Urls, site: Any, keys: tuple[str, ...], email: Callable[[str], bytes], title: Titles, since: dt.date = EPOCH,
) -> bytes:
    """One entry per edition, newest first, its email (`email(key)`, the body) as the
    content; `since`, the day of the first edition ever, dates the feed's id."""
    updated = noon(site.edition_by_key[keys[0]].date) if keys else noon(EPOCH)
    out = [atom_head(config, urls, title.feed, urls.path("editions_feed"), urls.path("editions"), since, updated)]
    for key in keys:
        e = site.edition_by_key[key]
        out.append(
            f"<entry><id>{tag_uri(config, e.date, 'editions/' + key)}</id><title>{xml_text(title(key))}</title>"
            f"<updated>{stamp(noon(e.date))}</updated><published>{stamp(noon(e.date))}</published>"
            f'<link rel="alternate" type="text/html" href={xml_attr(urls.absolute("edition", key))}/>'
            f"<summary>{xml_text(e.lede_text)}</summary>"
            f'<content type="html">{xml_text(email(key).decode("utf-8"))}</content></entry>'
        )
    out.append("</feed>\n")
    return "\n".join(out).encode("utf-8")


def editions_json(config: Config, urls: Urls, site: Any, keys: tuple[str, ...], email: Callable[[str], bytes], title: Titles) -> bytes:
    """JSON Feed 1.1 of the editions, newest first, each its email (the body) as `content_html`."""
    items = []
    for key in keys:
        e = site.edition_by_key[key]
        item = {
            "id": tag_uri(config, e.date, "editions/" + key), "url": urls.absolute("edition", key), "title": title(key),
            "content_html": email(key).decode("utf-8"), "date_published": stamp(noon(e.date)),
        }
        if e.lede_text:
            item["summary"] = e.lede_text
        items.append(item)
    return _feed(config, urls, title.feed, "editions", "editions_json", items)


def site_json(config: Config, urls: Urls, site: Any) -> bytes:
    """JSON Feed 1.1 of the newest `feed_limit` dispatches, as `/feed.xml` has them."""
    return _feed(config, urls, config.title, "home", "feed_json", [_item(config, urls, site, d) for d in site.dispatches[: config.feed_limit]])


def _item(config: Config, urls: Urls, site: Any, d: Dispatch) -> dict[str, Any]:
    page = urls.absolute("dispatch", d.slug)
    item: dict[str, Any] = {
        "id": entry_id(config, d), "url": page, "title": d.title,
        "content_html": absolute_links(d.body_html, page),
        "date_published": stamp(moment_of(d, config.tz)), "date_modified": stamp(modified_of(d, config.tz)),
    }
    if d.summary:
        item["summary"] = d.summary
    tags = [t.name for t in d.topics] + [site.actors[a].name for a in d.actors]
    if tags:
        item["tags"] = tags
    return item


def _feed(config: Config, urls: Urls, title: str, page: str, kind: str, items: list[dict[str, Any]]) -> bytes:
    feed: dict[str, Any] = {
        "version": JSON_FEED, "title": title, "home_page_url": urls.absolute(page), "feed_url": urls.absolute(kind),
        "language": config.language, "authors": [{"name": config.title}], "items": items,
    }
    if config.description:
        feed["description"] = config.description
    # compact: the C encoder, which leaves no reference cycles (one with an indent does)
    return (json.dumps(feed, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
