"""`briefgen new "TITLE"`: a dispatch skeleton dated today, never overwriting a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem
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


def main(args) -> int:
    from briefgen.commands import config_for

    config = config_for(args)
    path = create(config, args.title, dt.datetime.now(config.tz).date())
    print(f"wrote {config.rel(path)}")
    return 0
