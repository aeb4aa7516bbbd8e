"""Stage 2b: the actor registry, and resolving the actors a dispatch names.

A reference resolves case-insensitively to the actor whose id, name or alias it
equals; anything else becomes an implicit actor with an ASCII id from its slug.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from briefgen.errors import Problem
from briefgen.fields import FieldError, nonempty, slug, text, text_list, with_actors
from briefgen.model import Actor, Dispatch
from briefgen.slugs import is_slug, slugify
from briefgen.yamlload import YamlError, parse

KINDS = ("person", "organization", "state", "other")
RECORD_FIELDS = ("name", "kind", "aliases", "affiliations", "description", "former_ids")


@dataclass(frozen=True, slots=True)
class Registry:
    """Registered actors and the case-folded phrase → id index used to resolve references."""

    actors: Mapping[str, Actor]
    index: Mapping[str, str]
    digest: str

    def lookup(self, reference: str) -> str | None:
        key = reference.strip().casefold()
        found = self.index.get(key)
        if found is None and slugify(reference) in self.actors:
            found = slugify(reference)
        return found

    def phrases(self) -> dict[str, str]:
        """Each name and alias as written → actor id (for linking mentions in bodies)."""
        out: dict[str, str] = {}
        for actor in self.actors.values():
            for phrase in (actor.name, *actor.aliases):
                out.setdefault(phrase, actor.id)
        return out


EMPTY_REGISTRY = Registry(MappingProxyType({}), MappingProxyType({}), "")


def load_registry(path: Path, rel: str) -> tuple[Registry, list[Problem]]:
    """Read content/actors.yaml (optional); every bad record is reported with its line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return EMPTY_REGISTRY, []
    except OSError as exc:
        return EMPTY_REGISTRY, [Problem(rel, None, f"cannot be read: {exc.strerror}")]
    return parse_registry(data, rel)


def parse_registry(data: bytes, rel: str) -> tuple[Registry, list[Problem]]:
    """The registry in a file's bytes, `rel` naming the file in problems."""
    digest = hashlib.blake2b(data, digest_size=8).hexdigest()
    try:
        parsed = parse(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return EMPTY_REGISTRY, [Problem(rel, data.count(b"\n", 0, exc.start) + 1, "not UTF-8; save the file as UTF-8")]
    except YamlError as exc:
        return EMPTY_REGISTRY, [Problem(rel, exc.line, exc.message)]
    if parsed.value is None:
        return EMPTY_REGISTRY, []
    if not isinstance(parsed.value, dict):
        return EMPTY_REGISTRY, [Problem(rel, 1, "must map actor ids to records (id: {name: ...})")]
    lines = parsed.key_lines()
    nodes = parsed.children()
    actors: dict[str, Actor] = {}
    problems: list[Problem] = []
    for key, record in parsed.value.items():
        line = lines.get(str(key))
        field_lines = parsed.key_lines(nodes.get(str(key)))
        actor, found = _record(str(key), record, rel, line, field_lines)
        problems += found
        if actor is not None:
            actors[actor.id] = actor
    problems += _check_affiliations(actors, rel)
    index, clashes = _index(actors.values(), rel)
    return Registry(MappingProxyType(actors), MappingProxyType(index), digest), problems + clashes


def _record(key: str, record: Any, rel: str, line: int | None, lines: dict[str, int]) -> tuple[Actor | None, list[Problem]]:
    if not is_slug(key):
        return None, [Problem(rel, line, f"actor id '{key}' is not a valid id: use lower-case letters, digits and '-' (e.g. '{slugify(key)}')")]
    if record is None:
        record = {}
    if not isinstance(record, dict):
        return None, [Problem(rel, line, f"actor '{key}' must be a mapping of fields ({', '.join(RECORD_FIELDS)})")]
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    converters = {
        "name": nonempty,
        "kind": _kind,
        "aliases": text_list,
        "affiliations": lambda v: text_list(v, slug),
        "description": text,
        "former_ids": lambda v: text_list(v, slug),
    }
    for name, value in record.items():
        where = lines.get(str(name), line)
        convert = converters.get(str(name))
        if convert is None:
            problems.append(Problem(rel, where, f"actor '{key}': unknown field '{name}' (known: {', '.join(RECORD_FIELDS)})"))
        elif value is not None:
            try:
                values[str(name)] = convert(value)
            except FieldError as exc:
                problems.append(Problem(rel, where, f"actor '{key}': '{name}' {exc}"))
    values.setdefault("name", key)
    return Actor(id=key, path=rel, line=line, **values), problems


def _kind(value: Any) -> str:
    kind = text(value)
    if kind not in KINDS:
        raise FieldError(f"must be one of {', '.join(KINDS)}, not '{kind}'")
    return kind


def _check_affiliations(actors: Mapping[str, Actor], rel: str) -> list[Problem]:
    return [
        Problem(rel, actor.line, f"actor '{actor.id}': affiliation '{other}' is not a registered actor id")
        for actor in actors.values()
        for other in actor.affiliations
        if other not in actors
    ]


def _index(actors: Iterable[Actor], rel: str) -> tuple[dict[str, str], list[Problem]]:
    """Case-folded id, name and aliases → id; a phrase claimed by two actors is a problem."""
    index: dict[str, str] = {}
    problems: list[Problem] = []
    for actor in actors:
        for phrase in dict.fromkeys(p.casefold() for p in (actor.id, actor.name, *actor.aliases)):
            owner = index.setdefault(phrase, actor.id)
            if owner != actor.id:
                problems.append(Problem(rel, actor.line, f"actor '{actor.id}': '{phrase}' already names actor '{owner}'; references would be ambiguous"))
    return index, problems


def resolve(
    dispatches: Iterable[Dispatch], registry: Registry, known: dict[int, tuple[Dispatch, Dispatch]] | None = None,
) -> tuple[list[Dispatch], dict[str, Actor]]:
    """Replace actor references by ids; return the dispatches and every actor they name.

    `known` (kept by a session) maps a dispatch object, by identity, to its resolved copy
    from the last build; it is refilled with this build's. A validated dispatch is made
    afresh whenever the registry changes, so the same object means the same resolution."""
    actors: dict[str, Actor] = dict(registry.actors)
    resolved: list[Dispatch] = []
    fresh: dict[int, tuple[Dispatch, Dispatch]] = {}
    for d in dispatches:
        ids: list[str] = []
        for ref in d.actors:
            actor_id = registry.lookup(ref)
            if actor_id is None:
                actor_id = slugify(ref)
                if actor_id not in actors:
                    actors[actor_id] = Actor(id=actor_id, name=ref, implicit=True, path=d.path, line=d.line_of.get("actors"))
            ids.append(actor_id)
        # the ids above are needed for the implicit actors either way: the memo saves the copy
        found = known.get(id(d)) if known is not None else None
        if found is not None and found[0] is d:
            done = found[1]
        else:
            done = with_actors(d, tuple(dict.fromkeys(ids)))
        fresh[id(d)] = (d, done)
        resolved.append(done)
    if known is not None:
        known.clear()
        known.update(fresh)
    return resolved, actors
