"""The interface in the site's language: one message catalogue per language, and dates,
numbers and plural forms from CLDR (through Babel).

A catalogue is a YAML file of message ids, each with its text, or, for a counted
message, its text per CLDR plural category (`one`, `few`, `many`, `other` …), in which
`{n}` is the count. Placeholders are `{name}`. The package ships one per language in
`catalogues/`; a site changes any of its strings in `i18n/LANGUAGE.yaml` beside
config.yaml, where an id the catalogue does not have is an error at its line. The
English catalogue is the list of ids: every other catalogue has exactly its ids.

The chosen catalogue with the site's strings is part of `Config`, so every page and file
depends on it: a change to either makes the whole site again.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, get_day_names, get_month_names
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from briefgen.errors import Problem
from briefgen.yamlload import YamlError, parse

CATALOGUE_DIR = Path(__file__).parent / "catalogues"
SHIPPED = ("en", "de", "fr", "es", "ru", "uk", "ar", "zh")
"""The languages briefgen's interface is written in."""
FALLBACK = "en"
SITE_DIR = "i18n"
"""The folder beside config.yaml with a site's own strings, `i18n/LANGUAGE.yaml`."""
LOCALE_KEY = "locale"
"""Not a message: the CLDR locale of dates and numbers (`en_GB` writes `26 December 2021`)."""
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")

Entry = str | Mapping[str, str]


def is_language_tag(value: str) -> bool:
    """`en`, `pt-BR`, `zh-Hans`: what `language` may be (it also names a file)."""
    return bool(LANGUAGE_TAG.fullmatch(value))


@functools.cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@functools.cache
def _babel_locale(tag: str) -> Locale | None:
    """The CLDR locale of a language tag, or None when CLDR does not know it."""
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@functools.cache
def direction_of(language: str) -> str:
    """`rtl` for a language written right to left (ar, fa, he, ur …), else `ltr`."""
    locale = _babel_locale(language)
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def placeholders(text: str) -> frozenset[str]:
    """The `{name}`s of a message (ValueError for a malformed one)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The interface's words for one site: messages by id, and CLDR's dates and numbers."""

    language: str
    """`language` as config.yaml gives it."""
    locale: str
    """The CLDR locale of dates, numbers and plural forms."""
    digest: str
    """Of every message and the locale: what pages depend on (it is in `Config`'s repr)."""
    shipped: bool = True
    """Whether briefgen has a catalogue for `language` (else it speaks English)."""
    untranslated: int = 0
    """Without a catalogue: how many messages the site's own file leaves in English."""
    messages: Mapping[str, Entry] = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)

    @property
    def direction(self) -> str:
        return direction_of(self.language)

    def text(self, key: str, /, **values: Any) -> str:
        """The message `key` with its placeholders filled; a counted message takes the
        form of its `n`'s plural category. Numbers are written the locale's way."""
        form = self._form(key, values)
        return form.format(**{k: self._shown(v) for k, v in values.items()})

    def markup(self, key: str, /, **values: Any) -> Markup:
        """`text` for HTML: the message is escaped, and so is every value but markup
        (a link given as a value stays a link)."""
        form = Markup(escape(self._form(key, values)))
        if not values and "{" not in form and "}" not in form:
            return form  # nothing to fill: as format would give it, without its parsing
        return form.format(**{k: self._shown(v) for k, v in values.items()})

    def _form(self, key: str, values: Mapping[str, Any]) -> str:
        entry = self.messages.get(key)
        if entry is None:
            near = difflib.get_close_matches(key, list(self.messages), 1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise KeyError(f"no message '{key}' in the interface catalogue{hint}")
        if isinstance(entry, str):
            return entry
        if "n" not in values:
            raise KeyError(f"message '{key}' is counted: give its count as n=…")
        n = abs(values["n"])
        category = _plural(self.locale, n) if type(n) is int else _locale(self.locale).plural_form(n)
        return entry.get(category) or entry["other"]

    def _shown(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        return self.number(value)

    def number(self, value: int | float) -> str:
        """`12,345` in English, `12 345` in Russian, `12.345` in German."""
        return _number(self.locale, value) if type(value) is int else format_decimal(value, locale=_locale(self.locale))

    def long_date(self, value: dt.date | None) -> str:
        """A day in full: `26 December 2021`, `26 декабря 2021 г.`, `2021年12月26日`."""
        # by its calendar day: two moments at one instant, written with different offsets,
        # are equal (and would share a cache entry) but fall on different days
        return _long_date(self.locale, dt.date(value.year, value.month, value.day)) if value else ""

    def month_year(self, year: int, month: int) -> str:
        """`December 2021`, `декабрь 2021 г.`."""
        return _month_year(self.locale, year, month)

    def month_name(self, month: int) -> str:
        """A month's name standing alone, as a calendar's heading: `December`, `декабрь`."""
        return get_month_names("wide", "stand-alone", _locale(self.locale))[month]

    def weekday(self, value: dt.date) -> str:
        """`Sunday`, `воскресенье`."""
        return format_date(value, "EEEE", locale=_locale(self.locale))

    def week(self) -> tuple[tuple[int, str], ...]:
        """The days of a calendar's week in the locale's order, as (Python weekday, narrow
        letter): `M T W T F S S` from Monday, or from Sunday or Saturday where weeks start then."""
        letters = get_day_names("narrow", "stand-alone", _locale(self.locale))
        first = _locale(self.locale).first_week_day
        return tuple(((first + i) % 7, letters[(first + i) % 7]) for i in range(7))


# Babel formats a number or a date in tens of microseconds, and a site's pages show the
# same few thousand counts and days over and over: each is formatted once per process.
# Only whole numbers are kept: equal floats (0.0 and -0.0) can be written apart.
@functools.lru_cache(maxsize=1 << 16)
def _plural(locale: str, n: int) -> str:
    return _locale(locale).plural_form(n)


@functools.lru_cache(maxsize=1 << 16)
def _number(locale: str, value: int) -> str:
    return format_decimal(value, locale=_locale(locale))


@functools.lru_cache(maxsize=1 << 16)
def _long_date(locale: str, value: dt.date) -> str:
    return format_date(value, "long", locale=_locale(locale))


@functools.lru_cache(maxsize=1 << 12)
def _month_year(locale: str, year: int, month: int) -> str:
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=_locale(locale))


def _read(path: Path, shown: str) -> tuple[dict[str, Entry], dict[str, int], list[Problem]]:
    """A catalogue file's entries and each one's line; malformed entries are problems."""
    try:
        parsed = parse(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        return {}, {}, [Problem(shown, None, f"cannot be read: {exc}")]
    except YamlError as exc:
        return {}, {}, [Problem(shown, exc.line, exc.message)]
    data = parsed.value if parsed.value is not None else {}
    lines = parsed.key_lines()
    if not isinstance(data, dict):
        return {}, {}, [Problem(shown, 1, "must be a mapping of message ids to their text (id: text)")]
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        line = lines.get(str(key))
        if isinstance(value, dict):
            wrong = [str(c) for c in value if c not in CATEGORIES]
            if wrong or not all(isinstance(v, str) for v in value.values()):
                problems.append(Problem(shown, line, f"'{key}': a counted message maps plural categories ({', '.join(CATEGORIES)}) to text"
                                        + (f"; '{wrong[0]}' is none of them" if wrong else "")))
                continue
            entries[str(key)] = MappingProxyType({str(c): v for c, v in value.items()})
        elif isinstance(value, str):
            entries[str(key)] = value
        else:
            problems.append(Problem(shown, line, f"'{key}' must be text (quote it if it looks like a number or yes/no)"))
    return entries, {str(k): v for k, v in lines.items()}, problems


@functools.cache
def shipped(language: str) -> tuple[Mapping[str, Entry], str]:
    """A shipped catalogue's messages and its CLDR locale."""
    entries, _, problems = _read(CATALOGUE_DIR / f"{language}.yaml", f"(briefgen) catalogues/{language}.yaml")
    if problems:
        raise RuntimeError("; ".join(str(p) for p in problems))
    locale = entries.pop(LOCALE_KEY, language)
    assert isinstance(locale, str)
    return MappingProxyType(entries), locale


def catalogue_language(language: str) -> str | None:
    """The shipped catalogue for a language tag (`pt-BR` → none, `zh-Hans` → `zh`)."""
    primary = re.split(r"[-_]", language, maxsplit=1)[0].lower()
    return primary if primary in SHIPPED else None


@functools.cache
def english() -> Catalogue:
    """The English catalogue, as a site with no `language` gets it (made once: every
    Config without a language and every chart drawn without a site's words asks for it)."""
    return load(None, FALLBACK)[0]


def load(root: Path | None, language: str) -> tuple[Catalogue, list[Problem]]:
    """The catalogue of `language` with the site's own strings (`root/i18n/LANGUAGE.yaml`)
    over it, and the problems of that file. A language briefgen has no catalogue for
    speaks English (`Catalogue.shipped` is then False, for the build's warning)."""
    chosen = catalogue_language(language)
    messages, locale = shipped(chosen or FALLBACK)
    regional = _babel_locale(language) if chosen and re.search(r"[-_]", language) else None
    if regional is not None and regional.language == chosen:
        locale = str(regional)  # en-US writes US dates; the words stay the catalogue's
    if chosen is None and _babel_locale(language) is not None:
        locale = str(_babel_locale(language))  # no words of its own, but CLDR's dates and numbers
    merged: dict[str, Entry] = dict(messages)
    problems: list[Problem] = []
    given: set[str] = set()
    site_file = root / SITE_DIR / f"{language}.yaml" if root is not None else None
    if site_file is not None and site_file.is_file():
        locale, problems, given = _override(site_file, f"{SITE_DIR}/{language}.yaml", merged, locale)
    digest = hashlib.blake2b(repr((locale, sorted((k, v if isinstance(v, str) else sorted(v.items())) for k, v in merged.items()))).encode(), digest_size=16).hexdigest()
    untranslated = 0 if chosen is not None else len(messages.keys() - given)
    return Catalogue(language, locale, digest, chosen is not None, untranslated, MappingProxyType(merged)), problems


def _override(path: Path, shown: str, merged: dict[str, Entry], locale: str) -> tuple[str, list[Problem], set[str]]:
    """Put a site's strings over the catalogue (in place), and say which it gave; a key the
    catalogue lacks, a counted message given as plain text, or a placeholder the message
    has not is an error (`{n}` is a counted message's own)."""
    entries, lines, problems = _read(path, shown)
    given: set[str] = set()
    english_ids = shipped(FALLBACK)[0]
    for key, value in entries.items():
        line = lines.get(key)
        if key == LOCALE_KEY:
            if not isinstance(value, str) or _babel_locale(value) is None:
                problems.append(Problem(shown, line, f"'{LOCALE_KEY}' must name a CLDR locale, like en_GB or pt_BR"))
            else:
                locale = str(_babel_locale(value))
            continue
        if key not in english_ids:
            near = difflib.get_close_matches(key, list(english_ids), 1)
            hint = f"; did you mean '{near[0]}'?" if near else " (the ids are those of briefgen's catalogues/en.yaml)"
            problems.append(Problem(shown, line, f"unknown message '{key}'{hint}"))
            continue
        base = merged[key]
        if isinstance(base, str) != isinstance(value, str):
            want = "text" if isinstance(base, str) else f"counted: a form per plural category ({', '.join(CATEGORIES)})"
            problems.append(Problem(shown, line, f"'{key}' must be {want}"))
            continue
        allowed = placeholders(base) if isinstance(base, str) else placeholders(base["other"]) | {"n"}
        for form in [value] if isinstance(value, str) else list(value.values()):
            try:
                extra = sorted(placeholders(form) - allowed)
            except ValueError as exc:
                problems.append(Problem(shown, line, f"'{key}': {exc} (write a brace as {{{{ or }}}})"))
                break
            if extra:
                have = ", ".join("{" + p + "}" for p in sorted(allowed - {"n"})) or "none"
                problems.append(Problem(shown, line, f"'{key}' uses {{{extra[0]}}}, which this message does not have (it has: {have})"))
                break
        else:
            merged[key] = value if isinstance(value, str) else MappingProxyType({**base, **value})
            given.add(key)
    return locale, problems, given


def language_warning(catalogue: Catalogue) -> str | None:
    """What to tell a user whose `language` has no catalogue: the interface is English."""
    if catalogue.shipped or not catalogue.untranslated:
        return None
    total = len(shipped(FALLBACK)[0])
    english = "menus, labels and dates" if catalogue.locale == shipped(FALLBACK)[1] else "menus and labels"
    left = f"{english} are in English" if catalogue.untranslated == total else f"{catalogue.untranslated} of its {total} messages are in English"
    return (
        f"language '{catalogue.language}' has no interface catalogue (briefgen speaks {', '.join(SHIPPED)}): "
        f"{left}; write its strings in {SITE_DIR}/{catalogue.language}.yaml"
    )
