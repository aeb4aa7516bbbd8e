"""Two overrides known to go wrong, each replayed in a few fixed steps.

1. A classification banner in templates/base.html, after the brand link, shown when the
   page's dispatch carries `classification` in its front matter: it must appear on exactly
   those dispatch pages, in a clean build and in every cached build after the key moves.
2. templates/dispatch.html showing each topic's size (`site.topics[t.key].dispatches|length`)
   with `related_limit: 0`: after a dispatch joins a topic, every page of the topic's other
   dispatches shows the new count, as a clean build does.

Each step runs the command line in the project (a cached build into site/) and compares
every file with a build of a fresh copy of the project without the cache.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefgen.render import THEME_DIR
from tests.conftest import dispatch, run_cli, tree_bytes, write_site
from tests.overrides.briefing import BANNER, BANNER_SNIPPET, banner_problems, clean_build, first_difference


def _cli_build(project: Path, out: Path) -> None:
    result = run_cli("build", "--config", str(project / "config.yaml"), "--output", str(out))
    assert result.code == 0, result.err


def _cached_then_clean(root: Path, scratch: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    return tree_bytes(root / "site"), clean_build(root, scratch, _cli_build)


def _banner_base() -> str:
    """The theme's base.html with the banner added after the brand link."""
    theme = (THEME_DIR / "base.html").read_text(encoding="utf-8")
    brand = next(line for line in theme.splitlines(keepends=True) if 'class="brand"' in line)
    return theme.replace(brand, brand + "    " + BANNER_SNIPPET + "\n", 1)


def _set_field(path: Path, line: str | None, after: str = "title: ") -> None:
    """Add `line` to a dispatch's front matter (before the line starting with `after`), or
    with None remove the classification line."""
    text = path.read_text(encoding="utf-8")
    if line is None:
        text = re.sub(r"^classification: .*\n", "", text, flags=re.M)
    else:
        text = text.replace(after, line + "\n" + after, 1)
    path.write_text(text, encoding="utf-8")


def test_classification_banner_in_base_override_marks_exactly_the_classified_dispatches(tmp_path: Path) -> None:
    files = {
        f"content/d{i}.md": dispatch(f"Dispatch {i}", f"2022-01-{i:02d}", "[NATO, Russia]", f"Body {i}.",
                                     topics="[security]", thread="talks")
        for i in range(1, 7)
    }
    files["content/d3.md"] = files["content/d3.md"].replace("---\ntitle:", "---\nclassification: restricted\ntitle:", 1)
    files["templates/base.html"] = _banner_base()
    root = write_site(tmp_path / "project", files)
    content = root / "content"
    classified = {"d3"}

    def body(slug: str) -> None:
        path = content / f"{slug}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nAnother sentence.\n", encoding="utf-8")

    def add(slug: str) -> None:
        _set_field(content / f"{slug}.md", "classification: restricted")
        classified.add(slug)

    def remove(slug: str) -> None:
        _set_field(content / f"{slug}.md", None)
        classified.discard(slug)

    steps = [
        ("first build", lambda: None),
        ("edit the classified dispatch's body", lambda: body("d3")),
        ("edit another dispatch's body", lambda: body("d5")),
        ("classify d1 as well", lambda: add("d1")),
        ("declassify d3", lambda: remove("d3")),
        ("classify d6, the newest", lambda: add("d6")),
        ("reword the override", lambda: (root / "templates/base.html").write_text(_banner_base().replace("Skip to content", "Skip to the briefing"), encoding="utf-8")),
    ]
    for number, (name, change) in enumerate(steps, 1):
        change()
        built, clean = _cached_then_clean(root, tmp_path / "clean")
        expected = {f"dispatches/{slug}/index.html" for slug in classified}
        problems = banner_problems(clean, expected, "clean")
        difference = first_difference(built, clean)
        if difference:
            problems += ["cached build: " + difference, *banner_problems(built, expected, "cached")]
        assert not problems, f"step {number} ({name}):\n" + "\n".join(problems)
    assert BANNER.encode() in (root / "site/dispatches/d6/index.html").read_bytes()


def test_topic_size_on_dispatch_pages_follows_a_dispatch_added_to_the_topic(tmp_path: Path) -> None:
    theme = (THEME_DIR / "dispatch.html").read_text(encoding="utf-8")
    chip = "{{ topic.name }}</a></li>"
    assert chip in theme, "the theme's dispatch.html no longer shows topic chips this way"
    override = theme.replace(chip, '{{ topic.name }}</a> <span class="topic-size">{{ site.topics[topic.key].dispatches|length }}</span></li>', 1)
    root = write_site(tmp_path / "project", {
        "config.yaml": "title: Test Briefing\nbase_url: /\nrelated_limit: 0\n",
        "templates/dispatch.html": override,
        "content/a.md": dispatch("Alpha", "2022-01-01", "[NATO]", "Alpha body.", topics="[security]"),
        "content/b.md": dispatch("Beta", "2022-01-02", "[Russia]", "Beta body.", topics="[security]"),
        "content/c.md": dispatch("Gamma", "2022-01-03", "[OSCE]", "Gamma body.", topics="[energy]"),
    })
    built, clean = _cached_then_clean(root, tmp_path / "clean")
    assert first_difference(built, clean) is None
    assert b'<span class="topic-size">2</span>' in built["dispatches/a/index.html"]

    path = root / "content/c.md"  # c joins the topic: a's and b's pages now count 3
    path.write_text(path.read_text(encoding="utf-8").replace("topics: [energy]", "topics: [energy, security]"), encoding="utf-8")
    built, clean = _cached_then_clean(root, tmp_path / "clean")
    assert b'<span class="topic-size">3</span>' in clean["dispatches/a/index.html"]
    difference = first_difference(built, clean)
    assert difference is None, "after c joined 'security', cached build: " + difference

    (root / "content/d.md").write_text(dispatch("Delta", "2022-01-04", "[NATO]", "Delta body.", topics="[security]"), encoding="utf-8")
    built, clean = _cached_then_clean(root, tmp_path / "clean")
    difference = first_difference(built, clean)
    assert difference is None, "after a new dispatch in 'security', cached build: " + difference
