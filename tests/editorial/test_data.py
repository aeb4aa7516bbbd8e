"""Data for other tools: /data/actors.json and /data/graph.json against the JSON Schemas
shipped in the package, and /actors.opml as a feed reader imports it."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from tests.conftest import dispatch, run_cli, write_site

ATOM = "{http://www.w3.org/2005/Atom}"
HOST = "https://user.github.io/repo/"


def schema(name: str) -> dict:
    return json.loads((files("briefgen") / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


def validate(data: object, name: str) -> None:
    jsonschema.validate(data, schema(name), cls=jsonschema.Draft202012Validator)


def load(site: Path, rel: str) -> dict:
    return json.loads((site / rel).read_text(encoding="utf-8"))


REGISTRY = """\
nato:
  name: NATO
  kind: organization
jens-stoltenberg:
  name: Jens Stoltenberg
  kind: person
  affiliations: [nato]
russia:
  name: Russia
  kind: state
osce:
  name: OSCE
  kind: organization
"""

SMALL = {
    "content/actors.yaml": REGISTRY,
    "content/a.md": dispatch(title="A", date="2021-12-20", actors="[NATO, Russia]"),
    "content/b.md": dispatch(title="B", date="2021-12-24", actors="[NATO, Russia, Jens Stoltenberg]"),
    "content/c.md": dispatch(title="C", date="2022-01-03", actors="[NATO, Мария Захарова]"),
}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small site built under a hosted subpath: implicit and unnamed actors, known counts."""
    root = write_site(tmp_path_factory.mktemp("data"), {**SMALL, "config.yaml": f"title: Data\nbase_url: {HOST}\n"})
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    return root / "site"


@pytest.mark.parametrize("name", ["actors", "graph"])
def test_schemas_ship_in_the_package_and_are_valid(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))


@pytest.mark.parametrize("name", ["actors", "graph"])
def test_example_data_matches_its_schema(built_example: Path, name: str) -> None:
    validate(load(built_example, f"data/{name}.json"), name)


@pytest.mark.parametrize("name", ["actors", "graph"])
def test_small_site_data_matches_its_schema(small: Path, name: str) -> None:
    validate(load(small, f"data/{name}.json"), name)


@pytest.mark.parametrize(
    "name, rel, break_it",
    [
        ("actors", "data/actors.json", lambda d: d["actors"][0].pop("count")),
        ("actors", "data/actors.json", lambda d: d["actors"][0].update(first="20/12/2021")),
        ("actors", "data/actors.json", lambda d: d["actors"][0].update(kind="alliance")),
        ("graph", "data/graph.json", lambda d: d["edges"][0].update(type="friendship")),
        ("graph", "data/graph.json", lambda d: next(e for e in d["edges"] if e["type"] == "co-appearance").update(weight=0)),
        ("graph", "data/graph.json", lambda d: d["nodes"][0].update(id="Not An Id")),
    ],
)
def test_schemas_reject_broken_data(small: Path, name: str, rel: str, break_it) -> None:
    data = copy.deepcopy(load(small, rel))
    break_it(data)
    with pytest.raises(jsonschema.ValidationError):
        validate(data, name)


def test_actors_json_counts_and_dates(small: Path) -> None:
    actors = {a["id"]: a for a in load(small, "data/actors.json")["actors"]}
    assert set(actors) == {"nato", "jens-stoltenberg", "russia", "osce", "mariia-zakharova"}
    assert (actors["nato"]["count"], actors["nato"]["first"], actors["nato"]["last"]) == (3, "2021-12-20", "2022-01-03")
    assert (actors["osce"]["count"], actors["osce"]["first"], actors["osce"]["last"]) == (0, None, None)
    assert actors["mariia-zakharova"]["implicit"] is True and actors["nato"]["implicit"] is False
    assert actors["nato"]["members"] == ["jens-stoltenberg"] and actors["jens-stoltenberg"]["affiliations"] == ["nato"]
    assert actors["russia"]["url"] == HOST + "actors/russia/"


def test_graph_weights_and_typed_edges(small: Path) -> None:
    graph = load(small, "data/graph.json")
    nodes = {n["id"]: n["count"] for n in graph["nodes"]}
    assert nodes == {"nato": 3, "jens-stoltenberg": 1, "russia": 2, "osce": 0, "mariia-zakharova": 1}
    co = {(e["source"], e["target"]): e["weight"] for e in graph["edges"] if e["type"] == "co-appearance"}
    assert co == {
        ("nato", "russia"): 2, ("jens-stoltenberg", "nato"): 1, ("jens-stoltenberg", "russia"): 1,
        ("mariia-zakharova", "nato"): 1,
    }
    assert [(e["source"], e["target"]) for e in graph["edges"] if e["type"] == "affiliation"] == [("jens-stoltenberg", "nato")]


def test_example_graph_edges_join_known_nodes(built_example: Path) -> None:
    graph = load(built_example, "data/graph.json")
    ids = {n["id"] for n in graph["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])
    counts = {a["id"]: a["count"] for a in load(built_example, "data/actors.json")["actors"]}
    assert {n["id"]: n["count"] for n in graph["nodes"]} == counts


def outlines(site: Path) -> list[ET.Element]:
    root = ET.parse(site / "actors.opml").getroot()  # raises on a malformed file
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title") is not None and root.find("body") is not None
    return root.findall("body/outline")


def file_of(site: Path, url: str, base: str) -> Path:
    path = urlsplit(url).path
    assert path.startswith(base), url
    rel = path[len(base):]
    return site / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


@pytest.mark.parametrize("which, base", [("example", "/"), ("small", "/repo/")])
def test_opml_lists_every_actor_feed(request, which: str, base: str) -> None:
    site: Path = request.getfixturevalue("built_example" if which == "example" else "small")
    named = {a["id"] for a in load(site, "data/actors.json")["actors"] if a["count"]}
    found = outlines(site)
    assert len(found) == len(named) > 0
    for outline in found:
        assert outline.get("type") == "rss" and outline.get("text")
        xml_url = outline.get("xmlUrl")
        if which == "small":
            assert xml_url.startswith(HOST)
        feed = ET.parse(file_of(site, xml_url, base)).getroot()
        assert feed.tag == f"{ATOM}feed"
        assert feed.find(f"{ATOM}link[@rel='self']").get("href") == xml_url
        assert file_of(site, outline.get("htmlUrl"), base).is_file()
    ids = {urlsplit(o.get("xmlUrl")).path.rstrip("/").split("/")[-2] for o in found}
    assert ids == named
