"""`briefgen build`: read → model → link → render → write, and nothing else.

`load_site` (the first three stages) is shared with `check`; `build` is shared
with `serve` and `deploy`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import jinja2

from briefgen import feeds, pages, parallel, related, render, reuse, write
from briefgen.actors import Registry, load_registry, parse_registry, resolve
from briefgen.cache import DocCache, code_fingerprint, load_pages, related_memo
from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
from briefgen.fields import PENDING, to_dispatch, with_body
from briefgen.link import link
from briefgen.lock import build_lock
from briefgen.markdown import ActorLinks, make_parser
from briefgen.model import Dispatch, Site
from briefgen.pages import PageSpec
from briefgen.reads import Freshness
from briefgen.read import ACTORS_FILE, LoadedDoc, find_sources, load_all
from briefgen.reuse import FILE_KEY, MARKER_KEY, STATIC_KEY
from briefgen.session import Session
from briefgen.urls import Urls

INPUTS_KEY = "\0inputs"
READ_KEY = "\0read"
"""The inputs hash of the dispatch files alone, which their stamps can confirm unread."""
COUNTS_KEY = "\0counts"


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
    the cache, but no record or spare is kept for it. Kept, they would only crowd out
    those of the sites that are built again (the cache keeps a few outputs' records)."""

    @property
    def keeps_output(self) -> bool:
        """Whether the output's record and spare are used and kept for its next build."""
        return self.cache and not self.one_off


@dataclass(frozen=True, slots=True)
class Loaded:
    """The linked site, plus what `check` reports beyond hard errors."""

    site: Site
    registry: Registry
    warnings: tuple[Problem, ...] = ()
    parsed: int = 0
    cached: int = 0
    changed: tuple[str, ...] = ()
    """Slugs of the dispatches whose files changed since the session's last build, even
    one that failed (none on its first, or without a session)."""


EARLY_LIMIT = 10
"""At most this many changed dispatches are given to `BuildOptions.early`."""


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
    """What the build made (the model, the parses, the record of what pages read), kept alive by the
    result: `briefgen build` ends the program while it holds the result, and so never
    frees them object by object (0.17 s of a 1.8 s one-edit build at 10,000 dispatches,
    3 s of a cold build at 100,000). Anything else frees them with the result."""

    def summary(self) -> str:
        return (
            f"built {_count(self.dispatches, 'dispatch', 'dispatches')}, {_count(self.actors, 'actor', 'actors')}, "
            f"{_count(self.files, 'file', 'files')} in {self.seconds:.2f} s → {self.output}"
        )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def actor_links(registry: Registry, urls: Urls) -> ActorLinks:
    return ActorLinks({phrase: (aid, urls.href("actor", aid)) for phrase, aid in registry.phrases().items()})


@dataclass(frozen=True, slots=True)
class Read:
    """Every file read and parsed, before any validation: what the no-change check needs."""

    registry: Registry
    docs: list[LoadedDoc]
    problems: list[Problem]
    parsed: int
    inputs: str
    """A hash of every input file's content and the day: equal inputs make an equal site."""
    today: dt.date
    """The day the build runs, read once so the model and the input hash agree at midnight."""
    complete: bool = True
    """False when only the stamps were read, since they showed the files unchanged (`docs` is empty)."""
    files: int = 0
    docs_cache: DocCache | None = None
    """The parses, to be saved once the model has added the validated dispatches."""
    ahead: "Ahead | None" = None
    """The site modelled from the files' front matter while their bodies were rendered
    (`model_ahead`), or None when that failed or did not pay."""


def read_site(
    config: Config, drafts: bool = False, cache: bool = False, progress: Progress | None = None,
    session: Session | None = None, unchanged_since: str | None = None, meanwhile: Callable[[], None] | None = None,
    model_ahead: bool = False,
) -> Read:
    """Read and parse every file. With `cache`, parses come from and go to `.briefgen-cache/`
    (`model_site` validates dispatches into them, and it or its caller saves them).

    `unchanged_since` is the inputs hash of the last build: when the files' stamps show the
    same inputs, nothing more is read and the Read returned is not `complete`. `meanwhile`
    runs while other processes parse files, if any do; then, with `model_ahead` (and no
    session), this process models the site from the files' front matter while the others
    render their bodies (`Read.ahead`)."""
    registry, problems = _registry(config, session)
    sources, found = find_sources(config)
    problems += found
    links = actor_links(registry, Urls.of(config)) if config.autolink_actors else None
    docs_cache = _docs_cache(config, _docs_key(links), session) if cache else None
    if docs_cache is not None and session is not None:
        docs_cache.keep_docs_between_builds()
    today = dt.datetime.now(config.tz).date()
    if docs_cache is not None and unchanged_since is not None and not problems:
        known = [(s.rel, docs_cache.known_digest(s), ()) for s in sources]
        if all(digest for _, digest, _ in known) and _inputs_hash(registry, drafts, today, known) == unchanged_since:
            return Read(registry, [], problems, 0, unchanged_since, today, complete=False, files=len(sources))
    if progress:
        progress("reading", 0, len(sources))
    model = None
    if model_ahead and session is None:
        model = lambda docs: _model_ahead(config, Read(registry, docs, list(problems), 0, "", today), drafts, cache)  # noqa: E731
    docs, parsed, ahead = load_all(sources, make_parser(links), docs_cache, meanwhile, model)
    if docs_cache and session is not None:
        session.docs = docs_cache
    inputs = _inputs_hash(registry, drafts, today, [(d.rel, d.digest, d.problems) for d in docs])
    return Read(registry, docs, problems, parsed, inputs, today, files=len(docs), docs_cache=docs_cache, ahead=ahead)


def _registry(config: Config, session: Session | None) -> tuple[Registry, list[Problem]]:
    """The actor registry; a session parses it again only when its bytes change."""
    path, rel = config.content_dir / ACTORS_FILE, config.rel(config.content_dir / ACTORS_FILE)
    try:
        data = path.read_bytes() if session is not None else None
    except OSError:
        data = None  # missing or unreadable: load_registry says which, every time
    if session is None or data is None:
        return load_registry(path, rel)
    registry, problems = session.value("registry", (rel, data), lambda: parse_registry(data, rel))
    return registry, list(problems)  # the caller adds to its list


def _inputs_hash(registry: Registry, drafts: bool, today: dt.date, files: list[tuple[str, str, tuple]]) -> str:
    """Every dispatch file (path, content hash, problems), the registry and the day."""
    return hashlib.blake2b(repr((registry.digest, drafts, today, files)).encode(), digest_size=16).hexdigest()


def _docs_cache(config: Config, key: str, session: Session | None) -> DocCache:
    if session is not None and session.docs is not None and session.docs.key == key:
        return session.docs
    return DocCache.open(config.cache_dir, key)


def model_site(
    config: Config, read: Read, drafts: bool = False, cache: bool = False, session: Session | None = None, save: bool = True,
) -> Loaded:
    """Validate and link what was read; raise every problem of the run together. With
    `cache`, related dispatches are remembered in `.briefgen-cache/` between builds, and
    validated dispatches beside the parses (saved here when there are problems, so fixing
    one file re-reads only that file, and otherwise unless `save` is False: then the caller
    saves them with `_save_parses`); a session also keeps them in memory."""
    try:
        ahead = read.ahead
        if ahead is not None and (ahead.drafts, ahead.cache, session) == (drafts, cache, None) and not any(d.problems for d in read.docs):
            loaded = _with_bodies(config, ahead, read)
        else:
            loaded, _ = _model_site(config, read, drafts, cache, session)
    except BaseException:
        _save_parses(read.docs_cache, session)
        raise
    if save:
        _save_parses(read.docs_cache, session)
    return loaded


def _save_parses(docs_cache: DocCache | None, session: Session | None) -> None:
    """Save the parse cache with what this build added to it; a session keeps it in memory instead."""
    if docs_cache is not None:
        docs_cache.save(write=session is None)


@dataclass(frozen=True, slots=True)
class Ahead:
    """The site modelled from front matter alone, while the bodies were being rendered."""

    loaded: Loaded
    validated: Mapping[str, Dispatch]
    """Each file's dispatch as validated (actors as written, body pending), by path."""
    drafts: bool
    cache: bool


def _model_ahead(config: Config, read: Read, drafts: bool, cache: bool) -> Ahead | None:
    """The site modelled from front matter alone, the bodies still being rendered:
    nothing the model links or indexes depends on a body (`_with_bodies` adds them).
    None when the front matter has problems. `model_site` makes the model again from
    whole files when any file has one, even in a body, so every problem is reported as a
    build without this step reports it."""
    docs = [doc if doc.body is not None or doc.problems else LoadedDoc(doc.rel, doc.digest, doc.front, PENDING) for doc in read.docs]
    try:
        loaded, validated = _model_site(config, dataclasses.replace(read, docs=docs), drafts, cache, None, fork=False)
    except ContentErrors:
        return None
    return Ahead(loaded, validated, drafts, cache)


def _with_bodies(config: Config, ahead: Ahead, read: Read) -> Loaded:
    """The site modelled ahead, with each dispatch given its rendered body; each file's
    validated dispatch joins its parse in the cache, as `_validate` does, when the cache
    is saved (while other processes render, in a cold build)."""
    bodies = {doc.rel: doc.body for doc in read.docs if doc.body is not None}
    before = ahead.loaded.site
    whole = {d.slug: with_body(d, bodies[d.path]) for d in before.dispatches}
    site = dataclasses.replace(
        before, dispatches=tuple(whole[d.slug] for d in before.dispatches),
        by_slug=MappingProxyType({slug: whole[slug] for slug in before.by_slug}),
    )
    docs_cache = read.docs_cache
    if docs_cache is not None:
        tag = _validation_tag(config, read.registry)
        docs_cache.before_save.append(lambda: _remember(docs_cache, tag, ahead.validated, read.docs))
    return dataclasses.replace(ahead.loaded, site=site, parsed=read.parsed, cached=read.files - read.parsed)


def _remember(docs_cache: DocCache, tag: str, validated: Mapping[str, Dispatch], docs: list[LoadedDoc]) -> None:
    """Keep each file's validated dispatch, given its body, beside its parse, unless it is
    there already: what `_validate` does for a file validated whole."""
    for doc in docs:
        dispatch = validated.get(doc.rel)
        if dispatch is not None and doc.body is not None and not docs_cache.knows(doc, tag):
            docs_cache.remember(doc, tag, with_body(dispatch, doc.body))


def _model_site(
    config: Config, read: Read, drafts: bool, cache: bool, session: Session | None, fork: bool = True,
) -> tuple[Loaded, dict[str, Dispatch]]:
    """The linked site, and each file's validated dispatch (actors as written) by path.
    Related dispatches are scored in forked processes too, unless `fork` is False."""
    problems = list(read.problems)
    dispatches = []
    known = session.dispatches if session is not None else {}
    validated = {}
    by_path: dict[str, Dispatch] = {}
    changed = []
    tag = _validation_tag(config, read.registry)
    for doc in read.docs:
        if not drafts and doc.front is not None and doc.front.data.get("draft") is True:
            continue  # an excluded draft may be unfinished; `build --drafts` checks it
        key = (doc.rel, doc.digest, doc.problems, str(config.tz), read.registry.digest)
        before = known.get(key)
        dispatch, found = validated[key] = before or _validate(doc, config, read, tag)
        problems += found
        if dispatch is not None and (drafts or not dispatch.draft):
            dispatches.append(dispatch)
            by_path[doc.rel] = dispatch
            if known and before is None:
                changed.append(dispatch.slug)
    if session is not None:
        session.dispatches = validated  # only this build's: the memo never outgrows the site
    resolved, actors = resolve(dispatches, read.registry, session.resolved if session is not None else None)
    if cache:
        remembered = session.value if session is not None else None
        scored = related_memo(config.cache_dir, code_fingerprint(), remembered, fork)
    else:
        scored = functools.partial(related.compute, fork=fork)
    site, found = link(resolved, actors, config.related_limit, read.today, scored, taxonomies=config.taxonomies)
    problems += found
    if problems:
        raise ContentErrors(problems)
    loaded = Loaded(site, read.registry, parsed=read.parsed, cached=read.files - read.parsed, changed=tuple(changed))
    return loaded, by_path


def _validation_tag(config: Config, registry: Registry) -> str:
    """What validating a file reads beyond its bytes (the time zone and the registry): a
    validated dispatch is kept in the cache under it."""
    return f"{config.tz}\0{registry.digest}"


def _validate(doc: LoadedDoc, config: Config, read: Read, tag: str) -> tuple[Dispatch | None, list[Problem]]:
    """`to_dispatch`, or what it made of the same file before, from the cache."""
    docs_cache = read.docs_cache
    if docs_cache is not None and not doc.problems:
        dispatch = docs_cache.validated(doc, tag)
        if dispatch is not None:
            return dispatch, []
    dispatch, found = to_dispatch(doc, config.tz, read.registry.digest)
    if docs_cache is not None and dispatch is not None and not found:
        docs_cache.remember(doc, tag, dispatch)
    return dispatch, found


def load_site(config: Config, drafts: bool = False, cache: bool = False, progress: Progress | None = None) -> Loaded:
    """Read, validate and link the whole site; raise every problem of the run together."""
    return model_site(config, read_site(config, drafts, cache, progress), drafts)


def _bytecode(config: Config) -> jinja2.BytecodeCache:
    """Compiled templates kept in the cache: Jinja checks each against its source."""
    folder = config.cache_dir / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder))


def _docs_key(links: ActorLinks | None) -> str:
    """What a parse depends on beyond the file: briefgen's code and the autolinked names."""
    phrases = sorted(links.phrases.items()) if links else None
    return hashlib.blake2b(repr((code_fingerprint(), phrases)).encode(), digest_size=16).hexdigest()


def build(config: Config, options: BuildOptions = BuildOptions()) -> BuildResult:
    """Build the site into a folder beside the output and swap it in; on any problem,
    change nothing.

    Only pages and files that the record of the folder or of the current output does not
    show unchanged (`reads.Freshness`) are made, so a rebuild renders what changed."""
    with _collector_paused():
        return _build(config, options)


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


def _build(config: Config, options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    output = (options.output or config.output_dir).resolve()
    write.check_output(config, output)
    stages: dict[str, float] = {}
    previous = load_pages(config.cache_dir, code_fingerprint(), output) if options.keeps_output else {}
    if previous.get(MARKER_KEY) != reuse.marker_id(output):
        previous = {}  # the record of another output, or of a build that never swapped in
    last = previous.get(READ_KEY)
    global_part = _global_part(config)
    templates = _templates(config, options)
    read = read_site(config, options.drafts, options.cache, options.progress, options.session,
                     last if isinstance(last, str) else None, meanwhile=templates.prepare, model_ahead=True)
    inputs = _inputs(config, read, global_part)
    unchanged = _unchanged(options, output, inputs, read, previous)
    if unchanged is not None:
        _save_parses(read.docs_cache, options.session)  # the stamps of files touched but not changed
        with build_lock(config):
            write.clean_stale(output, write.trash_for(config.cache_dir, output))  # a killed build's leftovers go, even when nothing changed
        return dataclasses.replace(unchanged, seconds=time.perf_counter() - started, held=(read, previous))
    if not read.complete:  # the files are as they were, but config, templates or static/ are not
        read = read_site(config, options.drafts, options.cache, options.progress, options.session, meanwhile=templates.prepare, model_ahead=True)
    loaded = model_site(config, read, options.drafts, options.cache, options.session, save=False)
    read_inputs = read.inputs
    save = functools.cache(lambda docs_cache=read.docs_cache: _save_parses(docs_cache, options.session))  # once only
    del read  # the parsed files are not needed past the model
    try:
        stages["read+link"] = time.perf_counter() - started
        work = _work(config, options, loaded.site, templates, loaded.changed)
        stages["digest"] = time.perf_counter() - started - sum(stages.values())
        with build_lock(config):  # a concurrent build must not clean or swap under this one
            count, plan = _write(config, options, output, previous, work, {INPUTS_KEY: inputs, READ_KEY: read_inputs}, save)
    finally:
        save()  # the parses are kept even when rendering fails
    if options.keeps_output:
        reuse.spare_ahead(config, output, count)
    seconds = time.perf_counter() - started
    stages["render+write"] = seconds - sum(stages.values())
    return BuildResult(
        len(loaded.site.dispatches), len(loaded.site.actors), count, seconds, output, stages,
        parsed=loaded.parsed, cached=loaded.cached, rendered=len(plan.pages), reused=plan.reused_pages,
        held=(loaded, work, plan, previous, templates, save),
    )


@dataclass(frozen=True, slots=True)
class Work:
    """Everything the site is made of: its pages and files, with what decides which of
    them a folder already holds."""

    site: Site
    env: render.SiteEnvironment
    specs: list[PageSpec]
    freshness: Callable[[], Freshness]
    """Which pages and files are unchanged: made once when first asked for (in a cold
    build, while other processes render), as it fingerprints every one's view."""
    jobs: list[feeds.FileJob]


@dataclass
class Templates:
    """The build's templates, compiled and checked before the site exists when a core is
    free: while files are parsed."""

    config: Config
    env: render.SiteEnvironment
    problem: Exception | None = None
    prepared: bool = False

    def prepare(self) -> None:
        """Compile every template, once; a problem is kept for `checked` to raise."""
        if not self.prepared:
            self.prepared = True
            try:
                render.check_templates(self.env, self.config)
            except Exception as exc:  # raised where a build reports template problems
                self.problem = exc

    def checked(self) -> render.SiteEnvironment:
        """The environment; raises the templates' problems, if any."""
        self.prepare()
        if self.problem is not None:
            raise self.problem
        return self.env


def _templates(config: Config, options: BuildOptions) -> Templates:
    return Templates(config, render.template_env(config, _bytecode(config) if options.cache else None))


def _work(
    config: Config, options: BuildOptions, site: Site, templates: Templates, changed: Sequence[str] = (),
) -> Work:
    urls = Urls.of(config)
    env = render.add_site(templates.checked(), config, site, urls)
    specs = list(pages.all_pages(site, urls, config.per_page))
    _check_unique(specs)
    if options.early is not None and 0 < len(changed) <= EARLY_LIMIT:
        wanted = {urls.path("dispatch", slug) for slug in changed}
        _give_early(options.early, env, config, [s for s in specs if s.path in wanted])
    session = options.session
    recorder = env.recorder
    assert recorder is not None
    jobs = feeds.jobs(config, urls, site, env.globals["site"], [s.path for s in specs], recorder.derived, session.terms if session else None)
    fixed = _code_and_config(config)
    views = lambda: {  # noqa: E731
        **{Urls.output(s.path): recorder.page_view(fixed, s.path, s.template, context=s.context) for s in specs},
        **{FILE_KEY + j.name: recorder.view((fixed, j.name, j.view)) for j in jobs},
    }
    return Work(site, env, specs, functools.cache(lambda: Freshness(recorder, views())), jobs)


def _give_early(early: Callable[[dict[str, bytes]], None], env: jinja2.Environment, config: Config, specs: list[PageSpec]) -> None:
    """Render these pages now, for `early`; if one fails, none is given, and rendering
    them again with all the others reports every failing template at once."""
    try:
        pages = {Urls.output(s.path): render.render_page(env, s, config) for s in specs}
    except ContentErrors:
        return
    early(pages)


def _write(
    config: Config, options: BuildOptions, output: Path, previous: dict, work: Work, inputs: dict[str, str],
    aside: Callable[[], None] = lambda: None,
) -> tuple[int, reuse.Plan]:
    """Fill the spare (or a fresh folder), make what changed, record it, swap it in; return
    how many files the site has and what was made. The caller holds the build lock.
    `aside` is work of the build's own that no page waits for: done while other
    processes render, when they do (a cold build saves its 10,000 parses then)."""
    write.clean_stale(output, write.trash_for(config.cache_dir, output))
    reuse.clear_unfinished(config, output)
    folder: Path | None = None
    try:
        folder, have = reuse.open_spare(config, output) if options.keeps_output else (reuse.fresh(output), {})
        static = write.static_files(config)
        meanwhile: Callable[[], None] | None = None
        if previous or have:  # the records say what can be reused
            plan = reuse.fill(folder, have, output, previous, work.specs, work.freshness().unchanged, work.jobs, [rel for _, rel in static])
        else:  # nothing to reuse: every page is made, and what the record needs, meanwhile
            plan = reuse.Plan(list(work.specs), list(work.jobs), {}, 0, 0, {}, {})
            def meanwhile() -> None:
                if options.keeps_output:
                    work.freshness()
                aside()
        rendered = render.render_all(work.env, plan.pages, config, _writer(folder, options.progress, len(plan.pages)), plan.jobs, meanwhile)
        write.copy_static(static, folder)
        count = rendered.written + plan.reused_pages + plan.reused_files
        record = None
        if options.keeps_output:  # what the next build needs to reuse this one's pages and files
            fresh = work.freshness()
            entries = {**plan.entries, **plan.kept, **{rel: (fresh.views[rel], keys) for rel, keys in rendered.reads.items()}}
            for name, keys in rendered.job_reads.items():
                entries[FILE_KEY + name] = (fresh.views[FILE_KEY + name], keys, tuple(rendered.made[name]))
            counts = {COUNTS_KEY: (len(work.site.dispatches), len(work.site.actors), count), **inputs}
            record = {**fresh.record(entries, rendered.shared, plan.origins), STATIC_KEY: tuple(rel for _, rel in static), **counts}
        reuse.mark(config, output, folder, record)
        old = write.swap_in(folder, output)
    except OSError as exc:
        reuse.drop(config, output, folder)
        raise ContentErrors([Problem(config.rel(output), None, f"cannot write the site: {exc.strerror or exc}")]) from None
    except BaseException:
        reuse.drop(config, output, folder)
        raise
    reuse.keep_spare(config, output, old, previous if options.keeps_output else {})
    return count, plan


def _inputs(config: Config, read: Read, global_part: str) -> str:
    """Everything the output is made of: files read, code, config, templates, static/."""
    h = hashlib.blake2b(repr((read.inputs, global_part)).encode(), digest_size=16)
    if config.static_dir.is_dir():
        for path in sorted(config.static_dir.rglob("*")):
            st = path.stat()
            h.update(repr((path.relative_to(config.static_dir).as_posix(), st.st_size, st.st_mtime_ns)).encode())
    return h.hexdigest()


def _unchanged(options: BuildOptions, output: Path, inputs: str, read: Read, record: dict) -> BuildResult | None:
    """The result of the last build into `output` when nothing it was made from changed:
    its files are already what this build would write, so none is touched."""
    if not options.cache or read.problems or any(d.problems for d in read.docs):
        return None
    counts = record.get(COUNTS_KEY)
    if record.get(INPUTS_KEY) != inputs or not isinstance(counts, tuple):
        return None
    dispatches, actors, files = counts
    pages = sum(1 for key in record if not key.startswith("\0"))
    return BuildResult(dispatches, actors, files, 0.0, output, {}, parsed=read.parsed,
                       cached=read.files - read.parsed, rendered=0, reused=pages)


def _check_unique(specs: list[PageSpec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.path in seen:
            raise ContentErrors([Problem(Urls.output(spec.path), None, "two pages would be written to this path")])
        seen.add(spec.path)


def _code_and_config(config: Config) -> str:
    """What every page and file depends on: briefgen's code and the site's config."""
    return hashlib.blake2b(repr((code_fingerprint(), config)).encode(), digest_size=16).hexdigest()


def _global_part(config: Config) -> str:
    """What the whole output is made from beyond the content: code, config, the site's templates."""
    h = hashlib.blake2b(_code_and_config(config).encode(), digest_size=16)
    if config.templates_dir.is_dir():
        for path in sorted(p for p in config.templates_dir.rglob("*") if p.is_file()):
            h.update(path.relative_to(config.templates_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _writer(staging: Path, progress: Progress | None, total: int) -> Callable[[Iterable[tuple[str, bytes]]], int]:
    """The sink each rendering process writes its pages with; the first one reports progress."""
    parent = os.getpid()
    workers = parallel.worker_count(total, render.RENDER_PER_WORKER)
    done = 0

    def counted(files: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        nonlocal done
        for item in files:
            done += 1
            if done % 200 == 0 and progress and os.getpid() == parent:
                progress("rendering", min(total, done * workers), total)
            yield item

    return lambda files: write.write_files(staging, counted(files))


def main(args) -> int:
    """The `build` verb: one summary line on success; progress on a terminal."""
    from briefgen.commands import config_for

    config = config_for(args)
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    try:
        result = build(config, BuildOptions(drafts=args.drafts, output=args.output, progress=progress))
    finally:
        if progress:
            progress.clear()
    print(result.summary())
    end = getattr(args, "end", None)
    if end is not None:
        end(0)  # the program ends here, holding the result: what the build made is never freed
    return 0


class TerminalProgress:
    """One line on stderr, rewritten in place, for builds long enough to wonder about."""

    MIN_TOTAL = 500

    def __init__(self, stream) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total >= self.MIN_TOTAL:
            self.stream.write(f"\r\x1b[K{stage} {done}/{total} …" if done else f"\r\x1b[K{stage} {total} …")
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
