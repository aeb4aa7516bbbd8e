"""Stage 1: find the dispatch files and the actor registry, and parse each one.

Reading is per file and pure given the file's bytes, so it can be cached by content
hash and spread over processes; nothing here validates fields (that is `fields.py`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from briefgen.config import Config
from briefgen.errors import Problem
from briefgen.frontmatter import FrontMatter, FrontMatterError, control_problem, fences, parse_front
from briefgen.markdown import Parser, Rendered, render

if TYPE_CHECKING:
    from briefgen.actors import Registry
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
    sources, _, problems = find_all(config)
    return sources, problems


def find_all(config: Config) -> tuple[list[Source], list[Source], list[Problem]]:
    """Every `.md` file under content/, and every other file (but the actor registry),
    each sorted; hidden files and folders are skipped."""
    content = config.content_dir
    if not content.is_dir():
        return [], [], [Problem(config.rel(content), None, "content folder not found")]
    found: list[Source] = []
    others: list[Source] = []
    problems: list[Problem] = []
    registry = os.path.join(content, ACTORS_FILE)
    for folder, dirs, files in os.walk(content):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [d for d in dirs if (base / d).is_symlink()]:
            problems += _check_link(base / name, config)
            dirs.remove(name)
        shown = config.rel(base)  # once per folder: 10,000 files make this loop count
        links = {e.name for e in os.scandir(folder) if e.is_symlink()} if files else set()  # the file type is in the listing
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = f"{folder}/{name}"  # a string: a Path made for each of 10,000 files is a fifth of this
            if not name.endswith(".md"):
                if path != registry and name not in links:  # a linked file could be anyone's: never copied
                    with contextlib.suppress(OSError):  # gone since the folder was listed
                        st = os.stat(path)
                        others.append(Source(path, f"{shown}/{name}", st.st_size, st.st_mtime_ns))
                continue
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
    return found, others, problems


def _check_link(path: Path, config: Config, root: Path | None = None, name: str = "content") -> list[Problem]:
    """A symlink may point within its folder (content/, or `root` called `name`) only;
    anything else could leak private files."""
    root = config.content_dir if root is None else root
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a loop
        return [Problem(config.rel(path), None, "symbolic link loops back on itself; refusing to follow it")]
    if target.is_relative_to(root) and not path.is_dir():
        return []
    where = f"outside the {name} folder" if not target.is_relative_to(root) else "to a folder"
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


@dataclass(frozen=True, slots=True)
class Read:
    """Every file found, with what was had without parsing: cached parses, and the bytes
    of the files left `todo`. Enough for the no-change check, and for `finish`."""

    registry: "Registry"
    sources: list[Source]
    problems: list[Problem]
    inputs: str
    """A hash of every input file's content and the day: equal inputs make an equal site."""
    today: dt.date
    """The day the build runs, read once so the model and the input hash agree at midnight."""
    found: dict[str, LoadedDoc] = field(default_factory=dict)
    """Parses from the cache, and files that could not be read, by path."""
    others: list[Source] = field(default_factory=list)
    """content/'s files that are not dispatches (pictures a dispatch may show)."""
    todo: list[tuple[str, bytes]] = field(default_factory=list)
    """(path, bytes) of every file still to parse."""
    complete: bool = True
    """False when only the stamps were read, since they showed the files unchanged."""
    docs_cache: "DocCache | None" = None
    started_ns: int = 0
    racy: bool = False
    """A file changed too soon after the stamps were taken to trust them: stamp again."""
    editions: tuple[tuple[str, bytes], ...] = ()
    """(path, bytes) of every edition file: few and small, so read whole every build."""


def find_editions(config: Config) -> tuple[tuple[tuple[str, bytes], ...], list[Problem]]:
    """Every `.md` file under editions/ with its bytes, sorted; hidden files and folders
    are skipped, and a missing folder is a site without editions."""
    folder = config.editions_dir
    if not folder.is_dir():
        return (), []
    found: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for path in sorted(folder.rglob("*.md")):
        rel_parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in rel_parts) or not path.is_file():
            continue
        rel = config.rel(path)
        if path.resolve() != path.absolute():  # a link, or a file under a linked folder
            linked = _check_link(path, config, folder.resolve(), "editions")
            if linked:
                problems += linked
                continue
        if path.stat().st_size > MAX_BYTES:
            problems.append(Problem(rel, None, f"file is over {MAX_BYTES // 2**20} MB; editions that large are refused"))
            continue
        try:
            found.append((rel, path.read_bytes()))
        except OSError as exc:
            problems.append(Problem(rel, None, f"cannot be read: {exc.strerror}"))
    return tuple(found), problems


def read_site(
    config: Config, drafts: bool, registry: "Registry", problems: list[Problem],
    docs_cache: "DocCache | None" = None, unchanged_since: str | None = None, editions: bool = True,
) -> Read:
    """Find and read every dispatch file; take each parse the cache has (an unchanged
    file, by size and mtime, is not even read; a changed one is found by content hash).

    `unchanged_since` is the inputs hash of the last build: when the files' stamps show
    the same inputs, nothing more is read and the Read returned is not `complete`.
    Without `editions`, the editions folder is not read: the site is its dispatches alone."""
    sources, others, found_problems = find_all(config)
    editions, edition_problems = find_editions(config) if editions else ((), [])
    problems = [*problems, *found_problems, *edition_problems]
    edition_files = [(rel, content_digest(data), ()) for rel, data in editions]
    today = dt.datetime.now(config.tz).date()
    if docs_cache is not None and unchanged_since is not None and not problems:
        known = [(s.rel, docs_cache.known_digest(s), ()) for s in sources]
        if all(digest for _, digest, _ in known) and inputs_hash(registry, drafts, today, known + edition_files, others) == unchanged_since:
            return Read(registry, sources, problems, unchanged_since, today, others=others, complete=False, docs_cache=docs_cache, editions=editions)
    started = time.time_ns()
    found: dict[str, LoadedDoc] = {}
    todo: list[tuple[str, bytes]] = []
    files: list[tuple[str, str, tuple]] = []
    racy = False
    # With no parse kept (a first build), looking one up is pointless. (`entries` reads
    # the cache's parses, which a changed file needs anyway.)
    with_parses = docs_cache if docs_cache is not None and docs_cache.entries else None
    for source in sources:
        known_digest = docs_cache.known_digest(source) if docs_cache else None
        doc = with_parses.get(source, known_digest) if with_parses and known_digest else None
        if doc is None:
            racy = racy or bool(docs_cache and source.rel in docs_cache.stamps and known_digest is None)
            data = read_source(source)
            if isinstance(data, LoadedDoc):
                doc = data
            else:
                digest = content_digest(data)
                doc = with_parses.get(source, digest) if with_parses else None
                if doc is None:
                    todo.append((source.rel, data))
                    files.append((source.rel, digest, ()))
                    continue
        found[source.rel] = doc
        files.append((source.rel, doc.digest, doc.problems))
    inputs = inputs_hash(registry, drafts, today, files + edition_files, others)
    return Read(registry, sources, problems, inputs, today, found, others, todo, docs_cache=docs_cache, started_ns=started, racy=racy, editions=editions)


def inputs_hash(registry: "Registry", drafts: bool, today: dt.date, files: list[tuple[str, str, tuple]], others: list[Source]) -> str:
    """Every dispatch file (path, content hash, problems reading it), content/'s other
    files (path, size, time), the registry and the day. A file's parse problems follow
    from its content, so its hash stands for them."""
    stats = [(s.rel, s.size, s.mtime_ns) for s in others]
    return hashlib.blake2b(repr((registry.digest, drafts, today, files, stats)).encode(), digest_size=16).hexdigest()


def finish(read: Read, parsed: Sequence[LoadedDoc]) -> list[LoadedDoc]:
    """Every file's parse in order, once the `todo` files are `parsed`; the new parses and
    every file's stamp go to the cache (saved later, with what the model adds)."""
    docs = {**read.found, **{doc.rel: doc for doc in parsed}}
    if read.docs_cache is not None:
        read.docs_cache.put_later([doc for doc in parsed if not doc.problems])
        digests = {rel: doc.digest for rel, doc in docs.items() if doc.digest and not doc.problems}
        read.docs_cache.stamp(read.sources, digests, read.started_ns, force=read.racy)
    return [docs[s.rel] for s in read.sources]


PARSE_PER_WORKER = 50
"""Below this many files per process, forking costs more than it saves. (At 200 a cold
build of 200 dispatches ran in one process: 0.82 s, against 0.54 s in two.)"""


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
        return render(parser, body, body_line)
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
