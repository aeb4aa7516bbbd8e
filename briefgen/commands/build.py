"""`briefgen build`: read → model → link → render → write, and nothing else.

`load_site` (the first three stages) is shared with `check`; `build` is shared
with `serve` and `deploy`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from briefgen import feeds, pages, render, write
from briefgen.actors import Registry, load_registry, resolve
from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
from briefgen.fields import to_dispatch
from briefgen.link import link
from briefgen.lock import build_lock
from briefgen.markdown import ActorLinks, make_parser
from briefgen.model import Site
from briefgen.read import ACTORS_FILE, find_sources, load
from briefgen.urls import Urls


@dataclass(frozen=True, slots=True)
class BuildOptions:
    drafts: bool = False
    output: Path | None = None


@dataclass(frozen=True, slots=True)
class Loaded:
    """The linked site, plus what `check` reports beyond hard errors."""

    site: Site
    registry: Registry
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class BuildResult:
    dispatches: int
    actors: int
    files: int
    seconds: float
    output: Path
    stages: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"built {self.dispatches} dispatches, {self.actors} actors, {self.files} files "
            f"in {self.seconds:.2f} s → {self.output}"
        )


def actor_links(registry: Registry, urls: Urls) -> ActorLinks:
    return ActorLinks({phrase: (aid, urls.href("actor", aid)) for phrase, aid in registry.phrases().items()})


def load_site(config: Config, drafts: bool = False) -> Loaded:
    """Read, validate and link the whole site; raise every problem of the run together."""
    registry, problems = load_registry(config.content_dir / ACTORS_FILE, config.rel(config.content_dir / ACTORS_FILE))
    sources, found = find_sources(config)
    problems += found
    md = make_parser(actor_links(registry, Urls.of(config)) if config.autolink_actors else None)
    dispatches = []
    for source in sources:
        doc = load(source, md)
        if not drafts and doc.front is not None and doc.front.data.get("draft") is True:
            continue  # an excluded draft may be unfinished; `build --drafts` checks it
        dispatch, found = to_dispatch(doc, config.tz, registry.digest)
        problems += found
        if dispatch is not None and (drafts or not dispatch.draft):
            dispatches.append(dispatch)
    resolved, actors = resolve(dispatches, registry)
    site, found = link(resolved, actors, config.related_limit, dt.datetime.now(config.tz).date())
    problems += found
    if problems:
        raise ContentErrors(problems)
    return Loaded(site, registry)


def build(config: Config, options: BuildOptions = BuildOptions()) -> BuildResult:
    """Build the site into a staging folder and swap it in; on any problem, change nothing."""
    started = time.perf_counter()
    output = (options.output or config.output_dir).resolve()
    write.check_output(config, output)
    stages: dict[str, float] = {}
    loaded = load_site(config, options.drafts)
    stages["read+link"] = time.perf_counter() - started
    site, urls = loaded.site, Urls.of(config)
    env = render.make_env(config, site, urls)
    render.check_templates(env, config)
    specs = list(pages.all_pages(site, urls, config.per_page))
    html = render.render_all(env, specs, config)
    stages["render"] = time.perf_counter() - started - stages["read+link"]
    files = chain(html, feeds.all_files(config, urls, site, [s.path for s in specs]))
    with build_lock(config):  # a concurrent build must not clean or swap under this one
        write.clean_stale(output)
        staging = write.staging_dir(output)
        try:
            staging.mkdir(parents=True)
            count = write.write_files(staging, files)
            write.copy_static(config, staging)
            write.swap_in(staging, output)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise ContentErrors([Problem(config.rel(output), None, f"cannot write the site: {exc.strerror or exc}")]) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    seconds = time.perf_counter() - started
    stages["write"] = seconds - sum(stages.values())
    return BuildResult(len(site.dispatches), len(site.actors), count, seconds, output, stages)


def main(args) -> int:
    """The `build` verb: one summary line on success."""
    from briefgen.commands import config_for

    config = config_for(args)
    result = build(config, BuildOptions(drafts=args.drafts, output=args.output))
    print(result.summary())
    return 0
