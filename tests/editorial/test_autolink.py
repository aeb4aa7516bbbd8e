"""Actor mentions in dispatch bodies become links to actor pages: edge cases, from a build."""

from __future__ import annotations

import re

import pytest

from tests.conftest import dispatch, run_cli

REGISTRY = """\
russia:
  name: Russia
  aliases: [Moscow]
russian-foreign-ministry:
  name: Russian Foreign Ministry
  aliases: [Foreign Ministry of Russia]
nato:
  name: NATO
nato-military-committee:
  name: NATO Military Committee
united-states:
  name: United States
  aliases: [U.S.]
sergey-lavrov:
  name: Sergey Lavrov
  aliases: [Lavrov]
maria-zakharova:
  name: Maria Zakharova
  aliases: [Мария Захарова, Захарова]
cote-divoire:
  name: Côte d'Ivoire
procter-gamble:
  name: Procter & Gamble
"""


def built_body(make_site, body: str, config: str | None = None, actors: str = "[NATO]") -> str:
    """Build a one-dispatch site and return the rendered body of its page."""
    files = {"content/actors.yaml": REGISTRY, "content/d.md": dispatch(slug="d", actors=actors, body=body)}
    if config is not None:
        files["config.yaml"] = config
    root = make_site(files)
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    html = (root / "site/dispatches/d/index.html").read_text(encoding="utf-8")
    return re.search(r'<div class="body">(.*?)</div>\s*<dl', html, re.S).group(1)


def linked(body_html: str) -> list[tuple[str, str]]:
    """(actor id, linked text) of each actor link, in order."""
    found = re.findall(r'<a href="/actors/([^/]+)/" class="actor-link">(.*?)</a>', body_html, re.S)
    return [(actor, re.sub(r"\s+", " ", text)) for actor, text in found]


def test_longer_overlapping_name_wins(make_site) -> None:
    body = built_body(make_site, "The Russian Foreign Ministry said Russia would answer. The NATO Military Committee met; NATO agreed.")
    assert linked(body) == [
        ("russian-foreign-ministry", "Russian Foreign Ministry"),
        ("russia", "Russia"),
        ("nato-military-committee", "NATO Military Committee"),
        ("nato", "NATO"),
    ]


def test_alias_ending_in_the_shorter_name(make_site) -> None:
    body = built_body(make_site, "The Foreign Ministry of Russia replied.")
    assert linked(body) == [("russian-foreign-ministry", "Foreign Ministry of Russia")]


def test_first_mention_only(make_site) -> None:
    body = built_body(make_site, "Sergey Lavrov spoke. Later Lavrov spoke again.\n\nLavrov, once more.")
    assert linked(body) == [("sergey-lavrov", "Sergey Lavrov")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("(Lavrov) spoke.", [("sergey-lavrov", "Lavrov")]),
        ("Lavrov's reply.", [("sergey-lavrov", "Lavrov")]),
        ("“Lavrov,” he said.", [("sergey-lavrov", "Lavrov")]),
        ("Talks with the U.S. resumed.", [("united-states", "U.S.")]),
        ("Lavrovsky and Lavrov-style are other words.", []),
        ("A Russia-NATO meeting.", []),
        ("Russian officials.", []),
        ("Côte d'Ivoire abstained.", [("cote-divoire", "Côte d’Ivoire")]),
    ],
)
def test_punctuation_and_whole_words(make_site, text: str, expected) -> None:
    assert linked(built_body(make_site, text)) == expected


def test_names_wrapped_over_two_lines(make_site) -> None:
    body = built_body(make_site, "A statement from the Russian\nForeign Ministry and Sergey\nLavrov.")
    assert linked(body) == [("russian-foreign-ministry", "Russian Foreign Ministry"), ("sergey-lavrov", "Sergey Lavrov")]


def test_cyrillic_names(make_site) -> None:
    body = built_body(make_site, "Мария Захарова заявила. Захаровой ответили.")
    assert linked(body) == [("maria-zakharova", "Мария Захарова")]
    assert linked(built_body(make_site, "Ответ Захаровой.")) == []  # an inflected form is another word


def test_not_inside_code(make_site) -> None:
    body = built_body(make_site, "`Lavrov` in code.\n\n```\nLavrov in a block\n```\n\n    Lavrov indented\n")
    assert linked(body) == []
    assert "<code>Lavrov</code>" in body


def test_not_inside_existing_links(make_site) -> None:
    body = built_body(make_site, "[Lavrov said](https://example.org/lavrov) and <https://example.org/NATO>.")
    assert linked(body) == []
    assert '<a href="https://example.org/lavrov">Lavrov said</a>' in body


def test_not_in_headings(make_site) -> None:
    body = built_body(make_site, "## Lavrov answers\n\nSergey Lavrov answered.")
    assert "<h2>Lavrov answers</h2>" in body
    assert linked(body) == [("sergey-lavrov", "Sergey Lavrov")]


def test_not_in_image_text_or_titles_and_names_html_escapes(make_site) -> None:
    """Mentions are found in the rendered page: alt text and titles are attributes there,
    and a name with '&' is written as HTML writes it."""
    body = built_body(make_site, '![NATO flag](https://example.org/flag.png "Lavrov") and [a report](https://example.org "NATO").\n\nProcter & Gamble, then NATO.')
    assert linked(body) == [("procter-gamble", "Procter &amp; Gamble"), ("nato", "NATO")]
    assert '<img src="https://example.org/flag.png" alt="NATO flag" title="Lavrov" />' in body


def test_inside_emphasis_and_tables(make_site) -> None:
    body = built_body(make_site, "**Lavrov** spoke.\n\n| who |\n| --- |\n| NATO |\n")
    assert linked(body) == [("sergey-lavrov", "Lavrov"), ("nato", "NATO")]


def test_case_as_registered(make_site) -> None:
    assert linked(built_body(make_site, "The word nato in lower case, and lavrov.")) == []


def test_configurable_off(make_site) -> None:
    body = built_body(make_site, "Sergey Lavrov and NATO.", config="title: T\nautolink_actors: false\n")
    assert linked(body) == [] and "Sergey Lavrov and NATO." in body


def test_the_dispatchs_actors_are_unaffected(make_site) -> None:
    root = make_site({
        "content/actors.yaml": REGISTRY,
        "content/d.md": dispatch(slug="d", actors="[NATO]", body="Sergey Lavrov met NATO."),
    })
    assert run_cli("build", cwd=root).code == 0
    html = (root / "site/dispatches/d/index.html").read_text(encoding="utf-8")
    chips = re.search(r"<dt>Actors</dt><dd>(.*?)</dd>", html, re.S).group(1)
    assert "/actors/nato/" in chips and "/actors/sergey-lavrov/" not in chips
    lavrov = (root / "site/actors/sergey-lavrov/index.html").read_text(encoding="utf-8")
    assert "/dispatches/d/" not in lavrov
