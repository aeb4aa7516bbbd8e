"""markdown: CommonMark with tables, footnotes, smart quotes; raw HTML and unsafe links neutralised."""

import pytest

from briefgen.markdown import make_parser, render, safe_link


def html(text: str) -> str:
    return render(make_parser(), text).html


def test_rich_markdown():
    out = html('"Quoted" -- text[^1]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: Note.\n')
    assert "“Quoted” – text" in out
    assert "<table>" in out and 'class="footnotes"' in out


def test_raw_html_is_escaped():
    out = html('<img src=x onerror=alert(1)>\n\n<script>alert(1)</script>')
    assert "<img" not in out and "<script" not in out and "&lt;script&gt;" in out


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "vbscript:x", "data:text/html,x", "java\tscript:x", "file:///etc/passwd"])
def test_unsafe_schemes_are_dropped(url):
    assert not safe_link(url)


@pytest.mark.parametrize("url", ["https://tass.com/", "http://x", "mailto:a@b.c", "/actors/nato/", "../x/", "#fn1", "page?q=1"])
def test_safe_links_are_kept(url):
    assert safe_link(url)


def test_first_paragraph_is_plain_text_and_counts_words():
    result = render(make_parser(), "# Heading\n\nThe **first** `code` paragraph\ncontinues.\n\nSecond.")
    assert result.first_paragraph == "The first code paragraph continues."
    assert result.words == 8  # whitespace-separated words of the source


def test_deep_nesting_does_not_crash():
    assert "<blockquote>" in html("> " * 5000 + "deep")
