"""config.yaml → a frozen `Config`, with defaults and every problem reported."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaml import SequenceNode

from briefgen import i18n
from briefgen.errors import ContentErrors, Problem
from briefgen.frontmatter import control_problem
from briefgen.model import Facet, taxonomy
from briefgen.slugs import is_slug
from briefgen.yamlload import YamlError, parse

CONFIG_NAME = "config.yaml"
CACHE_NAME = ".briefgen-cache"


@dataclass(frozen=True, slots=True)
class Config:
    """Site settings; folders are absolute, resolved against config.yaml's folder."""

    root: Path
    title: str = "Briefing"
    base_url: str = "/"
    content_dir: Path = Path("content")
    templates_dir: Path = Path("templates")
    static_dir: Path = Path("static")
    output_dir: Path = Path("site")
    timezone: str = "UTC"
    per_page: int = 20
    related_limit: int = 5
    feed_limit: int = 20
    description: str = ""
    language: str = "en"
    cname: str | None = None
    autolink_actors: bool = True
    taxonomies: tuple[Facet, ...] = ()
    """Facets the site declares beside topics, threads and sources, in config order."""
    id_authority: str | None = None
    """The domain or e-mail address in Atom ids (`tag:` URIs); see `tag_authority`."""
    catalogue: i18n.Catalogue = field(default_factory=i18n.english)
    """The interface's words in `language`, with the site's own (`i18n/LANGUAGE.yaml`)."""

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_NAME

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always starting and ending with `/`."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def absolute_base(self) -> str | None:
        """base_url when it names a host (needed for absolute links in feeds)."""
        parts = urlsplit(self.base_url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}{self.base_path}"
        return None

    @property
    def tag_authority(self) -> str:
        """Who names the Atom ids (RFC 4151's authority): `id_authority`, else base_url's
        host, else `cname`, else `localhost`. Set once, it keeps every id when the site
        moves to another host or path or changes its title."""
        return self.id_authority or urlsplit(self.base_url).hostname or self.cname or "localhost"

    def rel(self, path: Path) -> str:
        """A path as shown in messages: relative to config.yaml's folder when inside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("must be a string")
    control = control_problem(v)
    if control is not None:
        raise ValueError(control[1])
    return v


def _nonempty(v: Any) -> str:
    if not _text(v).strip():
        raise ValueError("must not be empty")
    return v


def _count(minimum: int) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise ValueError(f"must be a whole number of at least {minimum}")
        return v

    return check


def _flag(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def _folder(v: Any) -> Path:
    return Path(_nonempty(v))


def _base_url(v: Any) -> str:
    url = _nonempty(v).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.scheme and not parts.netloc):
        raise ValueError("must be a path like /repo/ or an http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    return url if url.endswith("/") else url + "/"


def _timezone(v: Any) -> str:
    try:
        ZoneInfo(_nonempty(v))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{v}' (use an IANA name like Europe/Brussels)")
    return v


def _cname(v: Any) -> str | None:
    if v is None:
        return None
    host = _nonempty(v).strip()
    if "/" in host or " " in host:
        raise ValueError("must be a bare domain name like briefing.example.org")
    return host


AUTHORITY = re.compile(r"(?:[A-Za-z0-9._%+-]+@)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")


def _authority(v: Any) -> str:
    """A domain name or e-mail address (RFC 4151's authorityName), lower-cased."""
    value = _nonempty(v).strip()
    if not AUTHORITY.fullmatch(value):
        raise ValueError("must be a domain name like brief.example.org or an e-mail address like desk@example.org")
    return value.lower()


def _language(v: Any) -> str:
    value = _nonempty(v).strip()
    if not i18n.is_language_tag(value):
        raise ValueError(f"'{value}' is not a language tag: use one like en, ru or pt-BR")
    return value


def host_warning(config: Config) -> str | None:
    """What to tell a user whose base_url is a bare path (`/`, `/brief/`): the links that
    must be absolute (in feeds, the sitemap, robots.txt and link previews) need a host."""
    if config.absolute_base:
        return None
    return (
        f"base_url '{config.base_url}' has no host: absolute links in feeds, the sitemap and link "
        "previews need one; set it in config.yaml (base_url: https://example.org/brief/) or pass --base-url"
    )


def language_warning(config: Config) -> str | None:
    """What to tell a user whose `language` briefgen has no catalogue for: the interface stays English."""
    return i18n.language_warning(config.catalogue)


class ItemError(ValueError):
    """A list setting's item is wrong: `index` says which, for its line."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def _taxonomies(v: Any) -> tuple[Facet, ...]:
    """Names of taxonomies: slugs that no URL or front-matter key of briefgen's own uses,
    since each becomes a front-matter key and the folder `/NAME/`."""
    from briefgen.fields import KNOWN  # fields reads files, which needs this module
    from briefgen.urls import taken_segments

    taken = taken_segments() | KNOWN
    names = v if isinstance(v, list) else [v]
    for i, name in enumerate(names):
        what = f"item {i + 1}"
        if not isinstance(name, str) or not is_slug(name):
            raise ItemError(f"{what}: {name!r} is not a slug: use lower-case letters, digits and '-' only", i)
        if name in taken:
            raise ItemError(f"{what}: '{name}' is taken by briefgen's own URLs or front-matter keys", i)
        if name in names[:i]:
            raise ItemError(f"{what}: '{name}' is declared twice", i)
    return tuple(taxonomy(name) for name in names)


CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": _nonempty,
    "base_url": _base_url,
    "content_dir": _folder,
    "templates_dir": _folder,
    "static_dir": _folder,
    "output_dir": _folder,
    "timezone": _timezone,
    "per_page": _count(1),
    "related_limit": _count(0),
    "feed_limit": _count(1),
    "description": _text,
    "language": _language,
    "cname": _cname,
    "autolink_actors": _flag,
    "taxonomies": _taxonomies,
    "id_authority": _authority,
}
FOLDERS = ("content_dir", "templates_dir", "static_dir", "output_dir")


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> Config:
    """Read config.yaml; `overrides` (from the command line) win over the file."""
    path = path.resolve()
    root = path.parent
    shown = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ContentErrors([Problem(shown, None, "no config.yaml here (run briefgen in a site folder, or pass --config)")])
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentErrors([Problem(shown, None, f"cannot be read: {exc}")])
    try:
        parsed = parse(text)
    except YamlError as exc:
        raise ContentErrors([Problem(shown, exc.line, exc.message)])
    data = parsed.value if parsed.value is not None else {}
    if not isinstance(data, dict):
        raise ContentErrors([Problem(shown, 1, "must be a mapping of settings (key: value)")])
    lines = parsed.key_lines()
    for key, node in parsed.children().items():  # items of list settings, as `key.N`
        if isinstance(node, SequenceNode):
            lines.update({f"{key}.{i}": item.start_mark.line + 1 for i, item in enumerate(node.value)})
    values, problems = _check(data, lines, shown)
    for key, value in (overrides or {}).items():
        if value is not None:
            try:
                values[key] = CHECKS[key](value)
            except ValueError as exc:
                problems.append(Problem("command line", None, f"--{key.replace('_', '-')} {exc}"))
    if "language" in values or (root / i18n.SITE_DIR).is_dir():
        values["catalogue"], more = i18n.load(root, values.get("language", Config.language))
        problems += more
    if problems:
        raise ContentErrors(problems)
    for key in FOLDERS:
        values[key] = (root / values.get(key, Config.__dataclass_fields__[key].default)).resolve()
    return Config(root=root, **values)


def _check(data: dict, lines: dict[str, int], shown: str) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        line = lines.get(str(key))
        check = CHECKS.get(str(key))
        if check is None:
            known = ", ".join(sorted(CHECKS))
            problems.append(Problem(shown, line, f"unknown setting '{key}' (known: {known})"))
            continue
        try:
            values[str(key)] = check(value)
        except ItemError as exc:
            problems.append(Problem(shown, lines.get(f"{key}.{exc.index}", line), f"'{key}' {exc}"))
        except ValueError as exc:
            problems.append(Problem(shown, line, f"'{key}' {exc}"))
    return values, problems


def replace(config: Config, **changes: Any) -> Config:
    """A copy of config with some settings changed (used by serve and tests)."""
    return dataclasses.replace(config, **changes)
