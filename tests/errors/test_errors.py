"""Every error case of SPEC: exit 1, `PATH:LINE: message`, all at once, previous site intact."""

from __future__ import annotations

import shutil

import pytest

from briefgen import read
from tests.conftest import dispatch, run_cli, tree_bytes
from tests.errors.refusal import assert_refused

GOOD = {"content/good.md": dispatch(title="Good", slug="good")}

CASES = {
    "malformed YAML": (
        {"content/bad.md": "---\ntitle: [unclosed\ndate: 2021-12-26\nactors: [NATO]\n---\nBody\n"},
        ["content/bad.md:3: malformed YAML: while parsing a flow sequence, did not find expected ',' or ']' (it starts on line 2)"],
    ),
    "list left open to the end of the front matter": (
        {"content/bad.md": "---\ntitle: T\ndate: 2021-12-26\nactors: [NATO\n---\nBody\n"},
        ["content/bad.md:4: malformed YAML: while parsing a flow sequence, did not find expected ',' or ']' before the YAML ends"],
    ),
    "no front matter": ({"content/bad.md": "Just text\n"}, ["content/bad.md:1: no front matter"]),
    "unclosed front matter": ({"content/bad.md": "---\ntitle: x\n"}, ["content/bad.md:1: front matter is not closed"]),
    "missing title": (
        {"content/bad.md": "---\ndate: 2021-12-26\nactors: [NATO]\n---\n"},
        ["content/bad.md:1: missing required field 'title'"],
    ),
    "empty title": ({"content/bad.md": dispatch(title="''")}, ["content/bad.md:2: 'title' must be a non-empty string"]),
    "actors not given": (
        {"content/bad.md": "---\ntitle: T\ndate: 2021-12-26\n---\n"},
        ["content/bad.md:1: missing required field 'actors'"],
    ),
    "actors empty": ({"content/bad.md": dispatch(actors="[]")}, ["content/bad.md:4: 'actors' must name at least one actor"]),
    "actor not text": ({"content/bad.md": dispatch(actors="[NATO, {a: 1}]")}, ["content/bad.md:4: 'actors' item 2"]),
    "date does not exist": ({"content/bad.md": dispatch(date="2021-02-30")}, ["content/bad.md:3: 'date' '2021-02-30' does not exist"]),
    "date malformed": ({"content/bad.md": dispatch(date="26/12/2021")}, ["content/bad.md:3: 'date' '26/12/2021' is not a date"]),
    "duplicate slug": (
        {"content/a.md": dispatch(slug="same"), "content/sub/b.md": dispatch(slug="same")},
        ["content/sub/b.md:5: slug 'same' is already used by content/a.md"],
    ),
    "related names nothing": (
        {"content/a.md": dispatch(related="[good, missing-one]")},
        ["content/a.md:5: 'related' names 'missing-one', but no dispatch has that slug"],
    ),
    "related names a former slug": (
        {"content/renamed.md": dispatch(title="Renamed", slug="new-name", former_slugs="[old-name]"),
         "content/a.md": dispatch(related="[old-name]")},
        ["content/a.md:5: 'related' names 'old-name', the former slug of content/renamed.md; name it 'new-name'"],
    ),
    "slug with path characters": ({"content/a.md": dispatch(slug="../x")}, ["content/a.md:5: 'slug' '../x' is not a valid slug"]),
    "thread with an underscore": ({"content/a.md": dispatch(thread="nato_talks")}, ["content/a.md:5: 'thread' 'nato_talks' is not a valid slug"]),
    "thread name with a slash": ({"content/a.md": dispatch(thread="NATO/Russia talks")}, ["content/a.md:5: 'thread' 'NATO/Russia talks': a thread's name may not contain '/'"]),
    "source url not http": (
        {"content/a.md": dispatch(source='{name: X, url: "javascript:alert(1)"}')},
        ["content/a.md:5: 'source' 'javascript:alert(1)' must be an http(s) URL"],
    ),
    "not UTF-8": ({"content/a.md": dispatch().encode("utf-8") + b"caf\xe9\n"}, ["content/a.md:7: not UTF-8 (byte 0xe9"]),
    "duplicate key": ({"content/a.md": dispatch(title="x") .replace("date:", "title: y\ndate:")}, ["content/a.md:3: duplicate key 'title'"]),
    "unknown config key": ({"config.yaml": "title: T\nper_pgae: 3\n"}, ["config.yaml:2: unknown setting 'per_pgae'"]),
    "bad config value": ({"config.yaml": "title: T\nper_page: none\n"}, ["config.yaml:2: 'per_page' must be a whole number"]),
    "bad actor registry": (
        {"content/actors.yaml": "nato:\n  name: NATO\n  kind: alliance\n"},
        ["content/actors.yaml:3: actor 'nato': 'kind' must be one of person, organization, state, other"],
    ),
    "ambiguous alias": (
        {"content/actors.yaml": "nato:\n  aliases: [Alliance]\nother:\n  aliases: [alliance]\n"},
        ["content/actors.yaml:3: actor 'other': 'alliance' already names actor 'nato'"],
    ),
    "broken template": ({"templates/dispatch.html": "{% if %}"}, ["templates/dispatch.html:1: template error"]),
    "template refused while compiling": (  # parsed, then refused by Jinja's code generation
        {"templates/dispatch.html": '{% extends "base.html" %}\n{% block content %}x{% endblock %}\n{% block content %}y{% endblock %}\n'},
        ["templates/dispatch.html:3: template error: block 'content' defined twice"],
    ),
    "template failing while rendering": (
        {"templates/dispatch.html": '{% extends "base.html" %}\n{% block content %}\n{{ d.title }}{{ d.no_such_field.deeper }}\n{% endblock %}\n'},
        ["templates/dispatch.html:3: template error while rendering /dispatches/good/: UndefinedError"],
    ),
    "template written for an earlier theme": (
        {"templates/_macros.html": "{% macro chip(a) %}\n{% once 'chip', a %}{{ a }}{% endonce %}\n{% endmacro %}\n"},
        ["templates/_macros.html:2: template error: Encountered unknown tag 'once'"],
    ),
    "fragment reaching for the page around it": (  # a listing entry is rendered once for every page showing it
        {"templates/_item.html": "<article>\n{{ dispatch(slug).title }}\n{% if kind == 'home' %}on the home page{% endif %}\n</article>\n"},
        ["templates/_item.html:3: template error: fragment '_item.html' reads 'kind', which it is not given"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_error_case(make_site, case: str) -> None:
    files, expected = CASES[case]
    assert_refused(make_site(GOOD), files, expected)


def test_all_problems_of_a_run_are_reported_together(make_site) -> None:
    root = make_site({
        "content/a.md": dispatch(date="2021-02-30", related="[nowhere]"),
        "content/b.md": "---\ntitle: [\n---\n",
        "content/c.md": dispatch(actors="[]", thread="bad_thread"),
    })
    result = run_cli("build", cwd=root)
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[-1] == "briefgen: 4 problems; nothing was written"
    assert [line.split(":")[0] for line in lines[:-1]] == ["content/a.md", "content/b.md", "content/c.md", "content/c.md"]
    assert not (root / "site").exists()


def test_list_items_are_located_by_line(make_site) -> None:
    root = make_site({"content/a.md": "---\ntitle: T\ndate: 2021-12-26\nactors:\n  - NATO\n  - 42.5\n  - [x]\n---\n"})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "content/a.md:7: 'actors' item 3: must be a non-empty string" in result.err


def test_a_broken_template_is_reported_when_a_large_site_parses_in_parallel(tmp_path, monkeypatch) -> None:
    """On a site large enough to parse in several processes, templates are compiled while
    the files parse; a broken one is still reported at its line, after the content's own
    problems would be, and the previous site stays."""
    from tests.hardening.sitegen import generated_site

    root = generated_site(tmp_path / "big", read.PARSE_PER_WORKER * 2 + 50)
    assert run_cli("build", cwd=root).code == 0
    before = tree_bytes(root / "site")
    (root / "templates").mkdir()
    (root / "templates/thread.html").write_text('{% extends "base.html" %}\n{% block content %}\n{% for %}\n{% endblock %}\n')
    shutil.rmtree(root / ".briefgen-cache")  # every file parsed again, in parallel
    from briefgen import parallel
    from briefgen.plan import Templates

    # two processes even with other tests' threads alive: the child forked here only parses
    monkeypatch.setattr(parallel, "worker_count", lambda items, per_worker: min(2, max(1, items // per_worker)))
    alongside, prepare = parallel.Shared.alongside, Templates.prepare
    inside: list[bool] = []
    prepared: list[bool] = []

    def watched_alongside(self, task):
        inside.append(True)
        try:
            return alongside(self, task)
        finally:
            inside.pop()

    def watched_prepare(self):
        prepared.append(bool(inside))
        return prepare(self)

    monkeypatch.setattr(parallel.Shared, "alongside", watched_alongside)
    monkeypatch.setattr(Templates, "prepare", watched_prepare)
    result = run_cli("build", cwd=root)
    assert prepared[:1] == [True]  # the templates are compiled while other processes parse
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith("templates/thread.html:3: template error"), result.err
    assert tree_bytes(root / "site") == before
    (root / "content/part1/d0001.md").write_text("---\ntitle: [\n---\n")  # content problems come first
    shutil.rmtree(root / ".briefgen-cache")
    result = run_cli("build", cwd=root)
    assert result.code == 1 and result.err.startswith("content/part1/d0001.md:2: malformed YAML"), result.err
    (root / "content/part1/d0001.md").unlink()
    (root / "templates/thread.html").unlink()
    assert run_cli("build", cwd=root).code == 0
