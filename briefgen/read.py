"""Stage 1: find the dispatch files and the actor registry, and parse each one.

Reading is per file and pure given the file's bytes, so it can be cached by content
hash and spread over processes; nothing here validates fields (that is `fields.py`).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

from briefgen import parallel
from briefgen.config import Config
from briefgen.errors import Problem
from briefgen.frontmatter import FrontMatter, FrontMatterError, control_problem, fences, parse_front
from briefgen.markdown import Parser, Rendered, render

if TYPE_CHECKING:
    from briefgen.cache import DocCache

ACTORS_FILE = "actors.yaml"
MAX_BYTES = 8 * 1024 * 1024
"""Larger dispatches are refused: no briefing needs them, and they stall a build."""


@dataclass(frozen=True, slots=True)
class Source:
    """A dispatch file found in content/: where it is and its stat, for the cache."""

    path: str | os.PathLike[str]
    """As `find_sources` lists it, a string; anything `open` takes will do."""
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
            path = f"{folder}/{name}"  # a string: a Path made for each of 10,000 files is a fifth of this
            if name in links:
                link_problems = _check_link(Path(path), config)
                if link_problems:
                    problems += link_problems
                    continue
            rel = f"{shown}/{name}"
            try:
                st = os.stat(path)
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
        return _read_bytes(os.fspath(source.path), source.size)
    except OSError as exc:
        return LoadedDoc(rel, "", None, None, (Problem(rel, None, f"cannot be read: {exc.strerror}"),))


_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read_bytes(path: str, size: int) -> bytes:
    """A file's bytes, read with `os.read`: a third less time than `Path.read_bytes`, and
    a large build reads every file before any other process can start. The first read
    asks for the file's `size` when it was listed and a byte more: a buffer of the size it
    needs, where one of a megabyte was mapped and unmapped for each file, and when just
    `size` bytes come, the file is whole as listed, without a second read to find its end."""
    fd = os.open(path, _READ)
    try:
        first = os.read(fd, size + 1)
        if len(first) == size:
            return first
        chunks = [first]
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def content_digest(data: bytes) -> str:
    """The key a file's parse is cached under: its bytes, nothing else."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


A = TypeVar("A")


def load_all(
    sources: Sequence[Source], parser: Parser, cache: "DocCache | None" = None, meanwhile: Callable[[], None] | None = None,
    ahead: Callable[[list[LoadedDoc]], A] | None = None,
) -> tuple[list[LoadedDoc], int, A | None]:
    """Every source parsed, in order, how many were parsed (the rest came from the cache),
    and what `ahead` made, if it ran.

    An unchanged file (same size and mtime as recorded) is not even read; a changed one is
    read and hashed, and parsed only when no cached parse has its hash (a file renamed or
    touched is found by content). Parsing is spread over processes when there is enough;
    then this process runs `meanwhile`, then, while the others render the Markdown
    bodies, reads every front matter and gives `ahead` all the files with their front
    matter (a body being rendered is None), and then takes its share of the bodies."""
    started = time.time_ns()
    docs: dict[str, LoadedDoc] = {}
    digests: dict[str, str] = {}
    todo: list[tuple[str, bytes]] = []
    racy = False
    # With no parse kept (a first build), looking one up is pointless, and hashing a file
    # for it would hash it twice: `front_of` hashes what it parses. (`entries` reads the
    # cache's parses, which a changed file needs anyway.)
    with_parses = cache if cache is not None and cache.entries else None
    for source in sources:
        known = cache.known_digest(source) if cache else None
        doc = with_parses.get(source, known) if with_parses and known else None
        if doc is None:
            racy = racy or bool(cache and source.rel in cache.stamps and known is None)
            data = read_source(source)
            if isinstance(data, LoadedDoc):
                docs[source.rel] = data
                continue
            doc = with_parses.get(source, content_digest(data)) if with_parses else None
            if doc is None:
                todo.append((source.rel, data))
                continue
        docs[source.rel] = doc
        digests[source.rel] = doc.digest

    def every_file(fronts: list[LoadedDoc]) -> A:
        assert ahead is not None
        found = {**docs, **{doc.rel: doc for doc in fronts}}
        return ahead([found[s.rel] for s in sources])

    parsed, made_ahead = _parse_many(todo, parser, meanwhile, every_file if ahead is not None else None)
    kept = []
    for doc in parsed:
        docs[doc.rel] = doc
        if not doc.problems:
            kept.append(doc)
            digests[doc.rel] = doc.digest
    if cache:
        cache.put_later(kept)
        cache.stamp(list(sources), digests, started, force=racy)
    return [docs[s.rel] for s in sources], len(todo), made_ahead


PARSE_PER_WORKER = 50
"""Below this many files per process, forking costs more than it saves. (At 200 a cold
build of 200 dispatches ran in one process: 0.82 s, against 0.54 s in two.)"""


def _parse_many(
    todo: list[tuple[str, bytes]], parser: Parser, meanwhile: Callable[[], None] | None,
    ahead: Callable[[list[LoadedDoc]], A] | None,
) -> tuple[list[LoadedDoc], A | None]:
    """The files parsed, and what `ahead` made of their front matter while other
    processes rendered the bodies (None when the files are too few to share out)."""
    workers = parallel.worker_count(len(todo), PARSE_PER_WORKER)
    if ahead is None or workers == 1:
        def parse(part: Sequence[tuple[str, bytes]]) -> list[LoadedDoc]:
            return [parse_bytes(rel, data, parser) for rel, data in part]

        return [doc for part in parallel.fork_map(parse, todo, workers, meanwhile) for doc in part], None

    def bodies(part: Sequence[tuple[str, bytes]]) -> list[Body]:
        return [body_of(rel, data, parser) for rel, data in part]

    def front_matter_first() -> tuple[dict[str, LoadedDoc], A]:
        if meanwhile is not None:
            meanwhile()
        fronts = {rel: front_of(rel, data) for rel, data in todo}
        return fronts, ahead(list(fronts.values()))

    shared = parallel.Shared(bodies, todo, workers)
    fronts, made_ahead = shared.alongside(front_matter_first)
    rendered = shared.finish()
    pairs = zip(shared.chunks, rendered, strict=True)
    return [joined(fronts[rel], body) for chunk, found in pairs for (rel, _), body in zip(chunk, found, strict=True)], made_ahead


def parse_bytes(rel: str, data: bytes, parser: Parser) -> LoadedDoc:
    """Parse a dispatch from its bytes (pure, so results can be cached by digest)."""
    return joined(front_of(rel, data), body_of(rel, data, parser))


def front_of(rel: str, data: bytes) -> LoadedDoc:
    """A dispatch's front matter, its body not yet rendered (`body` is None), or the
    problem that stops it being read."""
    digest = content_digest(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        msg = f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        return LoadedDoc(rel, digest, None, None, (Problem(rel, line, msg),))
    try:
        yaml_text, _, _ = fences(text)
        front = parse_front(yaml_text)
    except FrontMatterError as exc:
        return LoadedDoc(rel, digest, None, None, (Problem(rel, exc.line, exc.message),))
    return LoadedDoc(rel, digest, front, None)


Body = Rendered | Problem | None
"""A rendered body; the problem in it; None for a file whose front matter has one."""


def body_of(rel: str, data: bytes, parser: Parser) -> Body:
    """A dispatch's body rendered from Markdown: the costly part of parsing, and all of
    it that `front_of` leaves out."""
    try:
        _, body, body_line = fences(data.decode("utf-8"))
    except (UnicodeDecodeError, FrontMatterError):
        return None  # front_of says what is wrong
    control = control_problem(body)
    if control is not None:
        return Problem(rel, body_line + body.count("\n", 0, control[0]), f"the body {control[1]}")
    try:
        return render(parser, body)
    except RecursionError:
        return Problem(rel, body_line, "Markdown nested too deeply to render")


def joined(front: LoadedDoc, body: Body) -> LoadedDoc:
    """A parsed dispatch from its two halves. The Markdown source is not kept: 10,000 of
    them are 30 MB kept, pickled between processes and cached for nothing."""
    if front.problems or body is None:
        return front
    if isinstance(body, Problem):
        return LoadedDoc(front.rel, front.digest, front.front, None, (body,))
    return LoadedDoc(front.rel, front.digest, front.front, body)
