"""frontmatter.split: table-driven cases of what users actually write."""

import pytest

from briefgen.frontmatter import FrontMatterError, split

OK = [
    ("---\ntitle: x\n---\nBody\n", {"title": "x"}, "Body\n", 4),
    ("\ufeff---\r\ntitle: x\r\n---\r\nBody\r\n", {"title": "x"}, "Body\n", 4),
    ("---\ntitle: x\n---", {"title": "x"}, "", 4),
    ("---\n---\nBody", {}, "Body", 3),
    ("---\ntitle: x\n---   \nBody --- not a fence\n---\n", {"title": "x"}, "Body --- not a fence\n---\n", 4),
    ("---\ndate: 2021-12-26\n---\n", {"date": "2021-12-26"}, "", 4),  # dates stay text for fields.py
]


@pytest.mark.parametrize("text,data,body,body_line", OK)
def test_split(text, data, body, body_line):
    fm = split(text)
    assert (fm.data, fm.body, fm.body_line) == (data, body, body_line)


def test_key_and_item_lines():
    fm = split("---\ntitle: x\nactors:\n  - a\n  - b\nrelated: [c, d]\n---\n")
    assert fm.key_lines == {"title": 2, "actors": 3, "related": 6}
    assert fm.item_lines["actors"] == (4, 5)
    assert fm.item_lines["related"] == (6, 6)


BAD = [
    ("no fence at all\n", 1, "no front matter"),
    ("---\ntitle: x\n", 1, "not closed"),
    ("---\n- a\n- b\n---\n", 2, "must be a mapping"),
    ("---\ntitle: x\ntitle: y\n---\n", 3, "duplicate key 'title'"),
    ("---\na: b: c\n---\n", 2, "malformed YAML"),
    ("---\n[1]: x\n---\n", 2, "malformed YAML"),
]


@pytest.mark.parametrize("text,line,message", BAD)
def test_bad_front_matter(text, line, message):
    with pytest.raises(FrontMatterError) as info:
        split(text)
    assert info.value.line == line
    assert message in info.value.message
