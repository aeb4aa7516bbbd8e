"""Stage 4a: what the site is made of, before any of it is rendered: its templates, every
page and file, and what decides which of them a folder already holds."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Callable

import jinja2

from briefgen import editionfiles, feeds, pages, render, search
from briefgen.cache import code_fingerprint
from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
from briefgen.model import Site
from briefgen.pages import PageSpec
from briefgen.reads import Freshness
from briefgen.reuse import FILE_KEY
from briefgen.session import Session
from briefgen.urls import Urls


@dataclass
class Templates:
    """The build's templates, compiled and checked before the site exists when a core is
    free: while files are parsed."""

    config: Config
    env: render.SiteEnvironment
    problem: Exception | None = None
    prepared: bool = False
    cache: bool = False
    """Whether the build keeps what it can in `.briefgen-cache/` (templates, search terms)."""

    @classmethod
    def of(cls, config: Config, cache: bool) -> "Templates":
        """With `cache`, compiled templates are kept in `.briefgen-cache/`; Jinja checks
        each against its source."""
        bytecode = None
        if cache:
            folder = config.cache_dir / "templates"
            folder.mkdir(parents=True, exist_ok=True)
            bytecode = jinja2.FileSystemBytecodeCache(str(folder))
        return cls(config, render.template_env(config, bytecode), cache=cache)

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


@dataclass(frozen=True, slots=True)
class Work:
    """Everything the site is made of: its pages and files, with what decides which of
    them a folder already holds."""

    site: Site
    env: render.SiteEnvironment
    specs: list[PageSpec]
    jobs: list[feeds.FileJob]
    freshness: Callable[[], Freshness]
    """Which pages and files are unchanged: made once when first asked for (in a cold
    build, while other processes render), as it fingerprints every one's view."""


def work(config: Config, site: Site, templates: Templates, session: Session | None = None) -> Work:
    """Every page and file of the site, and the views their records are checked against."""
    urls = Urls.of(config)
    env = render.add_site(templates.checked(), config, site, urls)
    specs = list(pages.all_pages(site, urls, config.per_page, config.catalogue))
    _check_unique(specs)
    recorder = env.recorder
    assert recorder is not None
    store = config.cache_dir / search.TERMS_FILE if templates.cache else None
    jobs = feeds.jobs(config, urls, site, env.globals["site"], [s.path for s in specs], recorder.derived, session.terms if session else None, store)
    jobs += editionfiles.jobs(config, urls, site, env, lambda spec: render.render_page(env, spec, config))
    fixed = code_and_config(config)
    views = lambda: {  # noqa: E731
        **{Urls.output(s.path): recorder.page_view(fixed, s.path, s.template, context=s.context) for s in specs},
        **{FILE_KEY + j.name: recorder.view((fixed, j.name, j.view)) for j in jobs},
    }
    return Work(site, env, specs, jobs, functools.cache(lambda: Freshness(recorder, views())))


def _check_unique(specs: list[PageSpec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.path in seen:
            raise ContentErrors([Problem(Urls.output(spec.path), None, "two pages would be written to this path")])
        seen.add(spec.path)


def code_and_config(config: Config) -> str:
    """What every page and file depends on: briefgen's code and the site's config."""
    return hashlib.blake2b(repr((code_fingerprint(), config)).encode(), digest_size=16).hexdigest()
