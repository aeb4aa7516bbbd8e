"""Hypothesis strategies for hostile site input, and the check every outcome must pass.

A build of any input either succeeds or exits 1 printing only `PATH:LINE: message` lines
and the closing summary; anything else (a traceback, another exit code, a hang) is a bug.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any, Iterator

import yaml
from hypothesis import event
from hypothesis import strategies as st

from tests.conftest import CliResult, run_cli, write_site

PROBLEM_LINE = re.compile(r"^[^\s:][^:\n]*(:[1-9]\d*)?: \S")
"""PATH, relative to the project (any folder the config names), then the line when known."""
SUMMARY_LINE = re.compile(r"^briefgen: \d+ problems?; nothing was written$")

FIELDS = (
    "title", "date", "actors", "slug", "summary", "topics", "thread", "related",
    "location", "source", "events", "draft", "former_slugs",
)

# YAML that PyYAML's safe loader treats specially: tags, anchors, merge keys, odd numbers.
YAML_SNIPPETS = (
    "!!binary aGVsbG8=", "!!binary '@@'", "!!set {a, b}", "!!omap [{a: 1}]", "!!pairs [{a: 1}]",
    "!!timestamp 2021-12-26", "!!timestamp 2021-02-30", "!!int ''", "!!int '-'", "!!float ''",
    "!!int 0x", "!!float abc", "!!str", "!!null x", "!!bool maybe", "!!python/name:os.system",
    "!!map [1]", "!!seq {a: 1}", "&a [1, *a]", "*missing", "&x 1", "<<: 1", "~", ".nan", "-.inf",
    "0x1F", "0o17", "0b101", "1_000", "1e1000", "-0", "190:20:30", "2021-02-30", "2021-12-26T25:00",
    "2021-12-26T10:00+99:00", "2021-12-26 10:00:00.5 -5", "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00", "'unterminated", "\"bad \\escape\"", "[", "{a: ", "? [a]\n: b",
    "|\n  block\n  text", ">-\n  folded", "\"\\ud800\"", "\"\\x1b\"", "\"\\u2028\"", "@reserved",
    "`reserved", "%TAG", "--- second", "...", "- a\n- b", "1" * 5000, "[" * 300 + "]" * 300,
    "{" * 150 + "}" * 150, "javascript:alert(1)", "ftp://x", "{name: n, url: 'javascript:alert(1)'}", "{name: n, url: //evil}", "../../etc/passwd", "CON", "NUL", "a" * 3000,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from(["name", "url", "date", "title"])), inner, max_size=4),
    ),
    max_leaves=12,
)
"""Any value YAML can carry, nested, for any field."""

def words(min_size: int = 0, max_size: int = 20) -> st.SearchStrategy[str]:
    """Any printable text in any script (control characters are tested as hostile values)."""
    return st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=min_size, max_size=max_size)


slugish = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)).map(str)
good_field = {
    "title": words(min_size=1, max_size=30),
    "date": st.one_of(dates, st.datetimes().map(lambda d: d.isoformat())),
    "actors": st.lists(words(min_size=1, max_size=20), min_size=1, max_size=4),
    "slug": slugish,
    "summary": words(max_size=60),
    "topics": st.lists(words(min_size=1, max_size=20), max_size=3),
    "thread": slugish,
    "related": st.lists(st.just("c"), max_size=1),
    "location": words(max_size=20),
    "source": st.fixed_dictionaries({"name": words(min_size=1, max_size=15)}, optional={"url": st.sampled_from(["https://tass.com/", "http://x.org/a?b=c&d='e'#f", "HTTPS://X.ORG"])}),
    "events": st.lists(st.fixed_dictionaries({"date": dates, "title": words(min_size=1, max_size=20)}), max_size=3),
    "draft": st.booleans(),
    "former_slugs": st.lists(slugish, max_size=2),
}


def dump(mapping: object, unicode: bool = True) -> str:
    return yaml.safe_dump(mapping, allow_unicode=unicode, sort_keys=False, default_flow_style=None)


@st.composite
def front_matter(draw: st.DrawFn, hostile: int = 1) -> str:
    """YAML text for a dispatch: plausible fields, up to `hostile` of them given any value
    at all (or a raw YAML oddity), sometimes a required one missing, plus extra keys."""
    keys = draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=len(FIELDS)))
    required = [k for k in ("title", "date", "actors") if draw(st.integers(0, 19)) < 19]
    mapping = {k: draw(good_field[k]) for k in dict.fromkeys(required + keys)}
    bad = draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=hostile))
    raw = {k: draw(st.sampled_from(YAML_SNIPPETS)) for k in bad if draw(st.integers(0, 3)) == 0}
    mapping.update({k: draw(values) for k in bad if k not in raw})
    for extra in draw(st.lists(st.text(min_size=1, max_size=8), max_size=2)):
        mapping.setdefault(extra, draw(values))
    for k in raw:
        mapping.pop(k, None)
    try:
        text = dump(mapping, draw(st.booleans()))
    except yaml.YAMLError:
        text = "title: x\n"
    return text + "".join(f"{k}: {v}\n" for k, v in raw.items())


bodies = st.one_of(
    words(max_size=200),
    st.sampled_from(["", "Body.", "# Head\n\nPara [link](http://x) ![i](y.png)", "> quote\n\n- a\n- b", "| a | b |\n|---|---|\n| 1 | 2 |", "[^1]\n\n[^1]: note", "<script>alert(1)</script>", "---\n---", "```\ncode\n```"]),
)


@st.composite
def dispatch_text(draw: st.DrawFn, hostile: int = 1) -> str:
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = "---\n" + draw(front_matter(hostile)) + "---\n" + draw(bodies)
    return ("\ufeff" if draw(st.booleans()) else "") + text.replace("\n", newline)


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "ascii", "shift_jis", "koi8-r")


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    """text in an encoding a user's editor might have picked, with NULs or lone surrogates sometimes."""
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    trick = draw(st.integers(0, 4))
    at = draw(st.integers(0, len(data)))
    if trick == 1:
        data = data[:at] + b"\x00" + data[at:]
    elif trick == 2:  # a lone surrogate, as Python's surrogatepass would write it
        data = data[:at] + "\ud800".encode("utf-8", "surrogatepass") + data[at:]
    elif trick == 3:
        data = data[:at]  # truncated, possibly in the middle of a character
    return data


RECORD = {
    "name": words(min_size=1, max_size=15),
    "kind": st.sampled_from(["person", "organization", "state", "other"]),
    "aliases": st.lists(words(min_size=1, max_size=10), max_size=3),
    "affiliations": st.lists(st.just("nato"), max_size=1),
    "description": words(max_size=40),
    "former_ids": st.lists(slugish, max_size=2),
}
BAD_RECORD = {"kind": "robot", "affiliations": ["nobody"], "other": 1, "former_ids": ["Not A Slug"]}


@st.composite
def actors_yaml(draw: st.DrawFn) -> str:
    """An actor registry (always with `nato`): plausible records, at most one hostile part."""
    registry: dict[Any, Any] = {"nato": {"name": "NATO"}}
    for _ in range(draw(st.integers(0, 4))):
        fields = draw(st.lists(st.sampled_from(sorted(RECORD)), unique=True))
        registry[draw(slugish)] = {f: draw(RECORD[f]) for f in fields}
    hostile = draw(st.integers(0, 5))
    if hostile == 1:
        registry[draw(st.one_of(st.text(max_size=10), st.integers(), st.none()))] = draw(values)
    elif hostile == 2:
        registry[draw(slugish)] = {draw(st.sampled_from([*RECORD, "other"])): draw(values)}
    elif hostile == 3:
        key = draw(st.sampled_from(sorted(BAD_RECORD)))
        registry[draw(slugish)] = {key: BAD_RECORD[key]}
    text = dump(registry)
    if hostile == 4:
        text += f"{draw(slugish)}: {draw(st.sampled_from(YAML_SNIPPETS))}\n"
    return text


SETTINGS = {
    "title": st.text(min_size=1, max_size=20),
    "base_url": st.sampled_from(["/", "/repo/", "https://user.github.io/repo/", "http://x.org", "/ü/", "/a b/"]),
    "content_dir": st.sampled_from(["content", "content/../content", "./content"]),
    "templates_dir": st.sampled_from(["templates", "nope", "content"]),
    "static_dir": st.sampled_from(["static", "nope", "content"]),
    "output_dir": st.sampled_from(["site", "out", "sub/site", "../out"]),
    "timezone": st.sampled_from(["UTC", "Europe/Brussels", "Pacific/Kiritimati", "Etc/GMT+12", "posixrules", "Factory"]),
    "per_page": st.integers(1, 30),
    "related_limit": st.integers(0, 30),
    "feed_limit": st.integers(1, 30),
    "description": st.text(max_size=30),
    "language": st.text(min_size=1, max_size=8),
    "cname": st.sampled_from(["briefing.example.org", None]),
    "autolink_actors": st.booleans(),
}
FOLDERS = ("content_dir", "templates_dir", "static_dir", "output_dir")
BAD_SETTINGS = {
    "base_url": ["repo", "javascript:alert(1)", "//x", "http://", "https://x/?q#f", ""],
    "content_dir": ["nope", ".", "..", "", "config.yaml"],
    "output_dir": [".", "..", "content", "config.yaml", "site/../content", "", "templates"],
    "timezone": ["Europe", "../x", "/etc/passwd", "zone.tab", "", "a" * 300],
    "per_page": [0, -1, 1.5, True],
    "cname": ["a/b", "a b", ""],
    "unknown_setting": ["x"],
}


@st.composite
def config_yaml(draw: st.DrawFn) -> str:
    """Plausible settings with at most one given a wrong or arbitrary value (or a raw YAML oddity)."""
    keys = draw(st.lists(st.sampled_from(sorted(SETTINGS)), unique=True))
    mapping = {k: draw(SETTINGS[k]) for k in keys}
    hostile = draw(st.sampled_from([None, *sorted(set(SETTINGS) | set(BAD_SETTINGS))]))
    how = draw(st.integers(0, 2))
    if hostile in FOLDERS and how != 1:  # never let a fuzzed folder point outside the scratch folder
        how, mapping[hostile] = 3, draw(st.one_of(st.integers(), st.booleans(), st.lists(st.just("x")), st.just("fuzz-" + draw(slugish))))
    if hostile is not None and how == 0:
        mapping[hostile] = draw(values)
    elif hostile is not None and how == 1 and hostile in BAD_SETTINGS:
        mapping[hostile] = draw(st.sampled_from(BAD_SETTINGS[hostile]))
    try:
        text = dump(mapping)
    except yaml.YAMLError:
        text = ""
    if hostile is not None and how == 2:
        mapping.pop(hostile, None)
        text = dump(mapping) + f"{hostile}: {draw(st.sampled_from(YAML_SNIPPETS))}\n"
    return text


class Hang(BaseException):
    """Raised by the alarm: not an Exception, so no `except` in briefgen can swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: a build of a tiny site that takes this long is a bug."""

    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"the build took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def scratch_project(files: dict[str, str | bytes]) -> Iterator[Path]:
    """A project written into a fresh temporary folder, removed afterwards whatever happens."""
    scratch = Path(tempfile.mkdtemp(prefix="briefgen-fuzz-"))
    try:
        yield write_site(scratch / "project", files)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def assert_clean_outcome(root: Path, result: CliResult, output: str = "site") -> None:
    """Exit 0 with a site, or exit 1 with nothing but located problems and the summary."""
    if result.code == 0:
        assert (root / output / "index.html").is_file(), result.out
        return
    assert result.code == 1, f"exit {result.code}: {result.err}"
    lines = result.err.rstrip("\n").split("\n")  # a terminal breaks lines at \n only
    assert lines and SUMMARY_LINE.match(lines[-1]), result.err
    for line in lines[:-1]:
        assert PROBLEM_LINE.match(line), f"not a PATH:LINE: message line: {line!r}\n{result.err}"
    assert "Traceback" not in result.err


def check_build(files: dict[str, str | bytes], output: str = "site", seconds: float = 20) -> CliResult:
    """Build files as a project and assert the outcome is clean."""
    with scratch_project(files) as root:
        with time_limit(seconds):
            result = run_cli("build", cwd=root)
        event(f"exit {result.code}")
        assert_clean_outcome(root, result, output)
    return result
