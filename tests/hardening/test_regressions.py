"""Inputs that once crashed the build or broke its output, each now a clear `PATH:LINE` error."""

from __future__ import annotations

import pytest

from tests.conftest import dispatch, run_cli

CONSTRUCTOR_CRASHES = [
    # PyYAML's constructors raise ValueError/IndexError on these instead of a YAML error.
    ("title: " + "1" * 5000, "has too many digits"),
    ("title: !!float abc", "'abc' is not a valid float"),
    ("title: !!int 0x", "'0x' is not a valid int"),
    ("title: !!int '-'", "'-' is not a valid int"),
    ("title: !!float ''", "'' is not a valid float"),
    ("title: !!int '1:60:'", "is not a valid int"),
    ("title: !!timestamp 2021-13-45", "is not a valid timestamp"),
    ("title: !!timestamp 2021-02-30", "is not a valid timestamp"),
    ("title: !!bool maybe", "'maybe' is not a valid bool"),  # KeyError, found by the hypothesis properties
    ("title: !!timestamp 2021-12-t", "'2021-12-t' is not a valid timestamp"),  # AttributeError, found by atheris
]


@pytest.mark.parametrize("line,message", CONSTRUCTOR_CRASHES)
def test_yaml_values_that_crashed_the_constructor(make_site, line, message):
    text = f"---\ndate: 2021-12-26\nactors: [NATO]\n{line}\n---\nBody.\n"
    root = make_site({"content/a.md": text})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert f"content/a.md:4: malformed YAML: " in result.err and message in result.err
    assert not (root / "site").exists()


@pytest.mark.parametrize("opening,closing", [("[", "]"), ("{a: ", "}")])
@pytest.mark.parametrize("where", ["content/a.md", "content/actors.yaml", "config.yaml"])
def test_deep_yaml_nesting_is_refused_not_a_segfault(make_site, opening, closing, where):
    """libyaml composed nodes by C recursion: 50,000 levels killed the process (SIGSEGV)."""
    deep = "x: " + opening * 100_000 + closing * 100_000 + "\n"
    files = {"content/a.md": dispatch()}
    if where == "content/a.md":
        files[where] = "---\n" + deep + "---\n"
    else:
        files[where] = deep
    root = make_site(files)
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert f"{where}:" in result.err
    # our own limit, or the one newer libyaml builds enforce before ours is reached
    assert "nested more than 100 levels deep" in result.err or "exceeded maximum nesting depth" in result.err


def test_deep_block_nesting_points_at_the_key_whose_value_is_too_deep(make_site):
    deep = "".join(" " * i + "a:\n" for i in range(300))
    root = make_site({"content/a.md": "---\n" + deep + "---\n"})
    result = run_cli("build", cwd=root)
    assert "content/a.md:101: malformed YAML: nested more than 100 levels deep" in result.err


CONTROL = [
    # each of these made feed.xml, actors.opml or events.ics unreadable (XML forbids C0 controls)
    ({"content/a.md": dispatch(title='"Talks\\x1b resume"')}, "content/a.md:2: 'title' contains the control character U+001B"),
    ({"content/a.md": dispatch(body="Hello \x01 world")}, "content/a.md:6: the body contains the control character U+0001"),
    ({"content/a.md": dispatch(body="Line one\n\nLine \x0b two")}, "content/a.md:8: the body contains the control character U+000B"),
    ({"content/a.md": dispatch(events='[{date: 2022-01-01, title: "Vote\\x07"}]')}, "content/a.md:5: 'events' item 1: contains the control character U+0007"),
    ({"content/a.md": dispatch(source='{name: "TASS\\x02"}')}, "content/a.md:5: 'source' contains the control character U+0002"),
    ({"content/a.md": dispatch(), "content/actors.yaml": 'nato:\n  name: "NATO\\x04"\n'}, "content/actors.yaml:2: actor 'nato': 'name' contains the control character U+0004"),
    ({"content/a.md": dispatch(), "config.yaml": 'title: "Brief\\x1f"\n'}, "config.yaml:1: 'title' contains the control character U+001F"),
    ({"content/a.md": dispatch(title='"Not a character \\uffff"')}, "content/a.md:2: 'title' contains the control character U+FFFF"),
]


@pytest.mark.parametrize("files,message", CONTROL)
def test_control_characters_are_reported_with_their_line(make_site, files, message):
    root = make_site(files)
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert message in result.err


def test_tabs_and_line_breaks_are_not_control_characters(make_site):
    root = make_site({"content/a.md": dispatch(title='"Tab\\there"', body="Para\twith tab.\r\n\r\nNext.")})
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err


def test_a_mapping_where_a_list_is_expected_is_a_field_error(make_site):
    """`actors: {a: b}` crashed the line lookup of list items (found by the hypothesis properties)."""
    root = make_site({"content/a.md": "---\ntitle: t\ndate: 2021-12-26\nactors: {'': null}\n---\n"})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "content/a.md:4: 'actors' item 1: must be a non-empty string" in result.err


def test_a_nul_in_front_matter_is_located(make_site):
    """PyYAML's reader error carried no line and printed over two lines (found by the hypothesis properties)."""
    root = make_site({"content/a.md": b"---\ntitle: t\n\x00date: 2021-12-26\n---\n"})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert result.err.splitlines()[0] == "content/a.md:3: malformed YAML: the character U+0000 is not allowed (control characters are not allowed)"


def test_a_message_quoting_a_line_break_stays_on_one_line(make_site):
    root = make_site({"content/a.md": dispatch(source='{name: n, "bad\\nkey": 1}')})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert result.err.splitlines()[0] == "content/a.md:5: 'source' unknown key(s) bad\\nkey; use name and url"
