"""Stage 4b: the machine-readable files — Atom, iCalendar, sitemap, search index, data.

Each is a pure function of the site and its URLs, producing bytes; formats are
written directly (they are small and strict) rather than through HTML templates.
`jobs` offers them as units of work that say what they are made from, so a rebuild
reuses the files whose inputs did not change and the rest are made beside the pages.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import mimetypes
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urljoin

from briefgen import search
from briefgen.config import Config
from briefgen.model import Dispatch, Event, Facet, Site, facet_of
from briefgen.urls import Urls


def xml_text(value: str) -> str:
    """XML character data. (`html`'s escape: `xml.sax.saxutils` imports urllib.request,
    http.client and ssl with it, a tenth of the time briefgen takes to start.)"""
    return html.escape(value, quote=False)


def xml_attr(value: str) -> str:
    """An XML attribute value, in double quotes."""
    return f'"{html.escape(value)}"'


def stamp(moment: dt.datetime) -> str:
    """An instant as RFC 3339 in UTC, as Atom and JSON Feed give them."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


EPOCH = dt.date(2000, 1, 1)
"""The date of a feed with no dispatches, wherever one is needed."""


def dated_by_day(d: Dispatch, tz: dt.tzinfo) -> bool:
    """Whether a dispatch gives its day alone (`date: 2021-12-26`, or midnight of that day
    in the site's time zone): it has a day, not an instant."""
    return d.moment == dt.datetime.combine(d.date, dt.time(), tz)


def noon(day: dt.date) -> dt.datetime:
    """The instant feeds give a day alone: noon UTC, which a reader anywhere from UTC-11
    to UTC+11 shows as that calendar day (its midnight in Brussels is the day before in
    UTC and all of the Americas)."""
    return dt.datetime.combine(day, dt.time(12), dt.timezone.utc)


def moment_of(d: Dispatch, tz: dt.tzinfo) -> dt.datetime:
    """The instant feeds give a dispatch: its own, or `noon` of its day when it gives
    only the day."""
    return noon(d.date) if dated_by_day(d, tz) else d.moment


def modified_of(d: Dispatch, tz: dt.tzinfo) -> dt.datetime:
    """The instant feeds give a dispatch's last change (`Dispatch.modified`): as
    `moment_of` gives it until it is revised or corrected; then a day alone (a
    correction's, or a date-only `updated`) at noon UTC, for the same reason."""
    changed = d.modified()
    if changed == d.moment:
        return moment_of(d, tz)
    local = changed.astimezone(tz)
    return noon(local.date()) if local.time() == dt.time() else changed


def tag_uri(config: Config, date: dt.date, specific: str) -> str:
    """An RFC 4151 id, `tag:AUTHORITY,DATE:SPECIFIC`: nothing in it comes from base_url's
    path or the site's title, and its host only until `id_authority` is set."""
    return f"tag:{config.tag_authority},{date.isoformat()}:{specific}"


def entry_id(config: Config, d: Dispatch) -> str:
    """A dispatch's Atom id, from its day and its first slug (the first of `former_slugs`,
    if it was renamed): a feed reader keeps it as read when the site moves or is renamed."""
    return tag_uri(config, d.date, d.former_slugs[0] if d.former_slugs else d.slug)


def atom(
    config: Config, urls: Urls, site: Site, title: str, self_path: str, page_path: str, slugs: Sequence[str],
    entry: Callable[[Dispatch], bytes], since: dt.date = EPOCH,
) -> bytes:
    """An RFC 4287 feed of the newest `feed_limit` dispatches among slugs, each shown by
    `entry` (see `entries`); `since` is the day of the oldest dispatch the feed's page lists,
    the date in the feed's id."""
    shown = [site.by_slug[s] for s in slugs][: config.feed_limit]
    updated = max((modified_of(d, config.tz) for d in shown), default=dt.datetime.combine(EPOCH, dt.time(), dt.timezone.utc))
    head = atom_head(config, urls, title, self_path, page_path, since, updated).encode("utf-8")
    return b"\n".join([head, *(entry(d) for d in shown), b"</feed>\n"])


def atom_head(config: Config, urls: Urls, title: str, self_path: str, page_path: str, since: dt.date, updated: dt.datetime) -> str:
    """An Atom feed's opening, up to its first entry: its id (dated `since`), title, links
    to itself and its page, author and subtitle."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={xml_attr(config.language)}>',
        f"<id>{tag_uri(config, since, self_path)}</id>",
        f"<title>{xml_text(title)}</title>",
        f"<updated>{stamp(updated)}</updated>",
        f'<link rel="self" type="application/atom+xml" href={xml_attr(urls.absolute_base_or_path(self_path))}/>',
        f'<link rel="alternate" type="text/html" href={xml_attr(urls.absolute_base_or_path(page_path))}/>',
        f"<author><name>{xml_text(config.title)}</name></author>",
        '<generator uri="https://pypi.org/project/briefgen/">briefgen</generator>',
    ]
    if config.description:
        out.append(f"<subtitle>{xml_text(config.description)}</subtitle>")
    return "\n".join(out)


def entries(config: Config, urls: Urls, site: Site, derived: Callable[[Any, Callable[[], bytes]], bytes]) -> Callable[[Dispatch], bytes]:
    """A dispatch's Atom entry, made and encoded once per build and process (`derived`
    notes what it read on every feed showing it): the feeds of a 10,000-dispatch site
    hold 17,000 entries of 7,500 dispatches, each with its whole body."""
    taxonomies = site.taxonomies

    def entry(d: Dispatch) -> bytes:
        return derived(("entry", d.slug), lambda: _entry(config, urls, site, d, taxonomies).encode("utf-8"))

    return entry


LINKED = re.compile(r'(\b(?:href|src)=")([^"]*)"')
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")


def absolute_links(body_html: str, page: str) -> str:
    """A dispatch's HTML with every link and image resolved against its page's URL: a
    feed reader shows an entry away from the page, where `#fn1` or `/actors/nato/` would
    lead nowhere (or to the reader's own site)."""

    def resolved(match: re.Match[str]) -> str:
        value = match.group(2)
        if SCHEME.match(value):
            return match.group(0)
        return f'{match.group(1)}{html.escape(urljoin(page, html.unescape(value)))}"'

    return LINKED.sub(resolved, body_html)


def _entry(config: Config, urls: Urls, site: Site, d: Dispatch, taxonomies: Sequence[Facet] = ()) -> str:
    path = urls.path("dispatch", d.slug)
    page = urls.absolute_base_or_path(path)
    published, changed = stamp(moment_of(d, config.tz)), stamp(modified_of(d, config.tz))
    cats = "".join(f"<category term={xml_attr(t.name)}/>" for t in d.topics)
    scheme = xml_attr(urls.absolute("actors"))
    names = "".join(f"<category term={xml_attr(site.actors[a].name)} scheme={scheme}/>" for a in d.actors)
    names += "".join(
        f"<category term={xml_attr(t.name)} scheme={xml_attr(urls.absolute('taxonomy', f.ref()))}/>"
        for f in taxonomies for t in d.labels(f.field)
    )
    picture = ""
    if d.image is not None:
        where = urls.picture(d.image, d.slug)
        picture = f'<link rel="enclosure" type={xml_attr(mimetypes.guess_type(d.image)[0] or "image/*")} href={xml_attr(where)}/>'
    return (
        f"<entry><id>{entry_id(config, d)}</id><title>{xml_text(d.title)}</title>"
        f"<updated>{changed}</updated><published>{published}</published>"
        f'<link rel="alternate" type="text/html" href={xml_attr(page)}/>{picture}'
        f"{cats}{names}<summary>{xml_text(d.summary)}</summary>"
        f'<content type="html">{xml_text(absolute_links(d.body_html, page))}</content></entry>'
    )


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines longer than 75 octets continue on lines starting with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts)


def icalendar(config: Config, urls: Urls, site: Site) -> bytes:
    """Every dated event as an all-day VEVENT with a stable UID. An event two dispatches
    declare (the same date and title) is one VEVENT, as a calendar holds it: its UID comes
    from the date and title alone, its URL is the first dispatch's (the earliest), and its
    description names each dispatch that reports it."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//briefgen//briefgen//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_ics_text(config.title)}"]
    declared: dict[tuple[dt.date, str], list[Event]] = {}
    for e in site.events:
        declared.setdefault((e.date, e.title), []).append(e)
    for same in declared.values():
        e = same[0]
        reporting = sorted((site.by_slug[slug] for slug in dict.fromkeys(x.dispatch for x in same)), key=lambda d: (d.moment, d.slug))
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}@briefgen",
            f"DTSTAMP:{stamp(max(d.moment for d in reporting)).replace('-', '').replace(':', '')}",
            f"DTSTART;VALUE=DATE:{e.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{e.date + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(e.title)}",
            f"DESCRIPTION:{_ics_text(config.catalogue.text('ics.reported_in', dispatches=_reported_in(urls, reporting)))}",
        ]
        if config.absolute_base:
            lines.append(f"URL:{urls.absolute('dispatch', reporting[0].slug)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def _reported_in(urls: Urls, reporting: Sequence[Dispatch]) -> str:
    """The dispatches reporting an event, by title; where there are several, each with its
    address too when base_url names a host, since the event's URL can hold only one."""
    if len(reporting) == 1 or not urls.absolute_base:
        return "; ".join(d.title for d in reporting)
    return "; ".join(f"{d.title} ({urls.absolute('dispatch', d.slug)})" for d in reporting)


def sitemap(urls: Urls, site: Site, html_paths: Iterable[str]) -> bytes:
    """Every HTML page except redirects and the 404 page."""
    skip = {urls.path("not_found")} | {urls.path(r.kind, r.old) for r in site.redirects}
    modified = {urls.path("dispatch", d.slug): d.modified().date().isoformat() for d in site.dispatches}
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in html_paths:
        if path in skip:
            continue
        lastmod = f"<lastmod>{modified[path]}</lastmod>" if path in modified else ""
        out.append(f"<url><loc>{xml_text(urls.absolute_base_or_path(path))}</loc>{lastmod}</url>")
    out.append("</urlset>\n")
    return "\n".join(out).encode("utf-8")


def robots(urls: Urls) -> bytes:
    """Every crawler may read everything; the sitemap is named by its full URL, which the
    robots.txt format requires (so it is left out when base_url has no host)."""
    lines = ["User-agent: *", "Disallow:"]
    if urls.absolute_base:
        lines += ["", f"Sitemap: {urls.absolute('sitemap')}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")


def actors_json(urls: Urls, site: Site) -> bytes:
    rows = []
    for a in site.actors.values():
        s = site.actor_stats[a.id]
        rows.append({
            "id": a.id, "name": a.name, "kind": a.kind, "aliases": list(a.aliases),
            "affiliations": list(a.affiliations), "members": list(s.members), "implicit": a.implicit,
            "count": len(s.dispatches), "first": s.first.isoformat() if s.first else None,
            "last": s.last.isoformat() if s.last else None, "url": urls.absolute("actor", a.id),
        })
    return _json({"actors": rows})


def graph_json(site: Site) -> bytes:
    """Actors as nodes; co-appearances (weighted) and affiliations as typed edges."""
    pairs: Counter[tuple[str, str]] = Counter()
    for d in site.dispatches:
        pairs.update(combinations(sorted(d.actors), 2))
    nodes = [{"id": a.id, "name": a.name, "kind": a.kind, "count": len(site.actor_stats[a.id].dispatches)} for a in site.actors.values()]
    edges = [{"source": a, "target": b, "type": "co-appearance", "weight": n} for (a, b), n in sorted(pairs.items())]
    edges += [{"source": a.id, "target": other, "type": "affiliation"} for a in site.actors.values() for other in a.affiliations]
    return _json({"nodes": nodes, "edges": edges})


def opml(config: Config, urls: Urls, site: Site) -> bytes:
    """Every actor feed, for a one-step import into a feed reader."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<opml version="2.0">', f"<head><title>{xml_text(config.catalogue.text('opml.title', site=config.title))}</title></head>", "<body>"]
    for a in site.actors.values():
        if site.actor_stats[a.id].dispatches:
            out.append(
                f'<outline type="rss" text={xml_attr(a.name)} title={xml_attr(a.name)} '
                f'xmlUrl={xml_attr(urls.absolute("actor_feed", a.id))} htmlUrl={xml_attr(urls.absolute("actor", a.id))}/>'
            )
    out += ["</body>", "</opml>\n"]
    return "\n".join(out).encode("utf-8")


@dataclass(frozen=True, slots=True)
class FileJob:
    """Files made together: a name, what decides them beyond what they read of the site
    (their `view`: which dispatches a feed shows, which pages the sitemap lists), and how
    to make them. Like a page, a job reads the site through `reads.ReadSite`, and is made
    again when its view or anything it read changes."""

    name: str
    view: object
    make: Callable[[], list[tuple[str, bytes]]]


def jobs(
    config: Config, urls: Urls, site: Site, seen: Site, html_paths: Sequence[str],
    derived: Callable[[Any, Callable[[], Any]], Any], terms: dict | None = None, terms_store: Path | None = None,
) -> list[FileJob]:
    """Every non-HTML output file, as jobs: which there are comes from `site`; each job
    reads `seen` (the site with its reads noted). `derived` makes a value shared by
    several jobs once; `terms` (a session's) and `terms_store` (a file of the cache)
    remember search terms between builds."""
    feeds = [(config.title, "feed", None, "home", [d.slug for d in site.dispatches])]
    for actor_id, stats in site.actor_stats.items():
        if stats.dispatches:
            feeds.append((config.catalogue.text("feed.title", site=config.title, name=site.actors[actor_id].name), "actor_feed", actor_id, "actor", stats.dispatches))
    for facet in map(facet_of, site.facets):
        for g in site.facets[facet.key].values() if facet.feed_kind else ():
            newest = sorted(g.dispatches, key=lambda s: (site.by_slug[s].moment, s), reverse=True)
            feeds.append((config.catalogue.text("feed.title", site=config.title, name=g.name), facet.feed_kind, facet.ref(g.key), facet.kind, newest))
    entry = entries(config, urls, seen, derived)
    out = [
        _feed_job(config, urls, seen, entry, title, kind, key, page, tuple(slugs[: config.feed_limit]), _since(site, slugs))
        for title, kind, key, page, slugs in feeds
    ]
    single: dict[str, tuple[Callable[[], bytes], object]] = {
        "events_ics": (lambda: icalendar(config, urls, seen), ()),
        "sitemap": (lambda: sitemap(urls, seen, html_paths), tuple(html_paths)),
        "data_actors": (lambda: actors_json(urls, seen), ()),
        "data_graph": (lambda: graph_json(seen), ()),
        "opml": (lambda: opml(config, urls, seen), ()),
    }
    if not (config.static_dir / urls.path("robots")).is_file():  # static/robots.txt is the site's own
        single["robots"] = (lambda: robots(urls), ())
    for kind, (make, view) in single.items():
        out.append(FileJob(kind, view, lambda make=make, kind=kind: [(urls.path(kind), make())]))
    out.append(FileJob("search", (), lambda: list(search.index_files(urls, seen, config.language, terms, terms_store, config.catalogue.long_date))))
    if config.cname:
        out.append(FileJob("CNAME", (), lambda: [("CNAME", (config.cname + "\n").encode())]))
    return out


def _since(site: Site, slugs: Sequence[str]) -> dt.date:
    """The day of the oldest of a feed's dispatches (listed newest or oldest first)."""
    return min(site.by_slug[slugs[0]].date, site.by_slug[slugs[-1]].date) if slugs else EPOCH


def _feed_job(
    config: Config, urls: Urls, site: Site, entry: Callable[[Dispatch], bytes],
    title: str, kind: str, key: str | None, page: str, shown: tuple[str, ...], since: dt.date,
) -> FileJob:
    """The feed of `page`, showing these dispatches."""
    path = urls.path(kind, key)
    make = lambda: [(path, atom(config, urls, site, title, path, urls.path(page, key), shown, entry, since))]  # noqa: E731
    return FileJob(path, (title, page, key, shown, since), make)
