"""`briefgen new "TITLE"`: a dispatch skeleton dated today; `briefgen new --edition [DATE]`:
the next edition, listing every dispatch since the last one. Neither overwrites a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
from briefgen.model import Site
from briefgen.slugs import slugify


def skeleton(title: str, today: dt.date) -> str:
    """The text of a new dispatch: every commonly used field, ready to fill in."""
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (
        "---\n"
        f"title: {quoted}\n"
        f"date: {today.isoformat()}\n"
        "actors: []  # who is involved: ids, names or aliases from content/actors.yaml\n"
        "# location: the place of the dateline\n"
        "# topics: [a topic, another topic]\n"
        "# thread: story-thread-id\n"
        "# related: [slug-of-another-dispatch]\n"
        '# source: {name: Name of the outlet, url: "https://example.org/the-report"}\n'
        "# summary: The bottom line, in one sentence.\n"
        "draft: true  # remove when ready to publish\n"
        "---\n"
        "Write the dispatch here.\n"
    )


def create(config: Config, title: str, today: dt.date) -> Path:
    """Write content/SLUG.md; refuse to overwrite an existing file."""
    if not title.strip():
        raise ContentErrors([Problem("command line", None, "the title must not be empty")])
    path = config.content_dir / f"{slugify(title)}.md"
    try:
        config.content_dir.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(skeleton(title.strip(), today))
    except FileExistsError:
        raise ContentErrors([Problem(config.rel(path), None, "already exists; not overwritten (choose another title or edit that file)")]) from None
    return path


def edition_skeleton(day: dt.date, since: dt.date | None, site: Site, title: str = "") -> str:
    """The text of a new edition: every published dispatch dated after the last edition
    up to `day`, oldest first, each with its title beside it, for the editor to reorder
    and trim."""
    chosen = [d for d in reversed(site.dispatches) if (since is None or d.date > since) and d.date <= day]
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["---", f"date: {day.isoformat()}", f"title: {quoted}" if title else "# title: a headline for the edition"]
    after = f"after the edition of {since.isoformat()}" if since else "so far"
    if chosen:
        lines.append(f"# every dispatch {after}: reorder, trim, or group them under sections:")
        lines.append("dispatches:")
        lines += [f"  - {d.slug}  # {d.date.isoformat()} {d.title}" for d in chosen]
    else:
        lines.append(f"# no dispatch is dated {after}; list some before publishing:")
        lines.append("dispatches: []")
    lines += ["draft: true  # remove when ready to publish", "---", "Write the lede here: what this edition is about, in two or three sentences.", ""]
    return "\n".join(lines)


def create_edition(config: Config, day: dt.date, title: str = "") -> Path:
    """Write editions/DATE.md for the edition of `day`; refuse to overwrite a file."""
    from briefgen import editions, read
    from briefgen.markdown import make_parser
    from briefgen.pipeline import load_site

    files, problems = read.find_editions(config)
    written, more = editions.read_all(files, make_parser(), config.tz)
    problems += more
    if problems:  # the last edition's date is needed, so its file must read
        raise ContentErrors(problems)
    since = max((w.date for w in written if w.date < day and not w.draft), default=None)  # as the build counts them
    site = load_site(config, editions=False).site  # an edition being edited may be unfinished
    path = config.editions_dir / f"{day.isoformat()}.md"
    try:
        config.editions_dir.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(edition_skeleton(day, since, site, title.strip()))
    except FileExistsError:
        raise ContentErrors([Problem(config.rel(path), None, "already exists; not overwritten (edit that file, or give another date)")]) from None
    return path


def main(args) -> int:
    from briefgen.commands import config_for

    config = config_for(args)
    today = dt.datetime.now(config.tz).date()
    if args.edition is not None:
        path = create_edition(config, args.edition or today, args.title or "")
    else:
        path = create(config, args.title, today)
    print(f"wrote {config.rel(path)}")
    return 0
