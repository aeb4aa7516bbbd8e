"""Nothing of the example briefing in the product: the theme and `briefgen new` speak of
no actor, place or outlet of it; the search page's examples come from the site it is in."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from briefgen.commands.new import skeleton
from tests.conftest import ROOT, page

THEME = ROOT / "briefgen" / "theme"


def _example_words() -> set[str]:
    """Names of the example's actors, places and sources, as its content writes them."""
    content = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "content").rglob("*.md"))
    content += (ROOT / "content" / "actors.yaml").read_text(encoding="utf-8")
    words = set(re.findall(r"\b[A-Z][a-z]{3,}\b|\b[A-Z]{3,}\b", content))
    return words - {"The", "This", "That", "What", "When", "With", "After", "Before", "Read", "Search", "Events", "Topics", "Threads", "Sources", "Actors", "Dates", "Latest", "Bottom", "Atom", "JSON", "OPML", "HTML", "UTC"}


def test_the_theme_and_the_skeleton_name_nothing_of_the_example() -> None:
    words = {w for w in _example_words() if w in {"Stoltenberg", "NATO", "Russia", "Brussels", "TASS", "Lavrov", "Geneva", "OSCE"}}
    assert len(words) >= 5  # the check looks for what the example really names
    texts = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in THEME.rglob("*") if p.suffix in (".html", ".js", ".css", ".xml")}
    texts["briefgen new"] = skeleton("A title", dt.date(2024, 5, 1))
    found = {name: sorted(w for w in words if re.search(rf"\b{w}\b", text)) for name, text in texts.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_the_search_page_gives_examples_from_its_own_briefing(built_site) -> None:
    root: Path = built_site("mini")
    html = page(root, "/search/")
    assert 'placeholder="e.g. Russia 2022"' in html  # the mini site's most named actor, its latest year
    assert "<kbd>russi</kbd> finds Russia" in html
