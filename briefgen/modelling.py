"""Stages 2 and 3: parsed files → validated dispatches → the linked, frozen Site.

Every problem of the run is gathered and raised together. Validated dispatches are kept
beside their parses in the cache, and a session keeps them in memory between builds.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from briefgen import editions, related
from briefgen.actors import Registry, resolve
from briefgen.cache import DocCache, code_fingerprint, related_memo
from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
from briefgen.fields import PENDING, default_name, to_dispatch, with_body
from briefgen.link import link
from briefgen.markdown import make_parser
from briefgen.model import Dispatch, Site
from briefgen.read import LoadedDoc, Read, content_digest
from briefgen.session import Session
from briefgen.slugs import slugify


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
    validated: Mapping[str, Dispatch] = field(default_factory=lambda: MappingProxyType({}))
    """Each file's dispatch as validated (actors as written), by path."""


def model_site(
    config: Config, read: Read, docs: list[LoadedDoc], drafts: bool = False, cache: bool = False,
    session: Session | None = None, fork: bool = True,
) -> Loaded:
    """Validate and link the parsed files; raise every problem of the run together. With
    `cache`, related dispatches are remembered in `.briefgen-cache/` between builds.
    Related dispatches are scored in forked processes too, unless `fork` is False."""
    problems = list(read.problems)
    dispatches = []
    known = session.dispatches if session is not None else {}
    memo = {}
    by_path: dict[str, Dispatch] = {}
    changed = []
    tag = validation_tag(config, read.registry)
    draft_slugs: dict[str, str] = {}
    for doc in docs:
        if not drafts and doc.front is not None and doc.front.data.get("draft") is True:
            draft_slugs[_slug_of(doc)] = doc.rel  # for an edition that lists it
            continue  # an excluded draft may be unfinished; `build --drafts` checks it
        key = (doc.rel, doc.digest, doc.problems, str(config.tz), read.registry.digest)
        before = known.get(key)
        dispatch, found = memo[key] = before or _validate(doc, config, read, tag)
        problems += found
        if dispatch is None:
            draft_slugs.setdefault(_slug_of(doc), "")  # its own problem is reported; an edition listing it is not wrong
        if dispatch is not None and (drafts or not dispatch.draft):
            dispatches.append(dispatch)
            by_path[doc.rel] = dispatch
            if known and before is None:
                changed.append(dispatch.slug)
    if session is not None:
        session.dispatches = memo  # only this build's: the memo never outgrows the site
    resolved, actors = resolve(dispatches, read.registry, session.resolved if session is not None else None)
    if cache:
        remembered = session.value if session is not None else None
        scored = related_memo(config.cache_dir, code_fingerprint(), remembered, fork)
    else:
        scored = functools.partial(related.compute, fork=fork)
    site, found = link(resolved, actors, config.related_limit, read.today, scored, taxonomies=config.taxonomies)
    problems += found
    site, found, warnings = _with_editions(config, read, site, drafts, draft_slugs, session)
    problems += found
    if problems:
        raise ContentErrors(problems)
    parsed = len(read.todo)
    return Loaded(site, read.registry, tuple(warnings), parsed=parsed, cached=len(docs) - parsed, changed=tuple(changed),
                  validated=MappingProxyType(by_path))


def _slug_of(doc: LoadedDoc) -> str:
    """The slug a file's dispatch would have, read from its front matter alone."""
    given = doc.front.data.get("slug") if doc.front is not None else None
    return given.strip() if isinstance(given, str) else slugify(default_name(doc.rel))


def _with_editions(
    config: Config, read: Read, site: Site, drafts: bool, draft_slugs: dict[str, str], session: Session | None,
) -> tuple[Site, list[Problem], list[Problem]]:
    """The site with its editions, their problems and their warnings. An edition's email
    links by full URL, so editions need base_url's host. The files are few and small, so
    they are read whole every build; a session keeps them read while their bytes stay."""
    if not read.editions:
        return site, [], []
    read_all = lambda: editions.read_all(read.editions, make_parser(None, config.base_path), config.tz)  # noqa: E731
    key = (tuple((rel, content_digest(data)) for rel, data in read.editions), str(config.tz), config.base_path)
    written, problems = session.value("editions", key, read_all) if session is not None else read_all()
    problems = list(problems)
    site, more, warnings = editions.add_editions(site, written, drafts, draft_slugs)
    problems += more
    if site.editions and not config.absolute_base:
        problems.append(editions.host_problem(config.base_url))
    return site, problems, warnings


def model_fronts(config: Config, read: Read, fronts: list[LoadedDoc], drafts: bool, cache: bool) -> Loaded | None:
    """The site modelled from front matter alone, while the bodies are still being
    rendered: nothing the model links or indexes depends on a body (`with_bodies` adds
    them). None when the front matter has problems: the model is then made again from
    whole files, so every problem is reported as without this step."""
    docs = [doc if doc.body is not None or doc.problems else dataclasses.replace(doc, body=PENDING) for doc in fronts]
    try:
        return model_site(config, read, docs, drafts, cache, None, fork=False)
    except ContentErrors:
        return None


def with_bodies(loaded: Loaded, docs: list[LoadedDoc]) -> Loaded:
    """The site modelled from front matter, each dispatch given its rendered body."""
    bodies = {doc.rel: doc.body for doc in docs if doc.body is not None}
    before = loaded.site
    whole = {d.slug: with_body(d, bodies[d.path]) for d in before.dispatches}
    site = dataclasses.replace(
        before, dispatches=tuple(whole[d.slug] for d in before.dispatches),
        by_slug=MappingProxyType({slug: whole[slug] for slug in before.by_slug}),
    )
    return dataclasses.replace(loaded, site=site)


def remember(config: Config, loaded: Loaded, read: Read, docs: list[LoadedDoc]) -> None:
    """Keep each file's validated dispatch, given its body, beside its parse in the cache,
    unless it is there already: what validating a whole file does."""
    docs_cache = read.docs_cache
    if docs_cache is None:
        return
    tag = validation_tag(config, read.registry)
    for doc in docs:
        dispatch = loaded.validated.get(doc.rel)
        if dispatch is not None and doc.body is not None and not docs_cache.knows(doc, tag):
            docs_cache.remember(doc, tag, with_body(dispatch, doc.body))


def validation_tag(config: Config, registry: Registry) -> str:
    """What validating a file reads beyond its bytes (the time zone and the registry): a
    validated dispatch is kept in the cache under it."""
    return f"{config.tz}\0{registry.digest}"


def _validate(doc: LoadedDoc, config: Config, read: Read, tag: str) -> tuple[Dispatch | None, list[Problem]]:
    """`to_dispatch`, or what it made of the same file before, from the cache."""
    docs_cache: DocCache | None = read.docs_cache
    if docs_cache is not None and not doc.problems and doc.body is not PENDING:
        dispatch = docs_cache.validated(doc, tag)
        if dispatch is not None:
            return dispatch, []
    dispatch, found = to_dispatch(doc, config.tz, read.registry.digest, declared=[f.field for f in config.taxonomies])
    if docs_cache is not None and dispatch is not None and not found and doc.body is not PENDING:
        docs_cache.remember(doc, tag, dispatch)
    return dispatch, found
