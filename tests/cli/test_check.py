"""`briefgen check` as a curator runs it: exit codes, `PATH:LINE` findings, text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import dispatch, run_cli, tree_bytes

REGISTRY = """\
nato:
  name: NATO
  kind: organization
russia:
  name: Russia
  kind: state
  aliases: [Moscow]
russian-foreign-ministry:
  name: Russian Foreign Ministry
  aliases: [Russian MFA]
  affiliations: [russia]
russian-defence-ministry:
  name: Russian Defence Ministry
  aliases: [Russian MoD]
  affiliations: [russia]
sergey-lavrov:
  name: Sergey Lavrov
  aliases: [Lavrov]
  affiliations: [russian-foreign-ministry]
sergei-ryabkov:
  name: Sergei Ryabkov
  aliases: [Ryabkov]
jens-stoltenberg:
  name: Jens Stoltenberg
  aliases: [Stoltenberg]
maria-zakharova:
  name: Maria Zakharova
"""

SOURCE = '{name: TASS, url: "https://tass.com/"}'


def good(title: str, date: str, actors: str = "[NATO, Russia]", body: str = "Talks went on.", **fields: str) -> str:
    """A dispatch with nothing for the editorial checks to report on its own."""
    fields = {"thread": "talks", "source": SOURCE, "summary": "The bottom line.", **fields}
    fields = {k: v for k, v in fields.items() if v is not None}
    return dispatch(title=title, date=date, actors=actors, body=body, **fields)


HOSTED = "title: Test Briefing\nbase_url: https://brief.example.org/\n"

BASE = {
    "config.yaml": HOSTED,
    "content/actors.yaml": REGISTRY,
    "content/a.md": good("First", "2021-12-20"),
    "content/b.md": good("Second", "2021-12-27"),
}


def check(root: Path, *args: str):
    return run_cli("check", *args, cwd=root)


def findings(root: Path, *args: str) -> tuple[int, list[dict]]:
    result = check(root, "--strict", "--format", "json", *args)
    return result.code, json.loads(result.out)["findings"]


def kinds(found: list[dict]) -> list[str]:
    return [f["kind"] for f in found]


# --- plain check --------------------------------------------------------------


def test_clean_site_passes_strict(make_site) -> None:
    result = check(make_site(BASE), "--strict")
    assert result.code == 0, result.out + result.err
    assert result.out == "ok: 2 dispatches, 8 actors; 0 errors, 0 warnings\n"


def test_check_writes_nothing(make_site) -> None:
    root = make_site({**BASE, "content/c.md": dispatch(actors="[Someone New]")})
    before = tree_bytes(root)
    for args in ((), ("--strict",), ("--strict", "--format", "json")):
        check(root, *args)
    assert tree_bytes(root) == before
    assert not (root / "site").exists() and not (root / ".briefgen-cache").exists()


def test_content_errors_are_all_reported_with_path_and_line(make_site) -> None:
    root = make_site({**BASE, "content/bad.md": dispatch(date="2021-02-30"), "content/worse.md": dispatch(related="[nowhere]")})
    result = check(root, "--strict")
    assert result.code == 1
    assert "content/bad.md:3: 'date' '2021-02-30' does not exist" in result.err
    assert "content/worse.md:5: 'related' names 'nowhere', but no dispatch has that slug" in result.err
    assert "Traceback" not in result.err and result.out == ""


def test_content_errors_as_json(make_site) -> None:
    root = make_site({**BASE, "content/bad.md": dispatch(date="2021-02-30"), "content/worse.md": dispatch(thread="bad_thread")})
    result = check(root, "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["ok"] is False and report["findings"] == []
    assert {(p["path"], p["line"]) for p in report["problems"]} == {("content/bad.md", 3), ("content/worse.md", 5)}


def test_template_errors_are_found_without_building(make_site) -> None:
    root = make_site({**BASE, "templates/dispatch.html": "<p>\n{% if %}\n"})
    result = check(root)
    assert result.code == 1
    assert "templates/dispatch.html:2: template error" in result.err


def test_wrong_format_is_a_usage_error(make_site) -> None:
    assert check(make_site(BASE), "--format", "yaml").code == 2


def test_help_says_which_findings_fail(make_site) -> None:
    result = check(make_site(BASE), "--help")
    assert result.code == 0
    assert "errors (exit 1): a base_url without a host" in result.out and "implicit actors" in result.out and "warnings (reported, exit 0)" in result.out


def test_example_site_passes_strict(copy_site) -> None:
    root = copy_site("example")  # as shipped: its config.yaml names where it is published
    result = check(root, "--strict")
    assert result.code == 0, result.out + result.err
    assert "0 errors" in result.out
    assert json.loads(check(root, "--strict", "--format", "json").out)["ok"] is True


# --- base_url -----------------------------------------------------------------


@pytest.mark.parametrize("base_url", ["/", "/brief/"])
def test_base_url_without_host_fails_strict_only(make_site, base_url: str) -> None:
    root = make_site({**BASE, "config.yaml": f"title: T\nbase_url: {base_url}\n"})
    assert check(root).code == 0
    result = check(root, "--strict")
    assert result.code == 1
    assert result.out.splitlines()[:2] == [
        "base_url without a host (errors): 1",
        f"  config.yaml: error: base_url '{base_url}' has no host: absolute links in feeds, the sitemap and link previews "
        "need one; set it in config.yaml (base_url: https://example.org/brief/) or pass --base-url",
    ]
    code, found = findings(root)
    assert (code, kinds(found)) == (1, ["base-url-host"])


# --- actors -------------------------------------------------------------------


def test_implicit_actor_fails_strict_only(make_site) -> None:
    root = make_site({**BASE, "content/c.md": good("Third", "2021-12-28", actors="[NATO, Ursula von der Leyen]")})
    assert check(root).code == 0
    result = check(root, "--strict")
    assert result.code == 1
    assert "content/c.md:4: error: 'Ursula von der Leyen' is not in content/actors.yaml" in result.out
    assert "(id 'ursula-von-der-leyen')" in result.out


@pytest.mark.parametrize(
    "written, registered",
    [
        ("J. Stoltenberg", "jens-stoltenberg"),
        ("Jens Stoltenbreg", "jens-stoltenberg"),
        ("Йенс Столтенберг", "jens-stoltenberg"),
        ("Мария Захарова", "maria-zakharova"),
        ("Mariya Zakharova", "maria-zakharova"),
        ("Sergei Lavrov", "sergey-lavrov"),
        ("Russian Defense Ministry", "russian-defence-ministry"),
    ],
)
def test_likely_duplicate_of_a_registered_actor(make_site, written: str, registered: str) -> None:
    root = make_site({**BASE, "content/c.md": good("Third", "2021-12-28", actors=f"[NATO, {written}]")})
    code, found = findings(root)
    assert code == 1
    assert kinds(found) == ["duplicate-actor"]
    assert found[0]["like"] == registered and found[0]["path"] == "content/c.md" and found[0]["line"] == 4
    assert written in found[0]["message"]


@pytest.mark.parametrize("written", ["Russian Interior Ministry", "Sergei Shoigu", "Sergey Ryabinin", "Maria Zakharchenko", "Iran"])
def test_distinct_names_are_not_duplicates(make_site, written: str) -> None:
    root = make_site({**BASE, "content/c.md": good("Third", "2021-12-28", actors=f"[NATO, {written}]")})
    code, found = findings(root)
    assert code == 1
    assert kinds(found) == ["implicit-actor"]


def test_registered_records_of_one_actor(make_site) -> None:
    registry = REGISTRY + "sergei-lavrov:\n  name: Sergei Lavrov\n  kind: person\n"
    root = make_site({**BASE, "content/actors.yaml": registry})
    code, found = findings(root)
    assert code == 1
    assert [(f["kind"], f["path"], f["line"], f["actor"], f["like"]) for f in found] == [
        ("duplicate-actor", "content/actors.yaml", registry.splitlines().index("sergei-lavrov:") + 1, "sergei-lavrov", "sergey-lavrov")
    ]


def test_two_spellings_of_one_unregistered_actor(make_site) -> None:
    root = make_site({
        **BASE,
        "content/c.md": good("Third", "2021-12-28", actors="[NATO, Ursula von der Leyen]"),
        "content/d.md": good("Fourth", "2021-12-29", actors="[NATO, U. von der Leyen]"),
    })
    code, found = findings(root)
    assert code == 1
    dup = [f for f in found if f["kind"] == "duplicate-actor"]
    assert [(f["path"], f["name"]) for f in dup] == [("content/d.md", "U. von der Leyen")]
    assert "Ursula von der Leyen" in dup[0]["message"]


# --- dispatches ---------------------------------------------------------------


def test_actor_mentioned_but_not_listed_is_a_warning(make_site) -> None:
    root = make_site({**BASE, "content/c.md": good("Third", "2021-12-28", body="Lavrov said Moscow would answer.")})
    result = check(root, "--strict")
    assert result.code == 0
    assert "content/c.md:4: warning: the text mentions Sergey Lavrov but 'actors' does not list it" in result.out
    code, found = findings(root)
    assert [f["actor"] for f in found] == ["sergey-lavrov"]  # Moscow is Russia, which is listed


def test_an_actor_implied_by_a_listed_ones_affiliations_is_not_omitted(make_site) -> None:
    body = "Moscow answered through the Russian Foreign Ministry; the Russian MoD said nothing."
    root = make_site({**BASE, "content/c.md": good("Third", "2021-12-28", actors="[NATO, Lavrov]", body=body)})
    code, found = findings(root)
    assert [(f["kind"], f["actor"]) for f in found] == [("unlisted-mention", "russian-defence-ministry")]


def test_mentions_are_checked_even_with_autolinking_off(make_site) -> None:
    root = make_site({
        **BASE,
        "config.yaml": HOSTED + "autolink_actors: false\n",
        "content/c.md": good("Third", "2021-12-28", body="Ryabkov spoke."),
    })
    code, found = findings(root)
    assert (code, kinds(found), found[0]["actor"]) == (0, ["unlisted-mention"], "sergei-ryabkov")


def test_orphan_dispatch(make_site) -> None:
    root = make_site({**BASE, "content/c.md": good("Alone", "2021-12-28", actors="[Russian Defence Ministry]", thread=None)})
    code, found = findings(root)
    assert code == 0
    assert [(f["kind"], f["path"], f["line"]) for f in found] == [("orphan-dispatch", "content/c.md", 4)]


def test_a_related_link_is_not_an_orphan(make_site) -> None:
    root = make_site({**BASE, "content/c.md": good("Linked", "2021-12-28", actors="[Russian Defence Ministry]", thread=None, related="[a]")})
    assert findings(root) == (0, [])


@pytest.mark.parametrize("date, gap", [("2022-01-27", 31), ("2022-01-26", None)])
def test_thread_gap_over_30_days(make_site, date: str, gap: int | None) -> None:
    root = make_site({**BASE, "content/c.md": good("Much later", date)})
    code, found = findings(root)
    assert code == 0
    if gap is None:
        assert found == []
    else:
        assert [(f["kind"], f["path"], f["line"], f["days"]) for f in found] == [("thread-gap", "content/c.md", 5, gap)]


EVENT = "\n  - {date: 2022-01-12, title: Council session}"


def test_past_event_without_follow_up(make_site) -> None:
    root = make_site({**BASE, "content/b.md": good("Second", "2021-12-27", events=EVENT)})
    code, found = findings(root)
    assert code == 0
    assert [(f["kind"], f["path"], f["line"], f["date"]) for f in found] == [("past-event", "content/b.md", 9, "2022-01-12")]
    assert "'Council session' was due on 2022-01-12" in found[0]["message"]


@pytest.mark.parametrize(
    "follow_up",
    [
        good("Session held", "2022-01-12"),  # same thread, on the day
        good("Session held", "2022-01-13", actors="[NATO, Russia, Lavrov]", thread=None),  # same actors
    ],
)
def test_past_event_with_follow_up(make_site, follow_up: str) -> None:
    root = make_site({**BASE, "content/b.md": good("Second", "2021-12-27", events=EVENT), "content/c.md": follow_up})
    assert "past-event" not in kinds(findings(root)[1])


def test_one_shared_actor_is_no_follow_up(make_site) -> None:
    root = make_site({
        **BASE,
        "content/b.md": good("Second", "2021-12-27", events=EVENT),
        "content/c.md": good("Elsewhere", "2022-01-13", actors="[NATO, Lavrov]", thread="other"),
    })
    assert "past-event" in kinds(findings(root)[1])


def test_future_event_is_not_reported(make_site) -> None:
    root = make_site({**BASE, "content/b.md": good("Second", "2021-12-27", events="\n  - {date: 2999-01-12, title: Far off}")})
    assert findings(root) == (0, [])


def test_missing_source_and_summary(make_site) -> None:
    root = make_site({**BASE, "content/b.md": good("Second", "2021-12-27", source=None, summary=None)})
    code, found = findings(root)
    assert code == 0
    assert [(f["kind"], f["path"], f["line"]) for f in found] == [("missing-source", "content/b.md", 1), ("missing-summary", "content/b.md", 1)]


# --- report formats -----------------------------------------------------------

REPORT_SCHEMA = {
    "type": "object",
    "required": ["ok", "problems", "findings", "counts"],
    "additionalProperties": False,
    "properties": {
        "ok": {"type": "boolean"},
        "problems": {"type": "array", "items": {"$ref": "#/$defs/located"}},
        "findings": {
            "type": "array",
            "items": {
                "allOf": [{"$ref": "#/$defs/located"}],
                "required": ["kind", "severity"],
                "properties": {"kind": {"type": "string"}, "severity": {"enum": ["error", "warning"]}},
            },
        },
        "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    },
    "$defs": {
        "located": {
            "type": "object",
            "required": ["path", "line", "message"],
            "properties": {"path": {"type": "string"}, "line": {"type": ["integer", "null"]}, "message": {"type": "string"}},
        }
    },
}

MESSY = {
    **BASE,
    "content/b.md": good("Second", "2021-12-27", source=None),
    "content/c.md": good("Third", "2021-12-28", actors="[NATO, Someone New, J. Stoltenberg]"),
    "content/d.md": good("Fourth", "2021-12-29", actors="[Another One]"),
}


def test_json_report(make_site) -> None:
    result = check(make_site(MESSY), "--strict", "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["ok"] is False and report["problems"] == []
    assert report["counts"] == {
        "base-url-host": 0, "implicit-actor": 2, "duplicate-actor": 1, "unlisted-mention": 0, "orphan-dispatch": 0,
        "thread-gap": 0, "past-event": 0, "missing-source": 1, "missing-summary": 0,
    }
    assert sum(report["counts"].values()) == len(report["findings"])


def test_json_without_strict_has_no_findings(make_site) -> None:
    result = check(make_site(MESSY), "--format", "json")
    assert result.code == 0
    assert json.loads(result.out) == {"ok": True, "problems": [], "findings": [], "counts": {}}


def test_text_report_is_grouped_with_counts(make_site) -> None:
    result = check(make_site(MESSY), "--strict")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "implicit actors (errors): 2"
    assert lines[1:3] == [
        "  content/c.md:4: error: 'Someone New' is not in content/actors.yaml; register it (id 'someone-new') or use a registered name",
        "  content/d.md:4: error: 'Another One' is not in content/actors.yaml; register it (id 'another-one') or use a registered name",
    ]
    assert lines[3] == "likely duplicate actors (errors): 1"
    assert lines[4].startswith("  content/c.md:4: error: 'J. Stoltenberg' is not in content/actors.yaml but looks like 'Jens Stoltenberg'")
    assert lines[5:7] == ["dispatches without a source (warnings): 1", "  content/b.md:1: warning: no 'source': readers cannot see where this comes from"]
    assert lines[-1] == "failed: 4 dispatches, 11 actors; 3 errors, 1 warning"
