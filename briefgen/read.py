"""Stage 1: find the dispatch files and the actor registry, and parse each one.

Reading is per file and pure given the file's bytes, so it can be cached by content
hash and spread over processes; nothing here validates fields (that is `fields.py`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from briefgen import parallel
from briefgen.config import Config
from briefgen.errors import Problem
from briefgen.frontmatter import FrontMatter, FrontMatterError, control_problem, split
from briefgen.markdown import Parser, Rendered, render

if TYPE_CHECKING:
    from briefgen.cache import DocCache

ACTORS_FILE = "actors.yaml"
MAX_BYTES = 8 * 1024 * 1024
"""Larger dispatches are refused: no briefing needs them, and they stall a build."""


@dataclass(frozen=True, slots=True)
class Source:
    """A dispatch file found in content/: where it is and its stat, for the cache."""

    path: Path
    rel: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class LoadedDoc:
    """One dispatch file, parsed: front matter and rendered body, or its problems."""

    rel: str
    digest: str
    front: FrontMatter | None
    body: Rendered | None
    problems: tuple[Problem, ...] = ()


def find_sources(config: Config) -> tuple[list[Source], list[Problem]]:
    """Every `.md` file under content/, sorted; hidden files and folders are skipped."""
    content = config.content_dir
    if not content.is_dir():
        return [], [Problem(config.rel(content), None, "content folder not found")]
    found: list[Source] = []
    problems: list[Problem] = []
    for folder, dirs, files in os.walk(content):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [d for d in dirs if (base / d).is_symlink()]:
            problems += _check_link(base / name, config)
            dirs.remove(name)
        shown = config.rel(base)  # once per folder: 10,000 files make this loop count
        links = {e.name for e in os.scandir(folder) if e.is_symlink()} if files else set()  # the file type is in the listing
        for name in sorted(files):
            if name.startswith(".") or not name.endswith(".md"):
                continue
            path = base / name
            if name in links:
                link_problems = _check_link(path, config)
                if link_problems:
                    problems += link_problems
                    continue
            rel = f"{shown}/{name}"
            try:
                st = os.stat(f"{folder}/{name}")
            except OSError as exc:
                problems.append(Problem(rel, None, f"cannot be read: {exc.strerror}"))
                continue
            found.append(Source(path, rel, st.st_size, st.st_mtime_ns))
    return found, problems


def _check_link(path: Path, config: Config) -> list[Problem]:
    """A symlink may point within content/ only; anything else could leak private files."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a loop
        return [Problem(config.rel(path), None, "symbolic link loops back on itself; refusing to follow it")]
    if target.is_relative_to(config.content_dir) and not path.is_dir():
        return []
    where = "outside the content folder" if not target.is_relative_to(config.content_dir) else "to a folder"
    return [Problem(config.rel(path), None, f"symbolic link points {where} ({target}); refusing to follow it")]


def read_source(source: Source) -> bytes | LoadedDoc:
    """A file's bytes, or a LoadedDoc carrying why they cannot be had."""
    rel = source.rel
    if source.size > MAX_BYTES:
        msg = f"file is {source.size / 1e6:.1f} MB; dispatches over {MAX_BYTES // 2**20} MB are refused"
        return LoadedDoc(rel, "", None, None, (Problem(rel, None, msg),))
    try:
        return source.path.read_bytes()
    except OSError as exc:
        return LoadedDoc(rel, "", None, None, (Problem(rel, None, f"cannot be read: {exc.strerror}"),))


def content_digest(data: bytes) -> str:
    """The key a file's parse is cached under: its bytes, nothing else."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def load_all(
    sources: Sequence[Source], parser: Parser, cache: "DocCache | None" = None, meanwhile: Callable[[], None] | None = None,
) -> tuple[list[LoadedDoc], int]:
    """Every source parsed, in order, and how many were parsed (the rest came from the cache).

    An unchanged file (same size and mtime as recorded) is not even read; a changed one is
    read and hashed, and parsed only when no cached parse has its hash (a file renamed or
    touched is found by content). Parsing is spread over processes when there is enough;
    then this process runs `meanwhile` before it takes its share."""
    started = time.time_ns()
    docs: dict[str, LoadedDoc] = {}
    digests: dict[str, str] = {}
    todo: list[tuple[str, bytes]] = []
    racy = False
    for source in sources:
        known = cache.known_digest(source) if cache else None
        doc = cache.get(source, known) if cache and known else None
        if doc is None:
            racy = racy or bool(cache and source.rel in cache.stamps and known is None)
            data = read_source(source)
            if isinstance(data, LoadedDoc):
                docs[source.rel] = data
                continue
            digest = content_digest(data)
            doc = cache.get(source, digest) if cache else None
            if doc is None:
                todo.append((source.rel, data))
                continue
        docs[source.rel] = doc
        digests[source.rel] = doc.digest
    for doc in _parse_many(todo, parser, meanwhile):
        docs[doc.rel] = doc
        if cache and not doc.problems:
            cache.put(doc)
            digests[doc.rel] = doc.digest
    if cache:
        cache.stamp(list(sources), digests, started, force=racy)
    return [docs[s.rel] for s in sources], len(todo)


PARSE_PER_WORKER = 200
"""Below this many files per process, forking costs more than it saves."""


def _parse_many(todo: list[tuple[str, bytes]], parser: Parser, meanwhile: Callable[[], None] | None) -> list[LoadedDoc]:
    def parse(part: Sequence[tuple[str, bytes]]) -> list[LoadedDoc]:
        return [parse_bytes(rel, data, parser) for rel, data in part]

    workers = parallel.worker_count(len(todo), PARSE_PER_WORKER)
    return [doc for part in parallel.fork_map(parse, todo, workers, meanwhile) for doc in part]


def parse_bytes(rel: str, data: bytes, parser: Parser) -> LoadedDoc:
    """Parse a dispatch from its bytes (pure, so results can be cached by digest)."""
    digest = content_digest(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        msg = f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        return LoadedDoc(rel, digest, None, None, (Problem(rel, line, msg),))
    try:
        front = split(text)
    except FrontMatterError as exc:
        return LoadedDoc(rel, digest, None, None, (Problem(rel, exc.line, exc.message),))
    control = control_problem(front.body)
    if control is not None:
        line = front.body_line + front.body.count("\n", 0, control[0])
        return LoadedDoc(rel, digest, front, None, (Problem(rel, line, f"the body {control[1]}"),))
    try:
        body = render(parser, front.body)
    except RecursionError:
        line = front.body_line
        return LoadedDoc(rel, digest, front, None, (Problem(rel, line, "Markdown nested too deeply to render"),))
    # the Markdown source is not needed once rendered: 10,000 of them are 30 MB kept,
    # pickled between processes and cached for nothing
    return LoadedDoc(rel, digest, dataclasses.replace(front, body=""), body)
