"""What analysts need is at most two clicks from the home page, with JavaScript off,
and the theme's own CSS and JavaScript stay small. Read from the built HTML, no browser.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefgen.render import THEME_DIR

HREF = re.compile(r'href="(/[^"#?]*)"')


def _links(site: Path, path: str) -> set[str]:
    page = site / path.lstrip("/") / "index.html"
    return set(HREF.findall(page.read_text(encoding="utf-8"))) if page.is_file() else set()


def _within_two_clicks(site: Path) -> set[str]:
    one = _links(site, "/")
    return one | {target for page in one for target in _links(site, page)}


def _pages(site: Path, folder: str, depth: int = 1) -> set[str]:
    base = site / folder
    found = {p.parent for p in base.glob("/".join(["*"] * depth) + "/index.html")}
    return {"/" + p.relative_to(site).as_posix() + "/" for p in found if "page" not in p.relative_to(base).parts}


def test_analysts_questions_within_two_clicks(built_example: Path) -> None:
    reach = _within_two_clicks(built_example)
    wanted = {
        "everything about one actor": _pages(built_example, "actors"),
        "what happened on a given day": _pages(built_example, "dates", 3),
        "how a story developed": _pages(built_example, "threads"),
        "what a source reported": _pages(built_example, "sources"),
        "what is scheduled next": {"/events/"},
    }
    for question, pages in wanted.items():
        assert pages and pages <= reach, f"{question}: not within two clicks: {sorted(pages - reach)[:5]}"


def test_who_appears_with_whom_is_drawn_on_each_actor_page(built_example: Path) -> None:
    html = (built_example / "actors" / "nato" / "index.html").read_text(encoding="utf-8")
    network = re.search(r'<svg class="chart network".*?</svg>', html, re.S).group(0)
    assert network.count('<a href="/actors/') >= 5
    assert "<title" in network and "<desc" in network


def test_own_css_and_js_stay_under_60_kb() -> None:
    own = [p for p in (THEME_DIR / "static").iterdir() if p.suffix in (".css", ".js")]
    total = sum(p.stat().st_size for p in own)
    assert {p.name for p in own} >= {"style.css", "search.js"}
    assert total < 60 * 1024, f"{total} bytes"


def test_every_picture_has_a_title_and_description(built_example: Path) -> None:
    count = 0
    for page in built_example.rglob("*.html"):
        for svg in re.findall(r"<svg\b[^>]*>.*?</svg>", page.read_text(encoding="utf-8"), re.S):
            count += 1
            opening = svg.split(">", 1)[0]
            ids = re.search(r'aria-labelledby="([^"]+)"', opening).group(1).split()
            for ident in ids:
                assert f'id="{ident}"' in svg, (page, ident)
    assert count > 50
