"""Typos never lose data: a misspelt key, `related` slug or thread, and the YAML slips users
make most, are errors that say what was meant, at the line to edit, in `build` and `check`."""

from __future__ import annotations

import pytest

from tests.conftest import dispatch, page, run_cli, tree_bytes

TAXONOMIES = "title: Test Briefing\nbase_url: https://brief.example.org/\ntaxonomies: [regions, sectors]\n"
GOOD = {
    "config.yaml": TAXONOMIES,
    "content/actors.yaml": "nato:\n  name: NATO\nrussia:\n  name: Russia\n",
    "content/proposal.md": dispatch("NATO proposes a council session", "2021-12-26", thread="nato-russia-talks", slug="nato-proposal"),
    "content/reply.md": dispatch("Russia replies", "2021-12-27", "[Russia]", thread="nato-russia-talks", slug="russia-replies"),
}
NOT_FOUND = "but no dispatch has that slug"


def fails(root, expected: list[str], command: tuple[str, ...] = ("build",)) -> str:
    """Run a command that must fail with exactly these problems, one a line, in this order."""
    result = run_cli(*command, cwd=root)
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [*expected, f"briefgen: {len(expected)} problem{'s' * (len(expected) != 1)}; nothing was written"]
    return result.err


CASES = {
    "a misspelt optional field": (
        dispatch(topcis="[european security]"),
        ["content/new.md:5: 'topcis': did you mean 'topics'?"],
    ),
    "a field one letter short": (
        dispatch(sourc="{name: TASS}"),
        ["content/new.md:5: 'sourc': did you mean 'source'?"],
    ),
    "a plural field": (
        dispatch(threads="nato-russia-talks"),
        ["content/new.md:5: 'threads': did you mean 'thread'?"],
    ),
    "a misspelt required field": (
        "---\ntitle: T\ndate: 2021-12-26\nacters: [NATO]\n---\nBody.\n",
        ["content/new.md:4: missing required field 'actors' (is 'acters' on line 4 a typo?)"],
    ),
    "a required field in capitals": (
        "---\nTitle: T\ndate: 2021-12-26\nactors: [NATO]\n---\nBody.\n",
        ["content/new.md:2: missing required field 'title' (is 'Title' on line 2 a typo?)"],
    ),
    "a misspelt taxonomy": (
        dispatch(regoins="[Europe]"),
        ["content/new.md:5: 'regoins': did you mean 'regions'?"],
    ),
    "a taxonomy in the singular": (
        dispatch(sector="energy"),
        ["content/new.md:5: 'sector': did you mean 'sectors'?"],
    ),
    "a related slug one letter off": (
        dispatch(related="[nato-proposl]"),
        [f"content/new.md:5: 'related' names 'nato-proposl', {NOT_FOUND}; did you mean 'nato-proposal'?"],
    ),
    "a related slug with a word left out": (
        dispatch(related="[russia-replies-to-nato]"),
        [f"content/new.md:5: 'related' names 'russia-replies-to-nato', {NOT_FOUND}; did you mean 'russia-replies'?"],
    ),
    "a related slug like none": (
        dispatch(related="[ukraine-ceasefire]"),
        [f"content/new.md:5: 'related' names 'ukraine-ceasefire', {NOT_FOUND}"],
    ),
    "a misspelt thread": (
        dispatch(thread="nato-rusia-talks"),
        ["content/new.md:5: 'thread' 'nato-rusia-talks' is used by no other dispatch; did you mean 'nato-russia-talks'?"],
    ),
    "a thread with two letters swapped": (
        dispatch(thread="nato-russia-takls"),
        ["content/new.md:5: 'thread' 'nato-russia-takls' is used by no other dispatch; did you mean 'nato-russia-talks'?"],
    ),
    "a tab indenting a list": (
        "---\ntitle: T\ndate: 2021-12-26\nactors:\n\t- NATO\n---\nBody.\n",
        ["content/new.md:5: malformed YAML: a tab is used for indentation (column 1): YAML forbids tabs in indentation; indent with spaces"],
    ),
    "a tab after spaces": (
        "---\ntitle: T\ndate: 2021-12-26\nsource:\n  \tname: TASS\nactors: [NATO]\n---\nBody.\n",
        ["content/new.md:5: malformed YAML: a tab is used for indentation (column 3): YAML forbids tabs in indentation; indent with spaces"],
    ),
    "an unquoted colon in a title": (
        dispatch(title="NATO: a reply"),
        ["content/new.md:2: malformed YAML: the value of 'title' has ': ' in it, which YAML reads as a new key: quote the value, as in title: \"NATO: a reply\""],
    ),
    "an unquoted colon in a list item's field": (
        "---\ntitle: T\ndate: 2021-12-26\nactors: [NATO]\nevents:\n  - date: 2022-01-12\n    title: Council: session\n---\nBody.\n",
        ["content/new.md:7: malformed YAML: the value of 'title' has ': ' in it, which YAML reads as a new key: quote the value, as in title: \"Council: session\""],
    ),
    "an unquoted colon on a continued line": (
        "---\ntitle: T\ndate: 2021-12-26\nactors: [NATO]\nsummary: Moscow\n  says: no\n---\nBody.\n",
        ["content/new.md:6: malformed YAML: ': ' starts a key where YAML expects none; if it belongs to a value, quote the value, as in title: \"NATO: a reply\""],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_typo_fails_build_and_check_at_its_line_and_keeps_the_site(make_site, case: str) -> None:
    text, expected = CASES[case]
    root = make_site(GOOD)
    assert run_cli("build", cwd=root).code == 0
    before = tree_bytes(root / "site")
    (root / "content/new.md").write_text(text, encoding="utf-8")
    fails(root, expected)
    fails(root, expected, ("check",))
    fails(root, expected, ("check", "--strict"))
    assert tree_bytes(root / "site") == before
    assert not list(root.glob(".briefgen-staging-*"))


def test_check_json_reports_a_typo_as_a_problem(make_site) -> None:
    import json

    root = make_site({**GOOD, "content/new.md": dispatch(topcis="[x]")})
    result = run_cli("check", "--format", "json", cwd=root)
    assert result.code == 1
    assert json.loads(result.out)["problems"] == [{"path": "content/new.md", "line": 5, "message": "'topcis': did you mean 'topics'?"}]


@pytest.mark.parametrize("key", ["desk", "classification", "authors", "created", "subtitle", "relation", "caption", "thread_id", "region_note"])
def test_a_key_far_from_every_field_stays_an_extra(make_site, key: str) -> None:
    """Two edits or more from every field and taxonomy: a key of the site's own, which
    templates read as `dispatch.extra.KEY` (`authors` and `actors`, `created` and `related`,
    `sectors` and `actors` are two edits apart)."""
    root = make_site({
        **GOOD,
        "content/new.md": dispatch(slug="new", **{key: "Brussels desk"}),
        "templates/dispatch.html": f"<p class=extra>{{{{ d.extra['{key}'] }}}}</p>",
    })
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert "<p class=extra>Brussels desk</p>" in page(root, "/dispatches/new/")
    assert run_cli("check", "--strict", cwd=root).code == 0


def test_declared_taxonomies_and_every_field_are_never_typos(make_site) -> None:
    full = dispatch(
        slug="full", summary="S.", topics="[security]", thread="nato-russia-talks", related="[nato-proposal]",
        location="Brussels", source="{name: TASS, url: 'https://tass.com/'}", events="[{date: 2022-01-12, title: Session}]",
        draft="false", former_slugs="[old-full]", regions="[Europe]", sectors="energy",
    )
    root = make_site({**GOOD, "content/full.md": full})
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert run_cli("check", "--strict", cwd=root).code == 0


def test_a_taxonomy_key_is_a_typo_only_where_config_does_not_declare_it(make_site) -> None:
    """`regoins` is an extra of a site without taxonomies, and a typo where `regions` is one."""
    files = {"content/a.md": dispatch(slug="a", regoins="[Europe]")}
    root = make_site(files)
    assert run_cli("build", cwd=root).code == 0
    (root / "config.yaml").write_text(TAXONOMIES)
    fails(root, ["content/a.md:6: 'regoins': did you mean 'regions'?"])


THREADS_OK = {
    "a new thread like no other": dispatch(thread="ukraine-ceasefire"),
    "a numbered thread beside another": dispatch(thread="nato-russia-talks-2"),
    "a thread one two-letter word from another": dispatch(thread="us-russia-talks"),
}


@pytest.mark.parametrize("case", list(THREADS_OK))
def test_a_new_thread_is_legitimate(make_site, case: str) -> None:
    root = make_site({
        **GOOD,
        "content/numbered.md": dispatch("Numbered", "2021-12-20", thread="nato-russia-talks-1", slug="numbered"),
        "content/eu.md": dispatch("EU", "2021-12-20", thread="eu-russia-talks", slug="eu"),
        "content/new.md": THREADS_OK[case],
    })
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err


def test_two_threads_of_one_dispatch_each_one_slip_apart_are_both_reported(make_site) -> None:
    """Either may be the slip: a new dispatch's, or an edit to the older one's."""
    root = make_site({
        "content/old.md": dispatch("Old", "2021-12-20", thread="minsk-talks"),
        "content/new.md": dispatch("New", "2021-12-21", thread="minsk-tallks"),
    })
    fails(root, [
        "content/new.md:5: 'thread' 'minsk-tallks' is used by no other dispatch; did you mean 'minsk-talks'?",
        "content/old.md:5: 'thread' 'minsk-talks' is used by no other dispatch; did you mean 'minsk-tallks'?",
    ])


def test_the_busiest_thread_is_the_one_suggested(make_site) -> None:
    root = make_site({
        **GOOD,
        "content/a.md": dispatch("A", "2021-12-28", thread="nato-russia-walks"),
        "content/b.md": dispatch("B", "2021-12-29", thread="nato-russia-tlaks"),
    })
    fails(root, [
        "content/a.md:5: 'thread' 'nato-russia-walks' is used by no other dispatch; did you mean 'nato-russia-talks'?",
        "content/b.md:5: 'thread' 'nato-russia-tlaks' is used by no other dispatch; did you mean 'nato-russia-talks'?",
    ])


def test_a_thread_two_dispatches_share_is_not_a_slip(make_site) -> None:
    root = make_site({
        **GOOD,
        "content/a.md": dispatch("A", "2021-12-28", thread="nato-russia-talk"),
        "content/b.md": dispatch("B", "2021-12-29", thread="nato-russia-talk"),
    })
    assert run_cli("build", cwd=root).code == 0


def test_every_problem_of_the_run_at_once(make_site) -> None:
    """A misspelt key is reported beside the file's other problems, and beside other files'."""
    root = make_site({
        **GOOD,
        "content/a.md": dispatch(date="2021-02-30", topcis="[x]"),
        "content/b.md": "---\ntitle: T\ndate: 2021-12-26\nacters: [NATO]\nsumary: S.\n---\n",
        "content/c.md": dispatch(thread="nato-russia-tlaks", related="[nato-propsal]"),
        "content/d.md": "---\ntitle: NATO: a reply\n---\n",
    })
    fails(root, [
        "content/a.md:3: 'date' '2021-02-30' does not exist in the calendar",
        "content/a.md:5: 'topcis': did you mean 'topics'?",
        "content/b.md:4: missing required field 'actors' (is 'acters' on line 4 a typo?)",
        "content/b.md:5: 'sumary': did you mean 'summary'?",
        "content/c.md:5: 'thread' 'nato-russia-tlaks' is used by no other dispatch; did you mean 'nato-russia-talks'?",
        f"content/c.md:6: 'related' names 'nato-propsal', {NOT_FOUND}; did you mean 'nato-proposal'?",
        "content/d.md:2: malformed YAML: the value of 'title' has ': ' in it, which YAML reads as a new key: quote the value, as in title: \"NATO: a reply\"",
    ])


def test_yaml_slips_in_config_and_the_registry_are_said_plainly_too(make_site) -> None:
    root = make_site({**GOOD, "config.yaml": "title: Briefing: the week\n", "content/actors.yaml": "nato:\n\tname: NATO\n"})
    fails(root, [
        "config.yaml:1: malformed YAML: the value of 'title' has ': ' in it, which YAML reads as a new key: quote the value, as in title: \"Briefing: the week\"",
    ])
    (root / "config.yaml").write_text(TAXONOMIES)
    fails(root, ["content/actors.yaml:2: malformed YAML: a tab is used for indentation (column 1): YAML forbids tabs in indentation; indent with spaces"])


def test_a_typo_edited_in_and_fixed_again_builds_like_a_clean_build(make_site, tmp_path) -> None:
    """The cache keeps validated dispatches: a misspelt key must fail every build it is in,
    and the fixed file must build as if the typo had never been there."""
    root = make_site(GOOD)
    assert run_cli("build", cwd=root).code == 0
    before = tree_bytes(root / "site")
    proposal = root / "content/proposal.md"
    good = proposal.read_text()
    for typo, expected in [
        (good.replace("thread:", "topcis: [security]\nthread:"), "content/proposal.md:5: 'topcis': did you mean 'topics'?"),
        (good.replace("thread: nato-russia-talks", "thread: nato-russia-taks"), "content/proposal.md:5: 'thread' 'nato-russia-taks' is used by no other dispatch; did you mean 'nato-russia-talks'?"),
        (good.replace("actors:", "acters:"), "content/proposal.md:4: missing required field 'actors' (is 'acters' on line 4 a typo?)"),
    ]:
        proposal.write_text(typo)
        expected = [expected]
        if "nato-russia-taks" in typo:  # the thread's other dispatch is alone in its thread now too
            expected.append("content/reply.md:5: 'thread' 'nato-russia-talks' is used by no other dispatch; did you mean 'nato-russia-taks'?")
        fails(root, expected)
        fails(root, expected)  # again, with whatever the failed build kept
        assert tree_bytes(root / "site") == before
    proposal.write_text(good.replace("thread:", "topics: [security]\nthread:"))
    assert run_cli("build", cwd=root).code == 0
    clean = make_clean_copy(root, tmp_path / "clean")
    assert run_cli("build", cwd=clean).code == 0
    assert normalised(tree_bytes(root / "site")) == normalised(tree_bytes(clean / "site"))
    assert "/topics/security/" in page(root, "/dispatches/nato-proposal/")


def make_clean_copy(root, dest):
    import shutil

    dest.mkdir()
    shutil.copy2(root / "config.yaml", dest / "config.yaml")
    shutil.copytree(root / "content", dest / "content")
    return dest


def normalised(files: dict[str, bytes]) -> dict[str, bytes]:
    import re

    stamp = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
    return {k: stamp.sub(b"<time>", v) for k, v in files.items()}
