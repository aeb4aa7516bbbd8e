"""The build, top to bottom: read → model → link → render → write.

The stages are modules that know nothing of each other's work or of processes; this
module calls them in order and is the one place that overlaps them on free cores:
while other processes parse files, this one compiles the templates and models the site
from front matter; while they render pages, it fingerprints the views for the record
and saves the parses.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from briefgen import bodylinks, modelling, parallel, plan, read, render, reuse, write
from briefgen.actors import Registry, load_registry, parse_registry
from briefgen.cache import DocCache, code_fingerprint, load_pages
from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
from briefgen.lock import build_lock
from briefgen.markdown import ActorLinks, Parser, make_parser
from briefgen.modelling import Loaded
from briefgen.read import LoadedDoc, Read
from briefgen.reuse import FILE_KEY, MARKER_KEY, STATIC_KEY
from briefgen.session import Session
from briefgen.urls import Urls

INPUTS_KEY = "\0inputs"
READ_KEY = "\0read"
"""The inputs hash of the dispatch files alone, which their stamps can confirm unread."""
COUNTS_KEY = "\0counts"
EARLY_LIMIT = 10
"""At most this many changed dispatches are given to `BuildOptions.early`."""

Progress = Callable[[str, int, int], None]
"""(stage, done, total): told while a long build runs, for a terminal to show."""


@dataclass(frozen=True, slots=True)
class BuildOptions:
    drafts: bool = False
    output: Path | None = None
    cache: bool = True
    """Use and update `.briefgen-cache/`; False builds everything from scratch."""
    progress: Progress | None = None
    session: Session | None = None
    """What this process kept from its last build of the project (serve's rebuilds)."""
    early: Callable[[dict[str, bytes]], None] | None = None
    """Given the pages of the dispatches whose files changed since the session's last build
    (output path → bytes) as soon as they are rendered, before the rest of the site: a
    preview serves the page being edited at once. Not called for larger batches."""
    one_off: bool = False
    """The output is thrown away once read (deploy's): parses and templates still come from
    the cache, but no record or spare is kept for it."""

    @property
    def keeps_output(self) -> bool:
        """Whether the output's record and spare are used and kept for its next build."""
        return self.cache and not self.one_off


@dataclass(frozen=True, slots=True)
class BuildResult:
    dispatches: int
    actors: int
    files: int
    seconds: float
    output: Path
    stages: dict[str, float] = field(default_factory=dict)
    parsed: int = 0
    """Dispatch files parsed and rendered from Markdown; the rest came from the cache."""
    cached: int = 0
    rendered: int = 0
    """HTML pages rendered; the rest were unchanged and taken from the previous output."""
    reused: int = 0
    held: tuple = field(default=(), repr=False, compare=False)
    """What the build made, kept alive by the result: `briefgen build` ends the program
    while it holds the result, and so never frees it object by object."""

    def summary(self) -> str:
        return (
            f"built {_count(self.dispatches, 'dispatch', 'dispatches')}, {_count(self.actors, 'actor', 'actors')}, "
            f"{_count(self.files, 'file', 'files')} in {self.seconds:.2f} s → {self.output}"
        )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def load_site(config: Config, drafts: bool = False, editions: bool = True) -> Loaded:
    """Read, validate and link the whole site; raise every problem of the run together.
    Without `editions`, its dispatches alone (an edition being written may be unfinished)."""
    registry, problems = _registry(config, None)
    links = _actor_links(config, registry)
    found = read.read_site(config, drafts, registry, problems, editions=editions)
    loaded, _, _ = _parse_and_model(config, found, make_parser(links, config.base_path), None, BuildOptions(drafts=drafts, cache=False))
    return loaded


def build(config: Config, options: BuildOptions = BuildOptions()) -> BuildResult:
    """Build the site into a folder beside the output and swap it in; on any problem,
    change nothing. Only what the record of the folder or of the current output does not
    show unchanged (`reads.Freshness`) is made, so a rebuild renders what changed."""
    with _collector_paused():
        return _build(config, options)


def _build(config: Config, options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    output = (options.output or config.output_dir).resolve()
    previous = _record_of(config, output, options)
    write.check_output(config, output, recorded=bool(previous))
    templates = plan.Templates.of(config, options.cache)
    registry, problems = _registry(config, options.session)
    links = _actor_links(config, registry)
    docs_cache = _docs_cache(config, links, options.session) if options.cache else None
    last = previous.get(READ_KEY)
    found = read.read_site(config, options.drafts, registry, problems, docs_cache, last if isinstance(last, str) else None)
    inputs = _inputs(config, found)
    unchanged = _unchanged(options, output, inputs, found, previous)
    if unchanged is not None:
        if found.complete and not found.todo:
            read.finish(found, [])
        _save_parses(docs_cache, options.session)  # the stamps of files touched but not changed
        with build_lock(config):
            write.clean_stale(output, write.trash_for(config.cache_dir, output))  # a killed build's leftovers go
        return dataclasses.replace(unchanged, seconds=time.perf_counter() - started, held=(found, previous))
    if not found.complete:  # the files are as they were, but config, templates or static/ are not
        found = read.read_site(config, options.drafts, registry, problems, docs_cache)
    if options.progress:
        options.progress("reading", 0, len(found.sources))
    try:
        loaded, docs, parsed = _parse_and_model(config, found, make_parser(links, config.base_path), templates, options)
    except BaseException:
        _save_parses(docs_cache, options.session)  # fixing one file then re-reads only that file
        raise
    stages = {"read+link": time.perf_counter() - started}

    @functools.cache  # once: while other processes render, or when the build ends or fails
    def save() -> None:
        modelling.remember(config, loaded, found, parsed)
        _save_parses(docs_cache, options.session)

    try:
        work = plan.work(config, loaded.site, templates, options.session)
        beside = {doc.rel: doc for doc in docs}
        copies, problems = bodylinks.files_beside(work.site.dispatches, beside, found.others, Urls.of(config), config.rel(config.content_dir))
        if problems:
            raise ContentErrors(problems)
        if options.early is not None and 0 < len(loaded.changed) <= EARLY_LIMIT:
            _give_early(options.early, work, config, loaded.changed)
        stages["digest"] = time.perf_counter() - started - stages["read+link"]
        record = {INPUTS_KEY: inputs, READ_KEY: found.inputs}
        with build_lock(config):  # a concurrent build must not clean or swap under this one
            count, made = _write(config, options, output, previous, work, record, save, copies, beside)
    finally:
        save()  # the parses are kept even when rendering fails
    if options.keeps_output:
        reuse.spare_ahead(config, output, count)
    seconds = time.perf_counter() - started
    stages["render+write"] = seconds - sum(stages.values())
    return BuildResult(
        len(loaded.site.dispatches), len(loaded.site.actors), count, seconds, output, stages,
        parsed=loaded.parsed, cached=loaded.cached, rendered=len(made.pages), reused=made.reused_pages,
        held=(loaded, work, made, previous, templates),
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one build. The model is a few hundred
    thousand objects that each collection walks again (a quarter of a one-edit build's
    time at 10,000 dispatches), and a build makes no reference cycles per file or page
    (a test keeps it so): reference counting frees what it drops."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _record_of(config: Config, output: Path, options: BuildOptions) -> dict:
    """The record of the site in `output`, if this build may use it and it is that site's."""
    previous = load_pages(config.cache_dir, code_fingerprint(), output) if options.keeps_output else {}
    return previous if previous.get(MARKER_KEY) == reuse.folder_id(output) else {}


def _registry(config: Config, session: Session | None) -> tuple[Registry, list[Problem]]:
    """The actor registry; a session parses it again only when its bytes change."""
    path, rel = config.content_dir / read.ACTORS_FILE, config.rel(config.content_dir / read.ACTORS_FILE)
    try:
        data = path.read_bytes() if session is not None else None
    except OSError:
        data = None  # missing or unreadable: load_registry says which, every time
    if session is None or data is None:
        return load_registry(path, rel)
    registry, problems = session.value("registry", (rel, data), lambda: parse_registry(data, rel))
    return registry, list(problems)  # the caller adds to its list


def _actor_links(config: Config, registry: Registry) -> ActorLinks | None:
    """The names the Markdown links to their actors' pages, if the site asks for it."""
    if not config.autolink_actors:
        return None
    urls = Urls.of(config)
    return ActorLinks({phrase: (aid, urls.href("actor", aid)) for phrase, aid in registry.phrases().items()})


def _docs_cache(config: Config, links: ActorLinks | None, session: Session | None) -> DocCache:
    """The parse cache, keyed by what a parse depends on beyond the file: briefgen's code,
    the autolinked names and base_url's path. A session keeps it in memory between builds."""
    phrases = sorted(links.phrases.items()) if links else None
    key = hashlib.blake2b(repr((code_fingerprint(), phrases, config.base_path)).encode(), digest_size=16).hexdigest()
    if session is not None and session.docs is not None and session.docs.key == key:
        return session.docs
    docs_cache = DocCache.open(config.cache_dir, key)
    if session is not None:
        docs_cache.keep_docs_between_builds()
        session.docs = docs_cache
    return docs_cache


def _save_parses(docs_cache: DocCache | None, session: Session | None) -> None:
    """Save the parse cache with what this build added to it; a session keeps it in memory instead."""
    if docs_cache is not None:
        docs_cache.save(write=session is None)


def _parse_and_model(
    config: Config, found: Read, parser: Parser, templates: plan.Templates | None, options: BuildOptions,
) -> tuple[Loaded, list[LoadedDoc], list[LoadedDoc]]:
    """The linked site, every file's parse, and the files parsed for it. Parsing is shared out over processes
    when there is enough; meanwhile this process compiles the templates and, without a
    session, models the site from the files' front matter while the others render the
    bodies (a cold build of 10,000 dispatches models in that time)."""
    todo, drafts, cache = found.todo, options.drafts, options.cache
    workers = parallel.worker_count(len(todo), read.PARSE_PER_WORKER)
    prepare = templates.prepare if templates is not None else None
    if workers == 1 or options.session is not None:
        parse = lambda part: [read.parse_bytes(rel, data, parser) for rel, data in part]  # noqa: E731
        parsed = [doc for part in parallel.fork_map(parse, todo, workers, prepare) for doc in part]
        docs = read.finish(found, parsed)
        return modelling.model_site(config, found, docs, drafts, cache, options.session), docs, parsed
    shared = parallel.Shared(lambda part: [read.body_of(rel, data, parser) for rel, data in part], todo, workers)

    def fronts_first() -> tuple[dict[str, LoadedDoc], Loaded | None]:
        if prepare is not None:
            prepare()
        fronts = {rel: read.front_of(rel, data) for rel, data in todo}
        every = [found.found.get(s.rel) or fronts[s.rel] for s in found.sources]
        return fronts, modelling.model_fronts(config, found, every, drafts, cache)

    fronts, ahead = shared.alongside(fronts_first)
    bodies = shared.finish()
    parsed = [read.joined(fronts[rel], body) for chunk, done in zip(shared.chunks, bodies, strict=True)
              for (rel, _), body in zip(chunk, done, strict=True)]
    docs = read.finish(found, parsed)
    if ahead is None or any(doc.problems for doc in docs):
        return modelling.model_site(config, found, docs, drafts, cache), docs, parsed
    return modelling.with_bodies(ahead, docs), docs, parsed


def _give_early(early: Callable[[dict[str, bytes]], None], work: plan.Work, config: Config, changed: Iterable[str]) -> None:
    """Render the pages of these dispatches now, for `early`; if one fails, none is given,
    and rendering them again with all the others reports every failing template at once."""
    urls = Urls.of(config)
    wanted = {urls.path("dispatch", slug) for slug in changed}
    try:
        pages = {Urls.output(s.path): render.render_page(work.env, s, config) for s in work.specs if s.path in wanted}
    except ContentErrors:
        return
    early(pages)


def _write(
    config: Config, options: BuildOptions, output: Path, previous: dict, work: plan.Work, inputs: dict[str, str],
    aside: Callable[[], None], copies: list[bodylinks.Copy], docs: dict[str, LoadedDoc],
) -> tuple[int, reuse.Plan]:
    """Fill the spare (or a fresh folder), make what changed, copy the static files and
    those beside dispatches (`copies`), check every body's links against the whole site,
    record it, swap it in; return how many files the site has and what was made. The
    caller holds the build lock. `aside` is work of the build's own that no page waits
    for: done while other processes render, when they do."""
    write.clean_stale(output, write.trash_for(config.cache_dir, output))
    reuse.clear_unfinished(config, output)
    folder: Path | None = None
    try:
        folder, have = reuse.open_spare(config, output) if options.keeps_output else (reuse.fresh(output), {})
        static = write.static_files(config) + copies
        if previous or have:  # the records say what can be reused
            made = reuse.fill(folder, have, output, previous, work.specs, work.freshness().unchanged, work.jobs, [rel for _, rel in static])
            meanwhile = None
        else:  # nothing to reuse: every page is made, and what the record needs, meanwhile
            made = reuse.Plan(list(work.specs), list(work.jobs), {}, 0, 0, {}, {})
            meanwhile = lambda: (work.freshness() if options.keeps_output else None, aside())  # noqa: E731
        items = [*made.jobs, *made.pages]  # feeds and the search index first: none is left to the end
        workers = parallel.worker_count(len(items), render.RENDER_PER_WORKER)
        renderer = render.Renderer(work.env, config, _writer(folder, options.progress, len(made.pages), workers))
        rendered = render.gathered(parallel.fork_map(renderer, items, workers, meanwhile))
        write.copy_static(static, folder)
        problems = bodylinks.broken(work.site.dispatches, docs, Urls.of(config), folder)
        problems += bodylinks.broken_in_editions(work.site.editions, Urls.of(config), folder)
        if problems:
            raise ContentErrors(problems)
        count = rendered.written + made.reused_pages + made.reused_files
        record = None
        if options.keeps_output:  # what the next build needs to reuse this one's pages and files
            fresh = work.freshness()
            entries = {**made.entries, **made.kept, **{rel: (fresh.views[rel], keys) for rel, keys in rendered.reads.items()}}
            for name, keys in rendered.job_reads.items():
                entries[FILE_KEY + name] = (fresh.views[FILE_KEY + name], keys, tuple(rendered.made[name]))
            counts = {COUNTS_KEY: (len(work.site.dispatches), len(work.site.actors), count), **inputs}
            record = {**fresh.record(entries, rendered.shared, made.origins), STATIC_KEY: tuple(rel for _, rel in static), **counts}
        if record is not None:
            reuse.mark(config, output, folder, record)
        old = write.swap_in(folder, output)
    except OSError as exc:
        reuse.drop(config, output, folder)
        raise ContentErrors([Problem(config.rel(output), None, f"cannot write the site: {exc.strerror or exc}")]) from None
    except BaseException:
        reuse.drop(config, output, folder)
        raise
    reuse.keep_spare(config, output, old, previous if options.keeps_output else {})
    return count, made


def _writer(staging: Path, progress: Progress | None, total: int, workers: int) -> Callable[[Iterable[tuple[str, bytes]]], int]:
    """The sink each rendering process writes its pages with; the first one reports progress."""
    parent = os.getpid()
    done = 0

    def counted(files: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        nonlocal done
        for item in files:
            done += 1
            if done % 200 == 0 and progress and os.getpid() == parent:
                progress("rendering", min(total, done * workers), total)
            yield item

    return lambda files: write.write_files(staging, counted(files))


def _inputs(config: Config, found: Read) -> str:
    """Everything the output is made of: files read, code, config, templates, static/."""
    h = hashlib.blake2b(repr((found.inputs, plan.code_and_config(config))).encode(), digest_size=16)
    if config.templates_dir.is_dir():
        for path in sorted(p for p in config.templates_dir.rglob("*") if p.is_file()):
            h.update(path.relative_to(config.templates_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    if config.static_dir.is_dir():
        for path in sorted(config.static_dir.rglob("*")):
            st = path.stat()
            h.update(repr((path.relative_to(config.static_dir).as_posix(), st.st_size, st.st_mtime_ns)).encode())
    return h.hexdigest()


def _unchanged(options: BuildOptions, output: Path, inputs: str, found: Read, record: dict) -> BuildResult | None:
    """The result of the last build into `output` when nothing it was made from changed:
    its files are already what this build would write, so none is touched."""
    if not options.cache or found.problems or any(d.problems for d in found.found.values()):
        return None
    counts = record.get(COUNTS_KEY)
    if record.get(INPUTS_KEY) != inputs or not isinstance(counts, tuple):
        return None
    dispatches, actors, files = counts
    pages = sum(1 for key in record if not key.startswith("\0"))
    parsed = len(found.todo)
    return BuildResult(dispatches, actors, files, 0.0, output, {}, parsed=parsed,
                       cached=len(found.sources) - parsed, rendered=0, reused=pages)
