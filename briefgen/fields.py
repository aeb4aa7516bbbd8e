"""Stage 2a: front-matter fields → a validated `Dispatch`, one converter per field.

Each converter returns a value or raises `FieldError`; `to_dispatch` gathers every
field's problem with its line, so one run reports all of a file's mistakes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from types import MappingProxyType
from typing import Any, Callable, Collection, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from briefgen.errors import Problem
from briefgen.model import Correction, Dispatch, Event, Label, SourceRef
from briefgen.frontmatter import FrontMatter, control_problem
from briefgen.markdown import Rendered, on_site
from briefgen.read import LoadedDoc
from briefgen.records import replaced
from briefgen.slugs import is_slug, slugify

KNOWN = {
    "title", "date", "actors", "slug", "summary", "topics", "thread", "related",
    "location", "source", "events", "draft", "former_slugs", "image", "updated", "corrections",
}
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}")


class FieldError(ValueError):
    """A field's value is wrong; `index` points at a list item when known."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def one_edit_apart(a: str, b: str) -> bool:
    """Whether b is a with one letter added, dropped or changed, or two neighbours swapped:
    the slips of a finger (`topcis`, `acters`, `tite`). Two edits are not counted, since
    real extras are often two edits from a field (`authors`/`actors`, `created`/`related`)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    if len(a) != len(b):
        longer, shorter = (a, b) if len(a) > len(b) else (b, a)
        return longer[i + 1 :] == shorter[i:]
    swapped = a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]
    return a[i + 1 :] == b[i + 1 :] or swapped


def near_miss(key: str, known: Iterable[str]) -> str | None:
    """The known key that key is a typo of (one edit away, or the same but for case), the
    likeliest by difflib's similarity when several are; None for a known or distant key."""
    known = list(known)
    if key in known:
        return None
    folded = key.casefold()
    close = [k for k in known if folded == k or one_edit_apart(folded, k)]
    if not close:
        return None
    return difflib.get_close_matches(folded, close, n=1, cutoff=0)[0]


def typo_problem(path: str, key: str, meant: str, line: int | None) -> Problem:
    """A misspelt key, said alike by `to_dispatch` and by `link`."""
    return Problem(path, line, f"'{key}': did you mean '{meant}'?")


def text(value: Any, what: str = "must be text") -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(what)
    result = str(value).strip()
    control = control_problem(result)
    if control is not None:
        raise FieldError(control[1])
    return result


def nonempty(value: Any) -> str:
    result = text(value, "must be a non-empty string")
    if not result:
        raise FieldError("must be a non-empty string")
    return result


def slug(value: Any) -> str:
    result = text(value, "must be a slug (lower-case letters, digits and '-')")
    if not is_slug(result):
        raise FieldError(f"'{result}' is not a valid slug: use lower-case letters, digits and '-' only (e.g. '{slugify(result)}')")
    return result


def thread(value: Any) -> tuple[str, str | None]:
    """A thread's id, or its name as it is to be shown (`Al Jaber science row`, `COP29
    host`, `Ёлки в Кремле`), whose slug is its id: (id, name or None). A name is text with
    a space, a capital or a letter beyond ASCII; anything else must be a slug, so a slip
    such as `nato_talks` or `../x` is still an error."""
    raw = text(value, "must be a thread's id (a slug) or its name")
    if is_slug(raw):
        return raw, None
    name = " ".join(raw.split())
    looks_named = " " in name or any(c.isupper() or (c.isalpha() and not c.isascii()) for c in name)
    if not looks_named or not any(c.isalnum() for c in name):
        raise FieldError(f"'{raw}' is not a valid slug: use lower-case letters, digits and '-' only (e.g. '{slugify(raw)}'), or the thread's name as it is to be shown")
    if any(c in name for c in "/\\<>"):
        raise FieldError(f"'{raw}': a thread's name may not contain '/', '\\', '<' or '>'")
    return slugify(name), name


def text_list(value: Any, item: Callable[[Any], str] = nonempty) -> tuple[str, ...]:
    """A list of items; a single value is accepted as a one-item list."""
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for i, v in enumerate(values):
        try:
            out.append(item(v))
        except FieldError as exc:
            raise FieldError(f"item {i + 1}: {exc}", i) from None
    return tuple(dict.fromkeys(out))


def labels(value: Any) -> tuple[Label, ...]:
    """Names of topics or taxonomy terms (a single name is a one-item list), each with
    its slug; two spellings of one slug are one term, the first spelling kept."""
    found: dict[str, Label] = {}
    for name in text_list(value):
        found.setdefault(slugify(name), Label(slugify(name), name))
    return tuple(found.values())


def parse_moment(value: Any, tz: ZoneInfo) -> tuple[dt.date, dt.datetime]:
    """`YYYY-MM-DD` or an ISO 8601 date-time → (day as written, aware moment)."""
    raw = text(value, "must be a date like 2021-12-26 or an ISO 8601 date-time")
    match = _DATE.match(raw) or _DATETIME.match(raw)
    if not match:
        raise FieldError(f"'{raw}' is not a date: use YYYY-MM-DD or an ISO 8601 date-time")
    try:
        day = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise FieldError(f"'{raw}' does not exist in the calendar") from None
    if len(raw) == 10:
        return day, dt.datetime.combine(day, dt.time(), tz)
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(f"'{raw}' is not a valid ISO 8601 date-time") from None
    return day, moment if moment.tzinfo else moment.replace(tzinfo=tz)


def http_url(value: Any) -> str:
    url = nonempty(value)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FieldError(f"'{url}' must be an http(s) URL")
    return url


def source(value: Any) -> SourceRef:
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise FieldError("must be a mapping {name, url}")
    unknown = set(value) - {"name", "url"}
    if unknown:
        raise FieldError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; use name and url")
    if "name" not in value:
        raise FieldError("needs a name")
    name = nonempty(value["name"])
    url = http_url(value["url"]) if value.get("url") is not None else None
    return SourceRef(name=name, url=url, key=slugify(name))


def event_uid(day: dt.date, title: str) -> str:
    """An event's id in the calendar, from its date and title alone: two dispatches that
    declare one event give it one id, and renaming a dispatch keeps it."""
    return hashlib.sha1(f"{day}|{title}".encode()).hexdigest()[:16]


def events(value: Any, slug_: str, tz: ZoneInfo) -> tuple[Event, ...]:
    values = value if isinstance(value, list) else [value]
    out: list[Event] = []
    for i, item in enumerate(values):
        if not isinstance(item, dict) or "date" not in item or "title" not in item:
            raise FieldError(f"item {i + 1}: must be a mapping {{date, title}}", i)
        try:
            day, _ = parse_moment(item["date"], tz)
            title = nonempty(item["title"])
        except FieldError as exc:
            raise FieldError(f"item {i + 1}: {exc}", i) from None
        uid = event_uid(day, title)
        out.append(Event(date=day, title=title, dispatch=slug_, uid=uid))
    return tuple(out)


def not_before(when: tuple[dt.date, dt.datetime], published: tuple[dt.date, dt.datetime] | None) -> tuple[dt.date, dt.datetime]:
    """A revision's day and moment, which cannot come before the dispatch itself."""
    if published is not None and when[0] < published[0]:
        raise FieldError(f"{when[0]} is before the dispatch's date, {published[0]}")
    return when


def corrections(value: Any, tz: ZoneInfo, published: tuple[dt.date, dt.datetime] | None) -> tuple[Correction, ...]:
    """`[{date, text}, …]`: each correction's day (not before the dispatch's) and what it corrected."""
    values = value if isinstance(value, list) else [value]
    out: list[Correction] = []
    for i, item in enumerate(values):
        if not isinstance(item, dict) or set(item) != {"date", "text"}:
            raise FieldError(f"item {i + 1}: must be a mapping {{date, text}}", i)
        try:
            day, _ = not_before(parse_moment(item["date"], tz), published)
            out.append(Correction(day, nonempty(item["text"])))
        except FieldError as exc:
            raise FieldError(f"item {i + 1}: {exc}", i) from None
    return tuple(out)


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError("must be true or false")
    return value


def image(value: Any) -> str:
    """A picture's address as written: beside the dispatch (`map.png`), from the site's
    root (`/img/map.png`), or a full http(s) URL."""
    found = nonempty(value)
    if not on_site(found) and not found.startswith(("http://", "https://")):
        raise FieldError(f"must be a file beside the dispatch, a path from the site's root or an http(s) URL, not '{found}'")
    return found


def default_name(rel: str) -> str:
    """What a dispatch is called when it names no slug: its file's name, or its folder's
    for a dispatch written as a folder (`SLUG/index.md`, beside the files it shows)."""
    parts = rel.removesuffix(".md").split("/")
    return parts[-2] if parts[-1] == "index" and len(parts) > 2 else parts[-1]


def to_dispatch(
    doc: LoadedDoc, tz: ZoneInfo, registry_digest: str = "", declared: Collection[str] = (),
) -> tuple[Dispatch | None, list[Problem]]:
    """Validate a parsed file; actors stay as written until `actors.resolve`. `declared`
    are config.yaml's taxonomy keys, for the misspelt keys of a file that fails here (a
    valid file's are `link`'s to find: what is validated is kept whatever config says)."""
    if doc.front is None or doc.body is None:
        return None, list(doc.problems)
    front, data = doc.front, doc.front.data
    problems: list[Problem] = []
    known = KNOWN | set(declared)
    typos = {key: meant for key in data if key not in known and (meant := near_miss(key, known)) is not None}
    hinted: set[str] = set()

    def line(key: str, index: int | None = None) -> int | None:
        items = front.item_lines.get(key, ())
        if index is not None and index < len(items):
            return items[index]
        return front.key_lines.get(key, 1 if key not in data else None)

    def field(key: str, convert: Callable[[Any], Any], default: Any = None, required: bool = False) -> Any:
        if key not in data or data[key] is None:
            if required:
                problems.append(missing(key))
            return default
        try:
            return convert(data[key])
        except FieldError as exc:
            problems.append(Problem(doc.rel, line(key, exc.index), f"'{key}' {exc}"))
            return default

    def missing(key: str) -> Problem:
        """At the key's line, or at a misspelt key meant for it, or at line 1."""
        if key in data:
            return Problem(doc.rel, line(key), f"missing required field '{key}'")
        typo = next((k for k, meant in typos.items() if meant == key), None)
        if typo is None:
            return Problem(doc.rel, 1, f"missing required field '{key}'")
        hinted.add(typo)
        at = front.key_lines.get(typo)
        return Problem(doc.rel, at, f"missing required field '{key}' (is '{typo}' on line {at} a typo?)")

    default_slug = slugify(default_name(doc.rel))
    slug_ = field("slug", slug, default_slug)
    title = field("title", nonempty, required=True)
    moment = field("date", lambda v: parse_moment(v, tz), required=True)
    actors = field("actors", text_list, required=True)
    if actors == ():
        problems.append(Problem(doc.rel, line("actors"), "'actors' must name at least one actor"))
    summary = field("summary", text, "")
    thread_id, thread_name = field("thread", thread) or (None, None)
    built = dict(
        topics=field("topics", labels, ()),
        thread=thread_id,
        thread_name=thread_name,
        related=field("related", lambda v: text_list(v, slug), ()),
        location=field("location", text) or None,
        source=field("source", source),
        summary=summary or doc.body.first_paragraph,
        summary_given=bool(summary),
        events=field("events", lambda v: events(v, slug_, tz), ()),
        draft=field("draft", flag, False),
        former_slugs=field("former_slugs", lambda v: text_list(v, slug), ()),
        image=field("image", image),
        updated=field("updated", lambda v: not_before(parse_moment(v, tz), moment)[1]),
        corrections=field("corrections", lambda v: corrections(v, tz, moment), ()),
    )
    if problems or title is None or moment is None or not actors:
        problems += [typo_problem(doc.rel, k, meant, line(k)) for k, meant in typos.items() if k not in hinted]
        return None, problems
    extra = {k: v for k, v in data.items() if k not in KNOWN}
    return Dispatch(
        slug=slug_, title=title, date=moment[0], moment=moment[1], path=doc.rel, actors=actors,
        extra=MappingProxyType(extra), body_html=doc.body.html, mentions=doc.body.mentions,
        words=doc.body.words, digest=doc.digest + registry_digest,
        line_of=MappingProxyType(_lines(front)), **built,
    ), problems


def _lines(front: FrontMatter) -> dict[str, int]:
    """Lines of keys, and of list items as `key.N`, for problems found later by `link`."""
    lines = dict(front.key_lines)
    for key, items in front.item_lines.items():
        lines.update({f"{key}.{i}": line for i, line in enumerate(items)})
    return lines


def with_body(d: Dispatch, body: Rendered) -> Dispatch:
    """A dispatch validated while its body was being rendered (see `PENDING`), given it:
    what `to_dispatch` takes from the body, and a summary from its first paragraph when
    none was written."""
    summary = d.summary if d.summary_given else body.first_paragraph
    return replaced(d, body_html=body.html, mentions=body.mentions, words=body.words, summary=summary)


def with_actors(d: Dispatch, actors: tuple[str, ...]) -> Dispatch:
    """The dispatch with its actors resolved to these ids (every dispatch, every build)."""
    return replaced(d, actors=actors)


PENDING = Rendered(html="", first_paragraph="", mentions=(), words=0)
"""The body of a file whose Markdown is still being rendered: `to_dispatch` validates
its front matter with this, and `with_body` gives it the real one."""
