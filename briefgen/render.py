"""Stage 4a: Jinja2 pages. The site's templates/ override the package theme file by file.

Template errors become Problems that name the template file and line, so a broken
override is reported like bad content, never as a traceback.
"""

from __future__ import annotations

import functools
import hashlib
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, MutableMapping, NamedTuple, Sequence, TypeVar

import jinja2
from jinja2 import meta, nodes
from markupsafe import Markup

from briefgen import editions
from briefgen.charts import chart_globals
from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
from briefgen.feeds import FileJob
from briefgen.model import Group, Site
from briefgen.pages import PageSpec, facet_title
from briefgen.reads import DERIVED, MISSING, SEP, TEMPLATE, ReadSite, Recorder
from briefgen.urls import Urls

THEME_DIR = Path(__file__).parent / "theme"
R = TypeVar("R")


def template_dirs(config: Config) -> list[Path]:
    """Where templates are looked up, the site's own folder first."""
    dirs = [config.templates_dir] if config.templates_dir.is_dir() else []
    return dirs + [THEME_DIR]


def make_env(config: Config, site: Site, urls: Urls, bytecode: jinja2.BytecodeCache | None = None) -> "SiteEnvironment":
    """One environment per run: url helpers and the site are globals, nothing mutable.
    With `bytecode`, templates compiled by an earlier run are loaded, not compiled."""
    return add_site(template_env(config, bytecode), config, site, urls)


def template_env(config: Config, bytecode: jinja2.BytecodeCache | None = None) -> "SiteEnvironment":
    """The templates alone, without the site: they can be compiled before it exists."""
    env = SiteEnvironment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(config)]),
        bytecode_cache=bytecode,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,
        extensions=["jinja2.ext.do"],
    )
    words = config.catalogue
    env.filters["long_date"] = words.long_date  # each day formatted once per process (i18n)
    env.filters["number"] = words.number
    env.globals.update(
        t=words.markup, catalogue=words, facet_title=lambda facet: facet_title(facet, words),
        edition_title=lambda edition: editions.title(edition, words),
    )
    return env


def add_site(env: "SiteEnvironment", config: Config, site: Site, urls: Urls) -> "SiteEnvironment":
    """Give a template environment the site: url helpers and the read-only model, seen
    through a `ReadSite` that records what each page reads (see `reads`)."""
    recorder = Recorder(site, functools.partial(_source_digest, env))
    seen = ReadSite(recorder)
    env.recorder = recorder
    env.globals.update(
        top_actors=lambda n: recorder.derived("top_actors", lambda: _ranking(seen))[:n],
        recent_threads=lambda n: recorder.derived("recent_threads", lambda: recent_threads(seen))[:n],
        site=seen,
        config=config,
        url=_memo(urls.href),
        absolute=urls.absolute,
        picture=lambda d: urls.picture(d.image, d.slug) if d.image else None,
        dispatch=seen.by_slug.get,
        actor=seen.actors.get,
        edition=seen.edition_by_key.get,
        asset=lambda name: urls.href("asset", name),
        fragment=functools.partial(_fragment, env, recorder),
    )
    env.globals.update(chart_globals(seen, urls, recorder.derived, config.catalogue))
    return env


FRAGMENT_VALUES = (str, int, float, bool, type(None))


def _fragment(env: "SiteEnvironment", recorder: Recorder, name: str, **values: Any) -> Markup:
    """`{{ fragment('_item.html', slug=slug) }}`: the template `name` rendered with these
    values and the globals alone, once per build and process for the same values.

    A fragment cannot see the page that includes it, so its values and what it reads of
    the site (noted on every page showing it) are all it is made from: a listing entry
    shown on many pages is rendered once, and is never another page's entry."""
    for key, value in values.items():
        if not isinstance(value, FRAGMENT_VALUES):
            raise TypeError(f"fragment {name!r}: {key} must be text, a number, true/false or none, not {type(value).__name__}")
    key = ("fragment", name, tuple(sorted(values.items())))

    def make() -> Markup:
        template = env.get_template(name)
        given = frozenset(values)
        if (name, given) not in env.fragments_checked:  # it reads template sources, not the site
            _check_names(env, name, given)
            env.fragments_checked.add((name, given))
        return Markup(template.render(values))

    return recorder.derived(key, make)


def _check_names(env: jinja2.Environment, name: str, given: frozenset[str]) -> None:
    """Refuse a fragment that reads a name it is not given (nor a global): it would render
    it as empty on every page, whatever the page around it holds. Checked in the fragment
    and in what it extends, includes or imports with its context, all of which see only
    its values."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source, filename, _ = env.loader.get_source(env, current) if env.loader else ("", None, None)
        tree = env.parse(source, current, filename)
        for missing in sorted(meta.find_undeclared_variables(tree) - given - env.globals.keys()):
            line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == missing), None)
            raise jinja2.TemplateSyntaxError(
                f"fragment {name!r} reads {missing!r}, which it is not given: pass it, as fragment({name!r}, {missing}=…)",
                line or 1, current, filename,
            )
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            shares = isinstance(node, (nodes.Extends, nodes.Include)) or node.with_context
            if shares and isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
                todo.append(node.template.value)


def _ranking(site: Any) -> list[tuple[str, int]]:
    """Actors by how many dispatches name them, most first; those named by none left out."""
    ranked = sorted(((len(s.dispatches), a) for a, s in site.actor_stats.items()), key=lambda t: (-t[0], t[1]))
    return [(a, count) for count, a in ranked if count]


def _source_digest(env: jinja2.Environment, name: str) -> str:
    """A digest of the template `name` as the environment would load it."""
    try:
        source = env.loader.get_source(env, name)[0] if env.loader else None
    except jinja2.TemplateNotFound:
        source = None
    return MISSING if source is None else hashlib.blake2b(source.encode(), digest_size=16).hexdigest()


class RecordedTemplate(jinja2.Template):
    """A template whose module (what `{% import %}` gives) notes what making it read.

    Jinja makes a template's module once and keeps it for every later import without
    context, so what its top-level code read is noted on the first page only; the
    environment notes it again on every page that loads the template."""

    def make_module(self, vars: dict[str, Any] | None = None, shared: bool = False, locals: Mapping[str, Any] | None = None) -> Any:  # noqa: A002 (Jinja's signature)
        recorder = getattr(self.environment, "recorder", None)
        if recorder is None or self.name is None or vars or shared:  # a module made with a page's context reads into that page
            return super().make_module(vars, shared, locals)
        key = f"{DERIVED}{SEP}module:{self.name}"
        with recorder.sharing(key):
            module = super().make_module(vars, shared, locals)
        self.environment.module_keys[self.name] = key  # type: ignore[attr-defined]
        return module


class SiteEnvironment(jinja2.Environment):
    """An environment that notes each template a page loads (extends, includes,
    imports) with the page's other reads: a page depends on the source of every
    template it used, theme and override alike, and on no other."""

    recorder: Recorder | None = None
    template_class = RecordedTemplate

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module_keys: dict[str, str] = {}
        """The shared key of each template's module made so far (what making it read), by template name."""
        self.fragments_checked: set[tuple[str, frozenset[str]]] = set()
        """Fragments (by template and the names given) found to read nothing else."""

    def get_template(self, name: str | jinja2.Template, parent: str | None = None, globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:  # noqa: A002 (Jinja's signature)
        self._note(name, parent)
        return super().get_template(name, parent, globals)

    def select_template(self, names: Any, parent: str | None = None, globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:  # noqa: A002
        if not isinstance(names, jinja2.Undefined):
            for name in names:  # each candidate: one found later would be chosen instead
                self._note(name, parent)
        return super().select_template(names, parent, globals)

    def _note(self, name: Any, parent: str | None) -> None:
        """Note a template loaded by the page being rendered, and its module if one was made."""
        recorder = self.recorder
        if isinstance(name, str) and recorder is not None and recorder.current is not None:
            full = self.join_path(name, parent) if parent else name
            recorder.note(f"{TEMPLATE}{SEP}{full}")
            module = self.module_keys.get(full)
            if module is not None:
                recorder.note(module)


def recent_threads(site: Any) -> list[Group]:
    """Threads by their newest dispatch, most recently active first."""
    return sorted(site.threads.values(), key=lambda g: (site.by_slug[g.dispatches[-1]].moment, g.key), reverse=True)


def _memo(func: Callable[..., R]) -> Callable[..., R]:
    """A pure function remembered per arguments for one build: pages ask for the same
    few thousand links hundreds of thousands of times."""
    seen: dict[tuple[Any, ...], R] = {}

    def remembered(*args: Any) -> R:
        found = seen.get(args)
        if found is None:
            found = seen[args] = func(*args)
        return found

    return remembered


def check_templates(env: jinja2.Environment, config: Config) -> None:
    """Compile every template up front, so syntax errors are all reported at once."""
    problems = []
    for name in sorted(set(env.list_templates(extensions=["html", "xml"]))):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(_problem(config, exc.filename or name, exc.lineno, f"template error: {exc.message}{_hint(exc)}"))
    if problems:
        raise ContentErrors(problems)


def _hint(exc: jinja2.TemplateSyntaxError) -> str:
    """What to do instead, for a template written for an earlier theme."""
    if "unknown tag 'once'" in (exc.message or ""):
        return " (`{% once %}` is gone: show what looks the same on many pages with {{ fragment('NAME.html', …) }})"
    return ""


def render_page(env: jinja2.Environment, spec: PageSpec, config: Config) -> bytes:
    """Render one page; a runtime template error names the template and its line."""
    try:
        recorder = getattr(env, "recorder", None)
        context = spec.context if recorder is None else {k: recorder.handed(v) for k, v in spec.context.items()}
        return env.get_template(spec.template).render(context).encode("utf-8")
    except jinja2.TemplateNotFound as exc:
        raise ContentErrors([Problem(spec.template, None, f"template not found: {exc.name}")]) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ContentErrors([_problem(config, exc.filename or spec.template, exc.lineno, f"template error: {exc.message}")]) from None
    except Exception as exc:  # a runtime error inside a template: locate it there
        filename, line = _template_frame(exc)
        message = f"template error while rendering /{spec.path}: {type(exc).__name__}: {exc}"
        raise ContentErrors([_problem(config, filename or spec.template, line, message)]) from None


def render_read(env: "SiteEnvironment", spec: PageSpec, config: Config) -> tuple[bytes, tuple[str, ...]]:
    """Render one page, and the keys of everything it read (see `reads`)."""
    assert env.recorder is not None, "add_site gives the environment its recorder"
    with env.recorder.page() as keys:
        page = render_page(env, spec, config)
    return page, tuple(keys)


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost traceback frame that belongs to a template file."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml")):
            found = (frame.filename, frame.lineno)
    return found


def _problem(config: Config, filename: str, line: int | None, message: str) -> Problem:
    return Problem(template_place(config, filename), line, message)


def template_place(config: Config, filename: str) -> str:
    """How a problem names a template: by its path in the site (`templates/email.html`),
    or as `(built-in theme) email.html`."""
    path = Path(filename)
    if path.is_absolute() and path.is_relative_to(THEME_DIR):
        return f"(built-in theme) {path.relative_to(THEME_DIR).as_posix()}"
    return config.rel(path) if path.is_absolute() else filename


RENDER_PER_WORKER = 100
"""Below this many pages per process, forking costs more than it saves."""


class Rendered(NamedTuple):
    """What rendering made: how many files, the paths each job made, and the keys
    each page read (by output path)."""

    written: int
    made: dict[str, list[str]]
    """The paths each file job made, by job name."""
    reads: dict[str, tuple[str, ...]]
    """The keys each page read, by output path."""
    job_reads: dict[str, tuple[str, ...]]
    """The keys each file job read, by job name."""
    shared: dict[str, frozenset[str]]
    """What each shared value they used read (see `reads.Recorder.derived`)."""


Failures = dict[tuple[str, int | None], list[Problem]]
"""The problems of the pages that failed, by the template PATH:LINE that failed them."""


class Renderer:
    """Renders runs of pages and file jobs into `sink` (which writes the files and counts
    them), in whichever process calls it; `gathered` joins what every run made."""

    def __init__(self, env: SiteEnvironment, config: Config, sink: Callable[[Iterable[tuple[str, bytes]]], int]) -> None:
        assert env.recorder is not None, "add_site gives the environment its recorder"
        self.env, self.recorder, self.config, self.sink = env, env.recorder, config, sink
        self.sent: set[str] = set()
        """Shared values this process has handed back already: it renders many runs."""

    def __call__(self, part: Sequence[PageSpec | FileJob]) -> tuple[Rendered, Failures]:
        failures: Failures = {}
        made: dict[str, list[str]] = {}
        reads: dict[str, tuple[str, ...]] = {}
        job_reads: dict[str, tuple[str, ...]] = {}

        def rendered() -> Iterator[tuple[str, bytes]]:
            for item in part:
                if isinstance(item, FileJob):
                    try:
                        with self.recorder.page() as keys:
                            files = item.make()
                    except ContentErrors as exc:  # a template a file is made with (an edition's email)
                        for p in exc.problems:
                            failures.setdefault((p.path, p.line), []).append(p)
                        continue
                    made[item.name], job_reads[item.name] = [path for path, _ in files], tuple(keys)
                    yield from files
                    continue
                try:
                    rel = Urls.output(item.path)
                    page, reads[rel] = render_read(self.env, item, self.config)
                    yield rel, page
                except ContentErrors as exc:
                    for p in exc.problems:
                        failures.setdefault((p.path, p.line), []).append(p)

        written = self.sink(rendered())
        fresh = {key: value for key, value in self.recorder.shared.items() if key not in self.sent}
        self.sent.update(fresh)
        return Rendered(written, made, reads, job_reads, fresh), failures


def gathered(results: Iterable[tuple[Rendered, Failures]]) -> Rendered:
    """What every run made, or every template mistake, each reported once, with how many
    pages it broke."""
    results = list(results)
    failures: Failures = {}
    for _, found in results:
        for where, problems in found.items():
            failures.setdefault(where, []).extend(problems)
    if failures:
        problems = []
        for found in failures.values():
            more = f" (and {len(found) - 1} more pages)" if len(found) > 1 else ""
            problems.append(Problem(found[0].path, found[0].line, found[0].message + more))
        raise ContentErrors(problems)
    parts = [r for r, _ in results]
    return Rendered(
        sum(r.written for r in parts), _merged(r.made for r in parts), _merged(r.reads for r in parts),
        _merged(r.job_reads for r in parts), _merged(r.shared for r in parts),
    )


def _merged(dicts: Iterable[dict[str, R]]) -> dict[str, R]:
    return {key: value for d in dicts for key, value in d.items()}
