"""Stage 4a: Jinja2 pages. The site's templates/ override the package theme file by file.

Template errors become Problems that name the template file and line, so a broken
override is reported like bad content, never as a traceback.
"""

from __future__ import annotations

import datetime as dt
import traceback
import types
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, MutableMapping, NamedTuple, Sequence, TypeVar

import jinja2
import jinja2.ext
import markupsafe
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.idtracking import VAR_LOAD_RESOLVE
from markupsafe import Markup

from briefgen import parallel
from briefgen.charts import chart_globals
from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
from briefgen.feeds import FileJob
from briefgen.model import Group, Site
from briefgen.pages import PageSpec
from briefgen.urls import Urls

THEME_DIR = Path(__file__).parent / "theme"
R = TypeVar("R")


def template_dirs(config: Config) -> list[Path]:
    """Where templates are looked up, the site's own folder first."""
    dirs = [config.templates_dir] if config.templates_dir.is_dir() else []
    return dirs + [THEME_DIR]


def long_date(value: dt.date | None) -> str:
    """`26 December 2021`: unambiguous for readers everywhere."""
    return f"{value.day} {value.strftime('%B %Y')}" if value else ""


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
        cache_size=-1,  # a dict: an LRU cache takes a lock for each of the imports every page makes
        extensions=["jinja2.ext.do", OnceTag],
    )
    env.filters["long_date"] = _by_day(long_date)  # strftime is a tenth of rendering a dispatch page
    return env


def add_site(env: "SiteEnvironment", config: Config, site: Site, urls: Urls) -> "SiteEnvironment":
    """Give a template environment the site: url helpers and the read-only model as globals
    (templates compiled earlier see them too)."""
    ranking = sorted(((len(s.dispatches), a) for a, s in site.actor_stats.items()), key=lambda t: (-t[0], t[1]))
    recent = recent_threads(site)
    env.globals.update(
        top_actors=lambda n: [(a, count) for count, a in ranking[:n] if count],
        recent_threads=lambda n: recent[:n],
        site=site,
        config=config,
        url=_memo(urls.href),
        absolute=urls.absolute,
        dispatch=site.by_slug.get,
        actor=site.actors.get,
        asset=lambda name: urls.href("asset", name),
    )
    env.globals.update(chart_globals(site, urls))
    env.seal()
    return env


_PLAIN_CALLABLES = (types.FunctionType, types.BuiltinFunctionType)
"""Callables that take no context unless marked with a `jinja_pass_arg` of their own:
a builtin cannot carry one, and neither can a function's `__call__`."""


class _Context(jinja2.runtime.Context):
    """Jinja's context, with a shorter way to call a plain function or a macro.

    Every call in a template goes through `Context.call`, which looks up the callable's
    `__call__` and looks for a `pass_context`-style mark on it and on the callable before
    calling. A dispatch page makes about forty calls. A plain function can only carry a
    mark as its own attribute, so one look does; a macro's is always `pass_eval_context`,
    so it is given the evaluation context (whether autoescaping is on where it is called),
    as Jinja gives it. Anything else, or a marked function, takes Jinja's own way."""

    @jinja2.utils.internalcode  # left out of tracebacks, as Jinja's own is
    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        kind = type(__obj)
        if kind is jinja2.runtime.Macro:
            args = (__self.eval_ctx, *args)
        elif kind not in _PLAIN_CALLABLES or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


def _markup_escape() -> Callable[[Any], Markup] | None:
    """`markupsafe.escape`, but a plain string's escape made into Markup by `str.__new__`:
    `Markup(...)` runs `Markup.__new__`, in Python, for every value a page shows (30
    a dispatch page), and that was a twentieth of the time spent rendering pages. Markup
    comes back as it is and a whole number as its digits, where MarkupSafe would copy
    them through `Markup(...)` too. It takes MarkupSafe's private `_escape_inner` (its C
    or its Python escaping, whichever it uses); None when that is not there (before 3.0):
    MarkupSafe's escape is used."""
    try:
        from markupsafe import _escape_inner
    except ImportError:
        return None
    make = str.__new__

    def escape(value: Any) -> Markup:
        kind = type(value)
        if kind is str:
            return make(Markup, _escape_inner(value))
        if kind is Markup:  # safe already: MarkupSafe would make an equal copy
            return value
        if kind is int:  # digits and a sign: nothing to escape
            return make(Markup, str(value))
        return markupsafe.escape(value)

    return escape


_ESCAPE = _markup_escape()


class _Template(jinja2.Template):
    """A compiled template whose output is escaped by `_markup_escape`: the name `escape`
    in the code Jinja compiles stands for `markupsafe.escape`, and is looked up there."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: MutableMapping[str, Any], globals: MutableMapping[str, Any]) -> jinja2.Template:
        if _ESCAPE is not None:
            namespace["escape"] = _ESCAPE
        return super()._from_namespace(environment, namespace, globals)


class _LookUpsNoted(CodeGenerator):
    """Code generation that notes, in `SiteEnvironment.compiled`, the names a template
    looks up when it runs: what `jinja2.meta.find_undeclared_variables` finds by
    generating the code a second time."""

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        noted = self.environment.compiled.get(self.name)  # type: ignore[attr-defined]  # only a SiteEnvironment uses this class
        if noted is not None:
            noted.looked_up.update(param for action, param in frame.symbols.loads.values() if action == VAR_LOAD_RESOLVE)


class Compiled(NamedTuple):
    """A template as it was compiled: its syntax tree, and the names it looks up when it
    runs (those of Jinja's own globals too)."""

    tree: nodes.Template
    looked_up: set[str]


class SiteEnvironment(jinja2.Environment):
    """An environment whose templates' globals become plain dicts once the site is added,
    and which keeps what it learnt compiling each template (`compiled`).

    Jinja gives each template a ChainMap over the environment's globals, so they can still
    change after it is compiled; every page then pays for walking that chain, twice per
    `{% import %}` (a tenth of rendering a dispatch page). `add_site` sets the globals
    once and last, so from then on each template holds a dict of them: a global set
    after `seal` would not be seen."""

    sealed = False
    context_class = _Context
    template_class = _Template
    code_generator_class = _LookUpsNoted

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compiled: dict[str, Compiled] = {}
        """Each template compiled from source, by name: what the digests must know of
        it (`digests.template_reads`) without parsing it again."""

    def compile(self, source: str | nodes.Template, name: str | None = None, filename: str | None = None,  # type: ignore[override]
                raw: bool = False, defer_init: bool = False) -> Any:
        """Jinja's compile, keeping a named template's syntax tree and the names its code
        looks up in `compiled`."""
        if not isinstance(source, str) or name is None or raw:
            return super().compile(source, name, filename, raw, defer_init)
        tree = self.parse(source, name, filename)
        self.compiled[name] = Compiled(tree, set())
        try:
            return super().compile(tree, name, filename, raw, defer_init)
        except BaseException:  # Jinja's compile has already located a template error
            del self.compiled[name]
            raise

    def seal(self) -> None:
        """Give each template compiled so far (all of them: `check_templates` compiles
        every one) and each compiled later a plain dict of its globals."""
        self.sealed = True
        for template in (self.cache or {}).values():
            template.globals = dict(template.globals)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})} if self.sealed else super().make_globals(d)


def recent_threads(site: Site) -> list[Group]:
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


def _by_day(spell: Callable[[dt.date | None], str]) -> Callable[[dt.date | None], str]:
    """`spell` remembered per calendar day for one build. Keyed by the day, not the value:
    two moments at one instant written with different offsets are equal, on different days."""
    seen: dict[tuple[int, int, int], str] = {}

    def spelled(value: dt.date | None) -> str:
        if not value:
            return spell(value)
        day = (value.year, value.month, value.day)
        found = seen.get(day)
        if found is None:
            found = seen[day] = spell(value)
        return found

    return spelled


def _once(fragments: dict[tuple[Any, ...], Any]) -> Callable[..., Any]:
    """`{% call once(key...) %}…{% endcall %}` renders its body once per build, process and
    key, into `fragments`; `{% once key… %}…{% endonce %}` (`OnceTag`) does the same, sooner.

    A dispatch's entry in a listing looks the same on every page that lists it, and
    it is listed on about ten pages; the model is frozen, so the first rendering holds.
    The rule for a template using it: the key must name every value the body reads that
    can differ from page to page, and keys are shared by all templates (the theme's
    start with the fragment's name: 'item', 'actor_link', 'timeline', 'masthead', 'footer').
    """

    def once(*key: Any, caller: Callable[[], Any]) -> Any:
        found = fragments.get(key)
        if found is None:
            found = fragments[key] = caller()
        return found

    return once


class OnceTag(jinja2.ext.Extension):
    """`{% once key, … %}…{% endonce %}`: `{% call once(key, …) %}…{% endcall %}`, but a
    fragment rendered before is found without making the body into a caller first.

    `{% call %}` defines the body's function and wraps it in a Macro on every call, hit
    or not: three hundred thousand times in a site of 10,000 dispatches, a tenth of the
    time spent rendering pages. This tag looks the key up first and, only when it is new,
    renders the body through `once`. The look-up is a filter that takes the context: Jinja
    would otherwise run it once while compiling, for a key that is a constant. For a new
    key, the key's expressions are evaluated twice: for the look-up, then for `once`.
    The tag gives its environment both `once` and the look-up, over one set of fragments."""

    tags = {"once"}
    FOUND = "_once_found"

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        fragments: dict[tuple[Any, ...], Any] = {}
        environment.globals["once"] = _once(fragments)
        environment.filters[self.FOUND] = jinja2.pass_context(lambda _context, key: fragments.get(key))

    def parse(self, parser: jinja2.parser.Parser) -> list[nodes.Node]:
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endonce",), drop_needle=True)
        found = parser.free_identifier(lineno)
        render = nodes.CallBlock(nodes.Call(nodes.Name("once", "load"), key, [], None, None), [], [], body)
        return [
            nodes.Assign(found, nodes.Filter(nodes.Tuple(key, "load"), self.FOUND, [], [], None, None)).set_lineno(lineno),
            nodes.If(nodes.Test(found, "none", [], [], None, None), [render], [], [nodes.Output([found])]).set_lineno(lineno),
        ]


def check_templates(env: jinja2.Environment, config: Config) -> None:
    """Compile every template up front, so syntax errors are all reported at once."""
    problems = []
    for name in sorted(set(env.list_templates(extensions=["html", "xml"]))):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(_problem(config, exc.filename or name, exc.lineno, f"template error: {exc.message}"))
    if problems:
        raise ContentErrors(problems)


def render_page(env: jinja2.Environment, spec: PageSpec, config: Config) -> bytes:
    """Render one page; a runtime template error names the template and its line."""
    try:
        return _render(env, env.get_template(spec.template), spec.context).encode("utf-8")
    except jinja2.TemplateNotFound as exc:
        raise ContentErrors([Problem(spec.template, None, f"template not found: {exc.name}")]) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ContentErrors([_problem(config, exc.filename or spec.template, exc.lineno, f"template error: {exc.message}")]) from None
    except Exception as exc:  # a runtime error inside a template: locate it there
        filename, line = _template_frame(exc)
        message = f"template error while rendering /{spec.path}: {type(exc).__name__}: {exc}"
        raise ContentErrors([_problem(config, filename or spec.template, line, message)]) from None


def _render(env: jinja2.Environment, template: jinja2.Template, values: Mapping[str, Any]) -> str:
    """`template.render(values)`, as Jinja's own `render` does it, but with the template's
    globals (one dict, see `SiteEnvironment`) copied once under the page's values instead of
    being looked up through a chain for every name. The render tests and the
    template-error tests cover this path."""
    context = template.new_context({**template.globals, **values}, shared=True)
    try:
        return env.concat(template.root_render_func(context))  # type: ignore[attr-defined]
    except Exception:
        env.handle_exception()  # raises again, its traceback pointing into the template
        raise


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost traceback frame that belongs to a template file."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml")):
            found = (frame.filename, frame.lineno)
    return found


def _problem(config: Config, filename: str, line: int | None, message: str) -> Problem:
    path = Path(filename)
    shown = config.rel(path) if path.is_absolute() else filename
    if path.is_absolute() and path.is_relative_to(THEME_DIR):
        shown = f"(built-in theme) {path.relative_to(THEME_DIR).as_posix()}"
    return Problem(shown, line, message)


RENDER_PER_WORKER = 100
"""Below this many pages per process, forking costs more than it saves."""


def render_all(
    env: jinja2.Environment,
    specs: Sequence[PageSpec],
    config: Config,
    sink: Callable[[Iterable[tuple[str, bytes]]], int],
    jobs: Sequence[FileJob] = (),
    meanwhile: Callable[[], None] | None = None,
) -> tuple[int, dict[str, list[str]]]:
    """Render pages and make files into `sink` (which writes them and counts them), spread
    over processes when there are enough (then this process first runs `meanwhile`, see
    `parallel.fork_map`); one template mistake is reported once, with how many pages it
    broke.

    Returns how many files were written, and the paths each job made."""
    def run(part: Sequence[PageSpec | FileJob]) -> tuple[int, dict[tuple[str, int | None], list[Problem]], dict[str, list[str]]]:
        failures: dict[tuple[str, int | None], list[Problem]] = {}
        made: dict[str, list[str]] = {}

        def rendered() -> Iterator[tuple[str, bytes]]:
            for item in part:
                if isinstance(item, FileJob):
                    files = item.make()
                    made[item.name] = [path for path, _ in files]
                    yield from files
                    continue
                try:
                    yield Urls.output(item.path), render_page(env, item, config)
                except ContentErrors as exc:
                    for p in exc.problems:
                        failures.setdefault((p.path, p.line), []).append(p)

        return sink(rendered()), failures, made

    # The search index and feeds first, none left to the end; the listings last, as
    # this process takes chunks from the back and its children from the front
    # (`parallel.Shared`): each listed dispatch's entry is then mostly rendered in one process.
    listings_last = sorted(specs, key=lambda spec: "items" in spec.context)
    items: list[PageSpec | FileJob] = [*jobs, *listings_last]
    workers = parallel.worker_count(len(items), RENDER_PER_WORKER)
    results = parallel.fork_map(run, items, workers, meanwhile)
    failures: dict[tuple[str, int | None], list[Problem]] = {}
    for _, found, _ in results:
        for where, problems in found.items():
            failures.setdefault(where, []).extend(problems)
    if failures:
        problems = []
        for found in failures.values():
            more = f" (and {len(found) - 1} more pages)" if len(found) > 1 else ""
            problems.append(Problem(found[0].path, found[0].line, found[0].message + more))
        raise ContentErrors(problems)
    return sum(written for written, _, _ in results), {name: paths for _, _, made in results for name, paths in made.items()}
