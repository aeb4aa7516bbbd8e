"""Editions' own logic: an edition file read into fields or problems (a property: whatever
its front matter, problems with lines, never an exception), the plain text made from an
email, and the selection of an edition that lists nothing."""

from __future__ import annotations

import datetime as dt
import textwrap

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen import editions, mail
from briefgen.markdown import make_parser

PARSER = make_parser()
UTC = dt.timezone.utc

keys = st.sampled_from([*editions.KNOWN, "dispatchs", "Date", "sectons", "titel", "author"])
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**6), st.sampled_from(["2022-01-14", "2022-02-30", "2022-01-14T09:00", "x"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85"), max_size=12),
)
values = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["title", "dispatches", "titel"]), inner, max_size=3)), max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, max_size=6), st.text(max_size=60))
def test_any_front_matter_gives_fields_or_located_problems(mapping, body) -> None:
    text = "---\n" + yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False) + "---\n" + body
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1  # a lone CR ends a line too
    found, problems = editions.read_one("editions/x.md", text.encode("utf-8"), PARSER, UTC)
    assert (found is None) == bool(problems)
    for p in problems:
        assert p.path == "editions/x.md" and (p.line is None or 1 <= p.line <= lines), p
    if found is not None:
        assert isinstance(found.date, dt.date) and set(mapping) <= set(editions.KNOWN)


def test_a_well_formed_edition_is_read_with_its_lines() -> None:
    text = textwrap.dedent("""\
        ---
        date: 2022-01-14
        sections:
          - title: Geneva
            dispatches: [a, b]
          - title: Vienna
            dispatches:
              - c
        ---
        The *lede*, first.

        And more.
        """)
    found, problems = editions.read_one("editions/x.md", text.encode(), PARSER, UTC)
    assert problems == [] and found is not None
    assert found.listed == (("Geneva", (("a", 5), ("b", 5))), ("Vienna", (("c", 8),)))
    assert found.lede_text == "The lede, first." and "<em>lede</em>" in found.lede_html
    assert found.number is None and found.title == "" and not found.draft


def test_plain_text_wraps_numbers_links_once_and_skips_what_is_hidden() -> None:
    long = " ".join(["word"] * 40)
    html = (
        '<html><head><title>T</title><style>p{}</style></head><body>'
        '<div style="display: none">preheader</div>'
        '<h1>Heading</h1>'
        f'<p>{long} <a href="https://x.example/a">one</a> and <a href="https://x.example/a">again</a>.</p>'
        '<p>A <a class="quiet" href="https://x.example/actor">name</a> and <a href="https://x.example/' + "b" * 90 + '">long</a>.</p>'
        '<ul><li>An item that is long enough to wrap onto a second line when it is laid out at seventy-two columns.</li></ul>'
        '</body></html>'
    ).encode()
    text = mail.email_text(html, "Links:").decode()
    assert "preheader" not in text and "p{}" not in text and "T\n" not in text
    assert text.startswith("Heading\n=======\n")
    assert "one [1] and again [1]." in " ".join(text.split())
    assert "name [" not in text  # a quiet link is text alone
    body, refs = text.split("Links:\n\n")
    assert refs.splitlines() == ["[1] https://x.example/a", "[2] https://x.example/" + "b" * 90]
    assert all(len(line) <= 72 for line in body.splitlines())
    assert "\n* An item" in text and "\n  " in text.split("* An item")[1]  # a list item's lines hang under its bullet


def test_chinese_plain_text_is_wrapped_by_display_width() -> None:
    """Chinese has no spaces to break at and each character takes two columns."""
    said = "2021年12月6日，俄罗斯与美国在日内瓦举行了战略稳定对话（第一轮），双方就欧洲安全问题交换了意见。" * 6
    html = f'<body><h1>欧洲—大西洋安全简报</h1><p>{said}<a href="https://x.example/a">全文</a>。</p><ul><li>{said}</li></ul></body>'
    text = mail.email_text(html.encode(), "链接：").decode()
    lines = text.split("链接：")[0].splitlines()
    assert lines[:2] == ["欧洲—大西洋安全简报", "=" * mail.width("欧洲—大西洋安全简报")]
    assert all(mail.width(line) <= 72 for line in lines), max(lines, key=mail.width)
    assert all(not line.startswith(("，", "。", "）")) and not line.endswith("（") for line in lines)
    paragraph, item = text.split("\n\n")[1:3]
    assert "".join(paragraph.splitlines()) == f"{said}全文 [1]。"
    assert item.startswith("* 2021年") and all(line.startswith("  ") for line in item.splitlines()[1:])
    assert "".join(line[2:] for line in item.splitlines()) == said


def test_plain_text_of_an_email_without_links_has_no_reference_list() -> None:
    assert mail.email_text(b"<body><p>Only words.</p></body>", "Links:") == b"Only words.\n"
