"""Every error an edition can have: exit 1, `PATH:LINE: message`, all at once, the previous
site intact; and the warning of a dispatch carried twice, which fails nothing."""

from __future__ import annotations

import pytest

from tests.conftest import dispatch, run_cli, tree_bytes
from tests.errors.refusal import assert_refused

SITE = {
    "content/first.md": dispatch(title="First", slug="nato-council-meets", date="2021-12-01"),
    "content/second.md": dispatch(title="Second", slug="treaty-published", date="2021-12-05"),
    "content/draft.md": dispatch(title="Unfinished", slug="unfinished-piece", date="2021-12-04", draft="true"),
    "content/later.md": dispatch(title="Later", slug="later-news", date="2022-01-10"),
    "editions/2021-12-06.md": "---\ndate: 2021-12-06\ndispatches: [nato-council-meets, treaty-published]\n---\nLede.\n",
}


def _edition(front: str, body: str = "Lede.") -> str:
    return f"---\n{front}---\n{body}\n"


CASES = {
    "unknown slug": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\ndispatches:\n  - treaty-published\n  - nato-councl-meets\n")},
        ["editions/2021-12-08.md:5: no dispatch has the slug 'nato-councl-meets'; did you mean 'nato-council-meets'?"],
    ),
    "unknown slug in a section": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\nsections:\n  - title: Talks\n    dispatches: [treaty-published]\n"
                                            "  - title: More\n    dispatches:\n      - nowhere-at-all\n")},
        ["editions/2021-12-08.md:8: no dispatch has the slug 'nowhere-at-all'"],
    ),
    "draft listed": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\ndispatches: [treaty-published, unfinished-piece]\n")},
        ["editions/2021-12-08.md:3: 'unfinished-piece' is a draft (content/draft.md); publish it or take it out of the edition"],
    ),
    "dispatch dated after its edition": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\ndispatches:\n  - later-news\n")},
        ["editions/2021-12-08.md:4: 'later-news' is dated 2022-01-10, after this edition of 2021-12-08"],
    ),
    "two editions on one date": (
        {"editions/week-49.md": _edition("title: Again\ndate: 2021-12-06\ndispatches: [treaty-published]\n")},
        ["editions/week-49.md:3: edition of 2021-12-06 is already editions/2021-12-06.md: one edition per date"],
    ),
    "empty list": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\ndispatches: []\n")},
        ["editions/2021-12-08.md:3: empty edition: it lists no dispatch"],
    ),
    "nothing since the last edition": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\ntitle: Quiet week\n")},
        ["editions/2021-12-08.md:2: empty edition: no dispatch is dated after 2021-12-06 up to 2021-12-08"],
    ),
    "misspelt key": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\ndispatchs: [treaty-published]\n")},
        ["editions/2021-12-08.md:3: 'dispatchs': did you mean 'dispatches'?"],
    ),
    "unknown key": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\nauthor: Desk\ndispatches: [treaty-published]\n")},
        ["editions/2021-12-08.md:3: unknown field 'author'"],
    ),
    "misspelt section key": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\nsections:\n  - titel: Talks\n    dispatches: [treaty-published]\n")},
        ["editions/2021-12-08.md:4: 'titel': did you mean 'title'?"],
    ),
    "both a list and sections": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\ndispatches: [treaty-published]\nsections:\n  - {title: A, dispatches: [nato-council-meets]}\n")},
        ["editions/2021-12-08.md:4: give either 'dispatches' or 'sections', not both"],
    ),
    "no date": (
        {"editions/next.md": _edition("title: Undated\ndispatches: [treaty-published]\n")},
        ["editions/next.md:1: missing required field 'date'"],
    ),
    "a date and time": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08T09:00\ndispatches: [treaty-published]\n")},
        ["editions/2021-12-08.md:2: 'date' '2021-12-08T09:00' is not a day"],
    ),
    "a date that does not exist": (
        {"editions/2021-12-08.md": _edition("date: 2021-11-31\n")},
        ["editions/2021-12-08.md:2: 'date' '2021-11-31' does not exist"],
    ),
    "malformed YAML": (
        {"editions/2021-12-08.md": _edition("date: 2021-12-08\ndispatches: [treaty-published\n")},
        ["editions/2021-12-08.md:3: malformed YAML: while parsing a flow sequence, did not find expected ',' or ']' before the YAML ends"],
    ),
    "no host in base_url": (
        {"config.yaml": "title: T\nbase_url: /brief/\n"},
        ["config.yaml: base_url '/brief/' has no host, and an edition's email needs full URLs"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_edition_error(make_site, case: str) -> None:
    files, expected = CASES[case]
    root = make_site(SITE)
    assert_refused(root, files, expected)
    checked = run_cli("check", cwd=root)
    assert checked.code == 1 and expected[0] in checked.err


def test_every_problem_of_the_editions_at_once(make_site) -> None:
    root = make_site({
        **SITE,
        "editions/2021-12-08.md": _edition("date: 2021-12-08\ndispatches:\n  - later-news\n  - unfinished-piece\n"),
        "editions/2021-12-09.md": _edition("date: 2021-12-09\ndispatchs: []\n"),
        "content/broken.md": dispatch(date="2021-02-30"),
    })
    result = run_cli("build", cwd=root)
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[-1] == "briefgen: 4 problems; nothing was written", result.err
    assert [line.split(": ")[0] for line in lines[:-1]] == [
        "content/broken.md:3", "editions/2021-12-08.md:4", "editions/2021-12-08.md:5", "editions/2021-12-09.md:3",
    ]


def test_a_dispatch_listed_by_an_edition_whose_own_file_is_broken_is_reported_once(make_site) -> None:
    root = make_site({**SITE, "content/second.md": dispatch(title="Second", slug="treaty-published", date="2021-13-05")})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert result.err.splitlines()[:-1] == ["content/second.md:3: 'date' '2021-13-05' does not exist in the calendar"]


def test_a_dispatch_carried_twice_is_a_warning(make_site) -> None:
    root = make_site({
        **SITE,
        "editions/2021-12-13.md": _edition("date: 2021-12-13\ndispatches:\n  - nato-council-meets\n"),
    })
    result = run_cli("check", cwd=root)
    assert result.code == 0, result.err
    assert ("editions/2021-12-13.md:4: warning: 'nato-council-meets' is carried by the edition of 2021-12-06 "
            "(editions/2021-12-06.md) too") in result.out
    assert result.out.splitlines()[-1] == "ok: 3 dispatches, 1 actors, 2 editions; 1 warning"
    assert run_cli("build", cwd=root).code == 0


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ e.title }}\n{{ e.no_such_field.deeper }}\n", "templates/email.html:2: template error while rendering /editions/2021-12-06/email.html: UndefinedError"),
        ("<html><body><p onclick=\"x()\">{{ e.key }}</p></body></html>\n",
         "templates/email.html:1: the email of the edition of 2021-12-06 has a script or an event handler (onclick), which mail clients refuse"),
    ],
    ids=["failing template", "script"],
)
def test_a_broken_email_template_fails_the_build_and_keeps_the_site(make_site, template: str, expected: str) -> None:
    root = make_site(SITE)
    assert run_cli("build", cwd=root).code == 0
    before = tree_bytes(root / "site")
    (root / "templates").mkdir()
    (root / "templates/email.html").write_text(template, encoding="utf-8")
    result = run_cli("build", cwd=root)
    assert result.code == 1 and "Traceback" not in result.err
    assert any(line.startswith(expected) for line in result.err.splitlines()), result.err
    assert tree_bytes(root / "site") == before


def test_text_that_reads_like_an_event_handler_is_not_a_script(make_site) -> None:
    said = "The one = the other; once=twice, <script> as words"
    root = make_site({**SITE, "content/second.md": dispatch(title="Second", slug="treaty-published", date="2021-12-05", summary=said)})
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert "The one = the other; once=twice, &lt;script&gt; as words" in (root / "site/editions/2021-12-06/email.html").read_text(encoding="utf-8")


def test_an_email_over_100_kb_is_an_error_at_its_edition(make_site) -> None:
    many = {f"content/d{i:03d}.md": dispatch(title=f"Dispatch {i}", slug=f"d{i:03d}", date="2021-12-01", summary="Word " * 120) for i in range(150)}
    root = make_site({**many, "editions/2021-12-06.md": _edition("date: 2021-12-06\n")})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert any(line.startswith("editions/2021-12-06.md:2: the email of this edition is ") and "over the 100 KB mail clients show whole" in line
               for line in result.err.splitlines()), result.err
    assert not (root / "site").exists()


def test_a_lede_link_to_nothing_is_an_error_at_its_line(make_site) -> None:
    root = make_site({**SITE, "editions/2021-12-06.md": _edition(
        "date: 2021-12-06\ndispatches: [treaty-published]\n", "See [the treaty](/dispatches/treaty-published/).\n\nAnd [this](/dispatches/no-such/).")})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert result.err.splitlines()[:-1] == ["editions/2021-12-06.md:7: link '/dispatches/no-such/' points at nothing the site has"]
