"""Taxonomies a site declares in config.yaml (`taxonomies: [regions, sectors]`), built from
the fixture site tests/sites/taxonomies and checked as the topic pages are."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from briefgen.config import load_config
from briefgen.link import link
from briefgen.search import terms as terms_of
from tests.conftest import BASIC_CONFIG, dispatch, page, run_cli
from tests.linkcheck import broken_links

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def site(built_site) -> Path:
    return built_site("taxonomies")


def hrefs(html: str, inside: str = "") -> list[str]:
    part = html.split(inside, 1)[1] if inside else html
    return [chunk.split('"', 1)[0] for chunk in part.split('href="')[1:]]


def test_index_lists_each_term_with_its_count(site: Path) -> None:
    regions = page(site, "/regions/")
    assert '<a href="/regions/europe/">Europe</a> <span class="count">3</span>' in regions
    assert '<a href="/regions/black-sea/">Black Sea</a> <span class="count">2</span>' in regions
    sectors = page(site, "/sectors/")
    for term, count in (("agriculture", 1), ("defence", 2), ("energy", 1)):
        assert f'href="/sectors/{term}/"' in sectors and f'<span class="count">{count}</span>' in sectors


def test_term_pages_list_their_dispatches_newest_first_and_paginate(site: Path) -> None:
    first, second = page(site, "/regions/europe/"), page(site, "/regions/europe/page/2/")
    assert "3 dispatches." in first and 'href="/regions/europe/page/2/"' in first
    on_first = [h for h in hrefs(first, "<h1>") if h.startswith("/dispatches/")]
    assert on_first == ["/dispatches/summit/", "/dispatches/gas/"]  # per_page: 2
    assert [h for h in hrefs(second, "<h1>") if h.startswith("/dispatches/")] == ["/dispatches/council/"]
    assert 'href="/regions/"' in first  # back to the index
    # a single name is a one-item list, and names are slugged as topics are
    assert "/dispatches/grain/" in page(site, "/regions/black-sea/")
    assert "/dispatches/plain/" not in page(site, "/regions/europe/") + page(site, "/regions/black-sea/")


def test_term_feed(site: Path) -> None:
    feed = ET.fromstring(page(site, "/regions/europe/feed.xml"))
    assert feed.findtext(f"{ATOM}title") == "Regional Brief: Europe"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": "/regions/europe/feed.xml", "alternate": "/regions/europe/"}
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href") for e in entries] == ["/dispatches/summit/", "/dispatches/gas/", "/dispatches/council/"]
    categories = {(c.get("term"), c.get("scheme")) for c in entries[2].findall(f"{ATOM}category")}
    assert {("Europe", "/regions/"), ("Black Sea", "/regions/"), ("Defence", "/sectors/")} <= categories
    assert 'href="/regions/europe/feed.xml"' in page(site, "/regions/europe/")


def test_dispatch_page_has_a_row_per_taxonomy(site: Path) -> None:
    html = page(site, "/dispatches/council/")
    regions = html.split("<dt><bdi>Regions</bdi></dt>", 1)[1].split("</dd>", 1)[0]
    assert hrefs(regions) == ["/regions/europe/", "/regions/black-sea/"]
    sectors = html.split("<dt><bdi>Sectors</bdi></dt>", 1)[1].split("</dd>", 1)[0]
    assert hrefs(sectors) == ["/sectors/defence/"]
    assert "<dt><bdi>Sectors</bdi></dt>" not in page(site, "/dispatches/summit/")  # no terms, no row
    assert "<dt>Regions</dt>" not in page(site, "/dispatches/plain/")


def test_sitemap_nav_and_links(site: Path) -> None:
    sitemap = ET.fromstring(page(site, "/sitemap.xml"))
    locs = {loc.text for loc in sitemap.iter(f"{SITEMAP}loc")}
    assert {"/regions/", "/regions/europe/", "/regions/europe/page/2/", "/regions/black-sea/", "/sectors/", "/sectors/energy/"} <= locs
    assert 'href="/regions/"' in page(site, "/") and 'href="/sectors/"' in page(site, "/")
    assert broken_links(site / "site") == []


def test_search_facets(site: Path) -> None:
    entry = json.loads(page(site, "/search-index.json"))
    folder = site / "site" / entry["dir"]
    names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
    assert [(key, title) for key, title, _ in names["taxonomies"]] == [("regions", "Regions"), ("sectors", "Sectors")]
    regions = [term for term, _ in names["taxonomies"][0][2]]
    sectors = [term for term, _ in names["taxonomies"][1][2]]
    facets = json.loads((folder / "facets-0.json").read_text(encoding="utf-8"))
    docs = json.loads((folder / "docs-0.json").read_text(encoding="utf-8"))
    by_url = {doc[0]: facets[i] for i, doc in enumerate(docs)}
    council = by_url["/dispatches/council/"]
    assert [regions[n] for n in council[4]] == ["europe", "black-sea"]  # after year, actors, topics, thread
    assert [sectors[n] for n in council[5]] == ["defence"]
    assert by_url["/dispatches/plain/"][4:] == [[], []]
    terms = {t for c in range(len(entry["terms"])) for t in json.loads((folder / f"terms-{c}.json").read_text(encoding="utf-8"))}
    assert terms_of("agriculture") <= terms  # a term's name is searchable, as a topic's is


def test_a_site_without_taxonomies_has_no_taxonomy_in_its_index(copy_site) -> None:
    root = copy_site("mini")
    assert run_cli("build", cwd=root).code == 0
    names = json.loads((root / "site/search-index/names.json").read_text(encoding="utf-8"))
    assert "taxonomies" not in names
    assert all(len(row) == 4 for row in json.loads((root / "site/search-index/facets-0.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("declared,line,message", [
    ("taxonomies: [regions, topics]\n", 3, "'taxonomies' item 2: 'topics' is taken"),
    ("taxonomies:\n  - regions\n  - search\n", 5, "'taxonomies' item 2: 'search' is taken"),
    ("taxonomies: [actors]\n", 3, "'actors' is taken"),
    ("taxonomies: [title]\n", 3, "'title' is taken"),  # a front-matter key of briefgen's own
    ("taxonomies: [page]\n", 3, "'page' is taken"),  # /page/2/ of the home page
    ("taxonomies: [Regions]\n", 3, "'Regions' is not a slug"),
    ("taxonomies: [policy areas]\n", 3, "'policy areas' is not a slug"),
    ("taxonomies: [regions, regions]\n", 3, "'regions' is declared twice"),
    ("taxonomies: {regions: 1}\n", 3, "is not a slug"),
])
def test_a_bad_taxonomy_name_is_a_config_error(tmp_path: Path, make_site, declared: str, line: int, message: str) -> None:
    root = make_site({"config.yaml": BASIC_CONFIG + declared, "content/a.md": dispatch()})
    (root / "site").mkdir()
    (root / "site/keep.txt").write_text("previous")
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert f"config.yaml:{line}: " in result.err and message in result.err, result.err
    assert (root / "site/keep.txt").read_text() == "previous"


def test_a_taxonomy_value_must_be_names(tmp_path: Path, make_site) -> None:
    """Checked when the site is linked, where config says which keys are taxonomies: a
    key config does not declare stays an extra, whatever it holds."""
    from briefgen import read as reading
    from briefgen.actors import load_registry
    from briefgen.markdown import make_parser

    root = make_site({
        "config.yaml": BASIC_CONFIG + "taxonomies: [regions]\n",
        "content/a.md": dispatch(regions="[Europe, {name: Asia}]", sectors="{any: thing}"),
        "content/b.md": dispatch(title="B", regions="[[nested]]"),
        "content/c.md": dispatch(title="C", regions="Europe"),
    })
    config = load_config(root / "config.yaml")
    registry, problems = load_registry(root / "content/actors.yaml", "content/actors.yaml")
    read = reading.read_site(config, False, registry, problems)
    docs = reading.finish(read, [reading.parse_bytes(rel, data, make_parser()) for rel, data in read.todo])
    from briefgen.actors import resolve
    from briefgen.fields import to_dispatch

    dispatches = [to_dispatch(doc, config.tz)[0] for doc in docs]
    resolved, actors = resolve(dispatches, read.registry)
    site, problems = link(resolved, actors, 0, read.today, taxonomies=config.taxonomies)
    assert sorted(str(p) for p in problems) == [
        "content/a.md:5: 'regions' item 2: must be a non-empty string",
        "content/b.md:5: 'regions' item 1: must be a non-empty string",
    ]
    assert site.by_slug["a"].extra["sectors"] == {"any": "thing"}
    assert list(site.facets) == ["topics", "threads", "sources", "regions"]
    assert site.facets["regions"]["europe"].dispatches == ("c",)  # a's terms are left out with its problem
    assert [f.key for f in site.taxonomies] == ["regions"]
