"""Site → the HTML pages to render: SPEC's URL table as a list of page producers.

Each producer is a function `(Site, Urls, per_page, words) → Iterable[PageSpec]`; the
context holds read-only model objects, never a shared mutable "current page", and each
page's `title` in the site's language (`words`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from briefgen.i18n import Catalogue, english
from briefgen.model import Facet, Site, facet_of
from briefgen.urls import Urls


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One HTML page: where it goes, which template draws it, and what it shows."""

    path: str
    template: str
    context: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Pager:
    """Position in a paginated listing, with links to its neighbours."""

    number: int
    count: int
    previous: str | None
    next: str | None
    total: int


def paginate(
    urls: Urls, kind: str, key: str | None, items: Sequence[str], per_page: int
) -> Iterable[tuple[str, Sequence[str], Pager]]:
    """Split items into pages: (path, the page's items, pager)."""
    count = max(1, -(-len(items) // per_page))
    for n in range(1, count + 1):
        pager = Pager(
            number=n,
            count=count,
            previous=urls.href(kind, key, n - 1) if n > 1 else None,
            next=urls.href(kind, key, n + 1) if n < count else None,
            total=len(items),
        )
        yield urls.path(kind, key, n), items[(n - 1) * per_page : n * per_page], pager


def home(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    slugs = [d.slug for d in site.dispatches]
    for path, items, pager in paginate(urls, "home", None, slugs, per_page):
        yield PageSpec(path, "home.html", {"items": items, "pager": pager, "kind": "home"})


def dispatches(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    newest = {key: _changed_last(site, group.dispatches) for key, group in site.threads.items()}
    for d in site.dispatches:
        yield PageSpec(
            urls.path("dispatch", d.slug),
            "dispatch.html",
            {"d": d, "links": site.links[d.slug], "newest_in_thread": newest.get(d.thread) if d.thread else None,
             "kind": "dispatch", "title": d.title},
        )


def _changed_last(site: Site, chain: Sequence[str]) -> str:
    """The thread's dispatch that changed last: published, revised or corrected (the
    later one of two that changed at once). Once per thread, not per page."""
    return max(reversed(chain), key=lambda slug: site.by_slug[slug].modified())


def actors(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    yield PageSpec(urls.path("actors"), "actors.html", {"kind": "actors", "title": words.text("section.actors")})
    for actor in site.actors.values():
        stats = site.actor_stats[actor.id]
        for path, items, pager in paginate(urls, "actor", actor.id, stats.dispatches, per_page):
            ctx = {"actor": actor, "stats": stats, "items": items, "pager": pager, "kind": "actor", "title": actor.name}
            yield PageSpec(path, "actor.html", ctx)


def dates(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    yield PageSpec(urls.path("dates"), "dates.html", {"kind": "dates", "title": words.text("section.dates")})
    children: dict[str, list[str]] = {}
    for k in site.dates:
        if len(k) > 4:
            children.setdefault(k[: len(k) - 3], []).append(k)
    for level, width in (("year", 4), ("month", 7), ("day", 10)):
        keys = [k for k in site.dates if len(k) == width]
        for i, key in enumerate(keys):
            slugs = site.dates[key]
            base = {
                "key": key,
                "level": level,
                "when": _when(key),
                "previous": keys[i - 1] if i else None,
                "next": keys[i + 1] if i + 1 < len(keys) else None,
                "children": children.get(key, []),
                "kind": "date",
                "title": _title_of(key, words),
            }
            pages = [(urls.path("date", key), slugs, None)] if level == "day" else paginate(urls, "date", key, slugs, per_page)
            for path, items, pager in pages:
                yield PageSpec(path, "date.html", {**base, "items": items, "pager": pager})


def _when(key: str) -> dt.date:
    parts = [int(p) for p in key.split("/")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def _title_of(key: str, words: Catalogue) -> str:
    when = _when(key)
    if len(key) == 4:
        return key
    if len(key) == 7:
        return words.month_year(when.year, when.month)
    return words.long_date(when)


def facet_title(facet: Facet, words: Catalogue) -> str:
    """A facet's name in the site's language; a declared taxonomy's is its own."""
    return facet.title if facet.declared else words.text(f"section.{facet.key}")


def facets(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    """Every facet's index and the pages of each of its terms: topics, threads, sources
    and the taxonomies config.yaml declares are one kind of grouping."""
    for key, groups in site.facets.items():
        facet = facet_of(key)
        index = {"kind": facet.index_kind, "title": facet_title(facet, words), "groups": groups, "facet": facet}
        yield PageSpec(urls.path(facet.index_kind, facet.ref()), facet.index_template, index)
        for group in groups.values():
            base = {"group": group, "kind": facet.kind, "title": group.name, "facet": facet}
            if not facet.paged:
                yield PageSpec(urls.path(facet.kind, facet.ref(group.key)), facet.template, {**base, "items": group.dispatches, "pager": None})
                continue
            for path, items, pager in paginate(urls, facet.kind, facet.ref(group.key), group.dispatches, per_page):
                yield PageSpec(path, facet.template, {**base, "items": items, "pager": pager})


def events(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    upcoming = [e for e in site.events if e.date >= site.today]
    past = [e for e in reversed(site.events) if e.date < site.today]
    yield PageSpec(urls.path("events"), "events.html", {"kind": "events", "title": words.text("section.events"), "upcoming": upcoming, "past": past})


def fixed(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    yield PageSpec(urls.path("search"), "search.html", {"kind": "search", "title": words.text("section.search")})
    yield PageSpec(urls.path("not_found"), "404.html", {"kind": "not_found", "title": words.text("notfound.title")})


def redirects(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    for r in site.redirects:
        target = urls.absolute(r.kind, r.new)
        yield PageSpec(urls.path(r.kind, r.old), "redirect.html", {"kind": "redirect", "target": target, "title": words.text("redirect.title")})


PRODUCERS: tuple[Callable[[Site, Urls, int, Catalogue], Iterable[PageSpec]], ...] = (
    home,
    dispatches,
    actors,
    dates,
    facets,
    events,
    fixed,
    redirects,
)


def all_pages(site: Site, urls: Urls, per_page: int, words: Catalogue) -> Iterable[PageSpec]:
    """Every HTML page of the site, in a stable order; each context also holds the page's
    `path` (site-relative), for what needs its own URL (a canonical link)."""
    words = words or english()
    for produce in PRODUCERS:
        for spec in produce(site, urls, per_page, words):
            yield PageSpec(spec.path, spec.template, {**spec.context, "path": spec.path})
