"""actors: the registry and how references resolve."""

from pathlib import Path

from briefgen.actors import load_registry, resolve
from briefgen.model import Dispatch
import datetime as dt

REGISTRY = """\
nato:
  name: NATO
  kind: organization
  aliases: [the Alliance]
jens-stoltenberg:
  name: Jens Stoltenberg
  kind: person
  aliases: [Stoltenberg]
  affiliations: [nato]
"""


def registry(tmp_path: Path, text: str = REGISTRY):
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    return load_registry(path, "content/actors.yaml")


def d(*actors: str) -> Dispatch:
    return Dispatch(slug="x", title="X", date=dt.date(2021, 1, 1), moment=dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc), path="content/x.md", actors=actors)


def test_resolution_by_id_name_alias_any_case(tmp_path):
    reg, problems = registry(tmp_path)
    assert problems == []
    (resolved,), actors = resolve([d("nato", "THE ALLIANCE", "stoltenberg", "Jens Stoltenberg")], reg)
    assert resolved.actors == ("nato", "jens-stoltenberg")


def test_implicit_actors_get_ascii_ids(tmp_path):
    reg, _ = registry(tmp_path)
    (resolved,), actors = resolve([d("Мария Захарова", "Grushko")], reg)
    assert resolved.actors == ("mariia-zakharova", "grushko")
    assert actors["mariia-zakharova"].implicit and actors["mariia-zakharova"].name == "Мария Захарова"
    assert not actors["nato"].implicit


def test_missing_registry_is_fine(tmp_path):
    reg, problems = load_registry(tmp_path / "none.yaml", "content/actors.yaml")
    assert problems == [] and dict(reg.actors) == {}


def test_registry_problems_have_lines(tmp_path):
    _, problems = registry(tmp_path, "nato:\n  name: NATO\n  alias: [x]\nBad Id:\n  name: y\nz:\n  affiliations: [nobody]\n")
    messages = [str(p) for p in problems]
    assert "content/actors.yaml:3: actor 'nato': unknown field 'alias'" in messages[0]
    assert any(m.startswith("content/actors.yaml:4: actor id 'Bad Id' is not a valid id") for m in messages)
    assert any(m.startswith("content/actors.yaml:6: actor 'z': affiliation 'nobody'") for m in messages)


def test_name_defaults_to_id(tmp_path):
    reg, _ = registry(tmp_path, "osce:\n")
    assert reg.actors["osce"].name == "osce"


def test_each_actor_field_keeps_its_line_in_a_large_registry() -> None:
    """Field lines come from one lookup of every record's node (a search per actor grew
    with the square of their number)."""
    from briefgen.actors import parse_registry

    text = "".join(f"a{i}:\n  name: Actor {i}\n  kind: bogus\n" for i in range(300))
    registry, problems = parse_registry(text.encode(), "actors.yaml")
    assert [p.line for p in problems] == [3 * i + 3 for i in range(300)]
    assert all("'kind' must be one of" in p.message for p in problems)
