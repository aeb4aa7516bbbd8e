"""The search index behind the search page: compact documents the client filters.

Documents carry words (title, summary, place), actor ids (names and aliases are
listed once, beside them), topics and the date, so a search by alias or year works.
"""

from __future__ import annotations

import json
from typing import Iterable

from briefgen.model import Site
from briefgen.urls import Urls


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def search_index(urls: Urls, site: Site) -> bytes:
    """Compact documents for the search page: words, actors (with aliases), topics, year."""
    docs = [
        {
            "u": urls.href("dispatch", d.slug),
            "t": d.title,
            "d": d.date.isoformat(),
            "s": d.summary,
            "a": list(d.actors),
            "p": [t.name for t in d.topics],
            "l": d.location or "",
        }
        for d in site.dispatches
    ]
    actors = {a.id: [a.name, *a.aliases] for a in site.actors.values()}
    return _json({"docs": docs, "actors": actors})



def index_files(urls: Urls, site: Site) -> Iterable[tuple[str, bytes]]:
    """Every file of the search index as (output path, bytes)."""
    yield urls.path("search_index"), search_index(urls, site)
