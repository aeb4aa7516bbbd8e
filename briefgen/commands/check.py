"""`briefgen check`: read → model → link and compile the templates, writing nothing.

Without `--strict` it fails only on what would fail a build. With `--strict` it adds
the editorial findings of `quality.py`; error findings fail the check (exit 1),
warnings are reported and leave the exit status alone.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Sequence

from briefgen import quality, render
from briefgen.commands.build import Loaded, load_site
from briefgen.config import CONFIG_NAME, Config, host_warning
from briefgen.errors import ContentErrors, Problem
from briefgen.read import ACTORS_FILE
from briefgen.urls import Urls


def check(config: Config, strict: bool) -> tuple[Loaded, list[quality.Finding]]:
    """Validate everything a build would, without writing; raise ContentErrors on problems."""
    if strict:  # mentions feed the omission check even where links in bodies are off
        config = dataclasses.replace(config, autolink_actors=True)
    loaded = load_site(config)
    render.check_templates(render.make_env(config, loaded.site, Urls.of(config)), config)
    repeats = [quality.Finding("edition-repeat", w.path, w.line, w.message) for w in loaded.warnings]
    if not strict:
        return loaded, repeats
    actors_path = config.rel(config.content_dir / ACTORS_FILE)
    return loaded, [*site_findings(config), *quality.findings(loaded.site, actors_path), *repeats]


def site_findings(config: Config) -> list[quality.Finding]:
    """What config.yaml lacks for a site others can link to: a base_url with a host."""
    warning = host_warning(config)
    return [] if warning is None else [quality.Finding("base-url-host", CONFIG_NAME, None, warning)]


def report_json(problems: Sequence[Problem], found: Sequence[quality.Finding], strict: bool) -> str:
    errors = [f for f in found if f.severity == quality.ERROR]
    return json.dumps(
        {
            "ok": not problems and not errors,
            "problems": [p.as_dict() for p in problems],
            "findings": [f.as_dict() for f in found],
            "counts": quality.counts(found) if strict else {},
        },
        ensure_ascii=False,
        indent=2,
    )


def report_text(loaded: Loaded, found: Sequence[quality.Finding], strict: bool) -> str:
    """Findings grouped by kind with counts, then one summary line."""
    lines: list[str] = []
    tally = quality.counts(found)
    for kind, (severity, heading) in quality.KINDS.items():
        if tally[kind]:
            lines.append(f"{heading} ({severity}s): {tally[kind]}")
            lines += [f"  {f}" for f in found if f.kind == kind]
    errors = sum(1 for f in found if f.severity == quality.ERROR)
    warnings = len(found) - errors
    site = loaded.site
    what = f"{len(site.dispatches)} dispatches, {len(site.actors)} actors" + (f", {len(site.editions)} editions" if site.editions else "")
    if not strict:
        lines.append(f"ok: {what}; " + (f"{warnings} warning{'s' * (warnings != 1)}" if warnings else "no problems"))
    else:
        verdict = "failed" if errors else "ok"
        lines.append(f"{verdict}: {what}; {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return "\n".join(lines)


def main(args) -> int:
    """The `check` verb: exit 1 on problems, and in strict mode on error findings."""
    from briefgen.commands import config_for

    as_json = args.format == "json"
    try:
        loaded, found = check(config_for(args), args.strict)
    except ContentErrors as exc:
        if not as_json:
            raise
        print(report_json(exc.problems, [], args.strict))
        return exc.exit_code
    print(report_json([], found, args.strict) if as_json else report_text(loaded, found, args.strict))
    return 1 if any(f.severity == quality.ERROR for f in found) else 0
