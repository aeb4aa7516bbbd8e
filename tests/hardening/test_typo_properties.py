"""A front-matter key one edit from a known one (a field or a declared taxonomy) is always
reported, at its line; a known key, or one two edits or more from every known key, never is.

Each example checks a small project with the real command line, in-process.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from briefgen.fields import KNOWN, one_edit_apart
from tests.conftest import dispatch, run_cli
from tests.hardening.fuzzing import scratch_project

TAXONOMIES = ("regions", "sectors")
FIELDS = tuple(sorted(KNOWN)) + TAXONOMIES
REQUIRED = ("title", "date", "actors")
CONFIG = f"title: T\ntaxonomies: [{', '.join(TAXONOMIES)}]\n"
LETTERS = "abcdefghijklmnopqrstuvwxyz_-"
VALID = {
    "slug": "a-dispatch", "summary": "S.", "topics": "[security]", "thread": "talks", "related": "[other]",
    "location": "Vienna", "source": "{name: TASS, url: 'https://tass.com/'}", "events": "[{date: 2022-01-12, title: Session}]",
    "draft": "false", "former_slugs": "[old-one]", "regions": "[Europe]", "sectors": "energy",
    "image": "https://example.org/map.png", "updated": "2021-12-27", "corrections": "[{date: 2021-12-27, text: A name.}]",
}
"""A correct value of each optional field: a problem with one is a problem with the key."""
OTHER = dispatch("Other", "2021-12-20", slug="other", thread="talks")
PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without re-edits), the
    textbook dynamic programme: the oracle the quick test in `fields` is held to."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


@st.composite
def one_edit(draw: st.DrawFn, word: str) -> str:
    """word with one letter added, dropped or changed, or two neighbours swapped."""
    kind = draw(st.sampled_from(["add", "drop", "change", "swap"]))
    at = draw(st.integers(0, len(word) - (kind != "add") - (kind == "swap")))
    letter = draw(st.sampled_from(LETTERS))
    if kind == "add":
        return word[:at] + letter + word[at:]
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "change":
        return word[:at] + letter + word[at + 1 :]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


typos = st.sampled_from(FIELDS).flatmap(lambda field: st.tuples(st.just(field), one_edit(field))).filter(lambda t: t[1] not in FIELDS)
far_keys = st.text(LETTERS[:-1], min_size=1, max_size=14).filter(
    lambda k: not k.startswith("_") and all(distance(k, known) >= 2 for known in FIELDS)
)


def check(fields: dict[str, str], drop: str | None = None):
    """`briefgen check` of a dispatch with these fields after the required ones (one of
    which may be dropped), beside another dispatch; returns (result, {key: line})."""
    lines = ["---", "title: A dispatch", "date: 2021-12-26", "actors: [NATO]"]
    lines = [line for line in lines if drop is None or not line.startswith(drop + ":")]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    at = {line.split(":")[0]: n for n, line in enumerate(lines, 1)}
    text = "\n".join(lines) + "\n---\nBody.\n"
    with scratch_project({"config.yaml": CONFIG, "content/a.md": text, "content/other.md": OTHER}) as root:
        return run_cli("check", cwd=root), at


@given(st.text("abc-", max_size=6), st.text("abc-", max_size=6))
@example("topics", "topcis")
@example("ab", "ba")
@example("", "a")
def test_one_edit_apart_is_a_distance_of_one(a: str, b: str) -> None:
    assert one_edit_apart(a, b) == (distance(a, b) == 1)


@PROPS
@given(typos)
@example(("topics", "topcis"))
@example(("actors", "acters"))
@example(("date", "dtae"))
@example(("regions", "regoins"))
@example(("former_slugs", "former-slugs"))
@example(("sectors", "aectors"))
def test_a_key_one_edit_from_a_known_one_is_always_reported(typo: tuple[str, str]) -> None:
    field, key = typo
    if field in REQUIRED:  # written in the field's place, with its value
        value = {"title": "A dispatch", "date": "2021-12-26", "actors": "[NATO]"}[field]
        result, at = check({key: value}, drop=field)
        expected = [f"content/a.md:{at[key]}: missing required field '{field}' (is '{key}' on line {at[key]} a typo?)"]
    else:
        result, at = check({key: VALID[field]})
        meant = [f for f in FIELDS if distance(key, f) == 1]  # `aectors`: `actors` or `sectors`
        expected = [f"content/a.md:{at[key]}: '{key}': did you mean '{f}'?" for f in meant]
    assert result.code == 1
    problems = result.err.splitlines()
    assert problems[1:] == ["briefgen: 1 problem; nothing was written"]
    assert problems[0] in expected


@PROPS
@given(st.lists(st.sampled_from(sorted(VALID)), unique=True), st.lists(far_keys, unique=True, max_size=3))
@example(sorted(VALID), ["authors", "created", "subtitle", "desk"])
def test_known_keys_and_keys_far_from_them_are_never_reported(fields: list[str], extras: list[str]) -> None:
    given_fields = {f: VALID[f] for f in fields} | {k: "'an extra'" for k in extras}
    result, _ = check(given_fields)
    assert result.code == 0, result.err


plain_values = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="#\ufeff\x85"), max_size=25)  # short enough to be shown whole


@PROPS
@given(plain_values, plain_values)
@example("NATO", "a reply")
@example('He said "no"', "C:\\path")
def test_the_quoted_value_a_colon_error_suggests_reads_back_as_the_value(before: str, after: str) -> None:
    """Where an unquoted ': ' breaks a value, the line the message offers parses as that value."""
    from briefgen.yamlload import YamlError, parse

    value = f"{before.strip()}: {after.strip()}"
    try:
        parse(f"title: {value}\n")
    except YamlError as exc:
        if "quote the value, as in " not in exc.message:
            return  # another mistake in the value, said otherwise
        fixed = exc.message.split("quote the value, as in ", 1)[1]
        assert parse(fixed + "\n").value == {"title": value.strip()}
