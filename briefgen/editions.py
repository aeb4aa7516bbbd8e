"""Editions: the editor's selection of dispatches for a day or a week, with a lede.

An edition file (editions/*.md) is read like a dispatch (front matter, Markdown body)
and checked here against the linked site: every slug it lists must be a published
dispatch dated no later than the edition. What an edition shows beyond the editor's
choice (the threads that moved since the last edition, the week's events, its
neighbours) is worked out once here, so the model stays a set of read-only records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections import defaultdict
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

import yaml

from briefgen.config import CONFIG_NAME
from briefgen.errors import Problem
from briefgen.i18n import Catalogue
from briefgen.fields import FieldError, flag, near_miss, nonempty, parse_moment, text, typo_problem
from briefgen.frontmatter import FrontMatterError, control_problem, fences, parse_front
from briefgen.markdown import Parser, render
from briefgen.model import Edition, EditionSection, Site, ThreadMove
from briefgen.slugs import is_slug
from briefgen.yamlload import YamlError, parse

KNOWN = ("date", "title", "number", "dispatches", "sections", "draft")
SECTION_KEYS = ("title", "dispatches")
UPCOMING_DAYS = 7
SLUG_CUTOFF = 0.75
"""How like a dispatch's slug an unknown one must be for the problem to suggest it."""


@dataclass(frozen=True, slots=True)
class Written:
    """An edition as its file says it, checked field by field but not yet against the site."""

    path: str
    date: dt.date
    title: str
    number: int | None
    listed: tuple[tuple[str, tuple[tuple[str, int | None], ...]], ...] | None
    """(section title, ((slug, line), …)) in the editor's order; one untitled section for a
    plain `dispatches:` list; None when the edition lists nothing (every dispatch since
    the last edition)."""
    listed_line: int | None
    lede_html: str
    lede_text: str
    draft: bool
    line_of: Mapping[str, int]
    links: tuple[tuple[str, str, int], ...] = ()


def read_all(files: Iterable[tuple[str, bytes]], parser: Parser, tz: dt.tzinfo) -> tuple[list[Written], list[Problem]]:
    """Every edition file checked on its own; problems gathered, never raised."""
    written, problems = [], []
    for rel, data in files:
        found, more = read_one(rel, data, parser, tz)
        problems += more
        if found is not None:
            written.append(found)
    return written, problems


def read_one(rel: str, data: bytes, parser: Parser, tz: dt.tzinfo) -> tuple[Written | None, list[Problem]]:
    """One edition file → its fields, or the problems in it (each with its line)."""
    try:
        text_ = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [Problem(rel, line, f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8")]
    try:
        yaml_text, body, body_line = fences(text_)
        front = parse_front(yaml_text)
        lines = _lines(yaml_text)
    except FrontMatterError as exc:
        return None, [Problem(rel, exc.line, exc.message)]
    except YamlError as exc:
        return None, [Problem(rel, exc.line, exc.message)]
    control = control_problem(body)
    if control is not None:
        return None, [Problem(rel, body_line + body.count("\n", 0, control[0]), f"the body {control[1]}")]
    fields, problems = front.data, []
    line = lambda key: lines.get(key, front.key_lines.get(key.split(".")[0], 1))  # noqa: E731

    def field(key: str, convert: Any, default: Any = None) -> Any:
        if fields.get(key) is None:
            return default
        try:
            return convert(fields[key])
        except FieldError as exc:
            problems.append(Problem(rel, line(key), f"'{key}' {exc}"))
            return default

    for key in fields:
        if key not in KNOWN:
            meant = near_miss(key, KNOWN)
            message = f"unknown field '{key}' (an edition has {', '.join(KNOWN)})"
            problems.append(typo_problem(rel, key, meant, line(key)) if meant else Problem(rel, line(key), message))
    day = field("date", _day)
    if "date" not in fields or fields["date"] is None:
        problems.append(Problem(rel, line("date") if "date" in fields else 1, "missing required field 'date'"))
    title = field("title", text, "")
    number = field("number", _number)
    draft = field("draft", flag, False)
    listed = _listed(rel, fields, line, problems)
    try:
        lede = render(parser, body, body_line)
    except RecursionError:
        problems.append(Problem(rel, body_line, "Markdown nested too deeply to render"))
        return None, problems
    if problems or day is None:
        return None, problems
    listed_line = line("sections") if "sections" in fields else line("dispatches") if "dispatches" in fields else line("date")
    return Written(rel, day, title, number, listed, listed_line, lede.html, lede.first_paragraph, draft, MappingProxyType(lines), lede.links), []


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    day, _ = parse_moment(value, dt.timezone.utc)
    if len(str(value).strip()) != 10:
        raise FieldError(f"'{value}' is not a day: an edition's date is YYYY-MM-DD")
    return day


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FieldError("must be a whole number of at least 1")
    return value


def _listed(rel: str, fields: Mapping[str, Any], line: Any, problems: list[Problem]):
    """The editor's selection as (title, ((slug, line), …)) sections, or None."""
    has_list, has_sections = fields.get("dispatches") is not None, fields.get("sections") is not None
    if has_list and has_sections:
        problems.append(Problem(rel, line("sections"), "give either 'dispatches' or 'sections', not both"))
        return None
    if has_list:
        slugs = _slugs(rel, fields["dispatches"], "dispatches", line, problems)
        return None if slugs is None else (("", slugs),)
    if not has_sections:
        return None
    sections = fields["sections"]
    if not isinstance(sections, list):
        problems.append(Problem(rel, line("sections"), "'sections' must be a list of {title, dispatches}"))
        return None
    found = []
    for i, section in enumerate(sections):
        where = f"sections.{i}"
        if not isinstance(section, dict):
            problems.append(Problem(rel, line(where), f"'sections' item {i + 1} must be a mapping with 'title' and 'dispatches'"))
            continue
        for key in section:
            if key not in SECTION_KEYS:
                meant = near_miss(str(key), SECTION_KEYS)
                message = f"'{key}': did you mean '{meant}'?" if meant else f"unknown field '{key}' in a section (a section has title and dispatches)"
                problems.append(Problem(rel, line(f"{where}.{key}"), message))
        try:
            title = nonempty(section.get("title"))
        except FieldError as exc:
            problems.append(Problem(rel, line(f"{where}.title") if "title" in section else line(where), f"a section's 'title' {exc}"))
            title = ""
        if section.get("dispatches") is None:
            problems.append(Problem(rel, line(where), f"section '{title}' lists no 'dispatches'"))
            continue
        slugs = _slugs(rel, section["dispatches"], f"{where}.dispatches", line, problems)
        if slugs is not None:
            found.append((title, slugs))
    return tuple(found)


def _slugs(rel: str, value: Any, where: str, line: Any, problems: list[Problem]):
    """A list of slugs, each with its line."""
    values = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(values):
        at = line(f"{where}.{i}")
        if not isinstance(item, str) or not is_slug(item.strip()):
            problems.append(Problem(rel, at, f"'dispatches' item {i + 1}: {item!r} is not a dispatch's slug"))
            continue
        out.append((item.strip(), at))
    return tuple(out)


def _lines(yaml_text: str) -> dict[str, int]:
    """The file line of every key and list item of the front matter, by dotted path
    (`sections.1.dispatches.0`), for problems found once the site is known."""
    try:
        node = parse(yaml_text, line_offset=1).node
    except YamlError:
        return {}
    lines: dict[str, int] = {}

    def walk(n: yaml.Node, path: str) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = f"{path}.{k.value}" if path else str(k.value)
                lines[key] = k.start_mark.line + 2
                walk(v, key)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                key = f"{path}.{i}"
                lines[key] = item.start_mark.line + 2
                walk(item, key)

    if node is not None:
        walk(node, "")
    return lines


def add_editions(site: Site, written: Sequence[Written], drafts: bool, draft_slugs: Mapping[str, str]) -> tuple[Site, list[Problem], list[Problem]]:
    """The site with its editions linked in: problems (which fail a build) and warnings
    (a dispatch carried by two editions, which an editor may mean). `draft_slugs` are
    the dispatches left out of the build, by slug, with their files ("" for a file
    whose own problems are reported)."""
    problems: list[Problem] = []
    kept = [w for w in written if drafts or not w.draft]
    kept.sort(key=lambda w: (w.date, w.path))
    by_date: dict[dt.date, Written] = {}
    for w in kept:
        first = by_date.setdefault(w.date, w)
        if first is not w:
            problems.append(Problem(w.path, w.line_of.get("date"), f"edition of {w.date.isoformat()} is already {first.path}: one edition per date"))
    ordered = list(by_date.values())
    editions: list[Edition] = []
    for i, w in enumerate(ordered):
        since = ordered[i - 1].date if i else None
        sections, more = _selection(site, w, since, draft_slugs)
        problems += more
        editions.append(Edition(
            key=w.date.isoformat(), date=w.date, number=w.number or i + 1, title=w.title, path=w.path,
            sections=sections, lede_html=w.lede_html, lede_text=w.lede_text, selected=w.listed is not None,
            since=since, previous=ordered[i - 1].date.isoformat() if i else None,
            next=ordered[i + 1].date.isoformat() if i + 1 < len(ordered) else None,
            moved=_moved(site, since, w.date), upcoming=_upcoming(site, w.date), draft=w.draft, line_of=w.line_of, links=w.links,
        ))
    carried: dict[str, list[str]] = defaultdict(list)
    warnings: list[Problem] = []
    by_key = {e.key: e for e in editions}
    for e, w in zip(editions, ordered):
        for slug in e.dispatches:
            if carried[slug]:
                first = by_key[carried[slug][0]]
                warnings.append(Problem(w.path, _slug_line(w, slug), f"'{slug}' is carried by the edition of {first.key} ({first.path}) too"))
            carried[slug].append(e.key)
    newest = tuple(reversed(editions))
    site = dataclasses.replace(
        site, editions=newest, edition_by_key=MappingProxyType({e.key: e for e in newest}),
        carried=MappingProxyType({slug: tuple(keys) for slug, keys in sorted(carried.items())}),
    )
    return site, problems, warnings


def title(e: Edition, words: Catalogue) -> str:
    """An edition's name wherever it is shown (its page, the archive, its email, the
    feeds): its title, or else its number and long date in the site's language."""
    return e.title or words.text("edition.title", number=e.number, date=words.long_date(e.date))


def _slug_line(w: Written, slug: str) -> int | None:
    for _, slugs in w.listed or ():
        for s, at in slugs:
            if s == slug:
                return at
    return w.listed_line


def _selection(site: Site, w: Written, since: dt.date | None, draft_slugs: Mapping[str, str]) -> tuple[tuple[EditionSection, ...], list[Problem]]:
    """The edition's sections: the editor's, each slug checked, or every dispatch since
    the last edition, grouped by thread."""
    if w.listed is None:
        sections = _since_last(site, since, w.date)
        if not sections:
            after = f"after {since.isoformat()} " if since else ""
            return (), [Problem(w.path, w.line_of.get("date"), f"empty edition: no dispatch is dated {after}up to {w.date.isoformat()}; list some under 'dispatches'")]
        return sections, []
    problems: list[Problem] = []
    renamed = {old: d.slug for d in site.dispatches for old in d.former_slugs}
    seen: set[str] = set()
    sections = []
    for title, slugs in w.listed:
        kept = []
        for slug, at in slugs:
            d = site.by_slug.get(slug)
            if slug in seen:
                problems.append(Problem(w.path, at, f"'{slug}' is listed twice in this edition"))
            elif d is None and draft_slugs.get(slug) == "":
                pass  # a dispatch whose file has problems of its own, reported with them
            elif d is None and slug in draft_slugs:
                problems.append(Problem(w.path, at, f"'{slug}' is a draft ({draft_slugs[slug]}); publish it or take it out of the edition"))
            elif d is None and slug in renamed:
                problems.append(Problem(w.path, at, f"'{slug}' is the former slug of a dispatch; name it '{renamed[slug]}'"))
            elif d is None:
                meant = difflib.get_close_matches(slug, list(site.by_slug), n=1, cutoff=SLUG_CUTOFF)
                problems.append(Problem(w.path, at, f"no dispatch has the slug '{slug}'" + (f"; did you mean '{meant[0]}'?" if meant else "")))
            elif d.date > w.date:
                problems.append(Problem(w.path, at, f"'{slug}' is dated {d.date.isoformat()}, after this edition of {w.date.isoformat()}"))
            else:
                kept.append(slug)
            seen.add(slug)
        sections.append(EditionSection(title, tuple(kept)))
    if not seen:
        problems.append(Problem(w.path, w.listed_line, "empty edition: it lists no dispatch"))
    return tuple(s for s in sections if s.dispatches), problems


def _window(site: Site, since: dt.date | None, until: dt.date) -> list[str]:
    """Slugs dated after `since` up to `until`, oldest first."""
    return [d.slug for d in reversed(site.dispatches) if (since is None or d.date > since) and d.date <= until]


def _since_last(site: Site, since: dt.date | None, until: dt.date) -> tuple[EditionSection, ...]:
    """Every dispatch since the last edition: each thread's, the thread moved last first,
    then the rest, in date order."""
    by_thread: dict[str | None, list[str]] = defaultdict(list)
    for slug in _window(site, since, until):
        by_thread[site.by_slug[slug].thread].append(slug)
    rest = by_thread.pop(None, [])
    order = sorted(by_thread, key=lambda t: (site.by_slug[by_thread[t][-1]].moment, t), reverse=True)
    sections = [EditionSection(site.threads[t].name, tuple(by_thread[t]), t) for t in order]
    if rest:
        sections.append(EditionSection("", tuple(rest)))
    return tuple(sections)


def _moved(site: Site, since: dt.date | None, until: dt.date) -> tuple[ThreadMove, ...]:
    """Each thread with dispatches since the last edition, which are new in it."""
    moves = []
    for key, group in site.threads.items():
        new = tuple(s for s in group.dispatches if (since is None or site.by_slug[s].date > since) and site.by_slug[s].date <= until)
        if new:
            earlier = sum(1 for s in group.dispatches if since is not None and site.by_slug[s].date <= since)
            moves.append(ThreadMove(key, new, earlier))
    return tuple(sorted(moves, key=lambda m: (-len(m.new), m.thread)))


def _upcoming(site: Site, day: dt.date) -> tuple:
    """The events of the seven days after `day`."""
    last = day + dt.timedelta(days=UPCOMING_DAYS)
    return tuple(e for e in site.events if day < e.date <= last)


def host_problem(base_url: str) -> Problem:
    """An edition's email and feeds link by full URL only."""
    return Problem(CONFIG_NAME, None, f"base_url '{base_url}' has no host, and an edition's email needs full URLs: "
                   "set base_url: https://example.org/brief/ in config.yaml or pass --base-url")
