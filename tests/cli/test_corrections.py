"""Corrections are news: `updated:` and `corrections:` show on the page, and move the
story's "has developed" notice, its feeds, its sitemap entry and its structured data."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import dispatch, page, run_cli, tree_bytes

CORRECTIONS = '\n  - {date: 2022-01-03, text: "An earlier version gave the wrong day."}\n  - {date: 2022-01-04, text: Spelling.}'
SITE = {
    "config.yaml": "title: T\nbase_url: https://brief.example.org/\n",
    "content/first.md": dispatch("First", "2022-01-01", thread="talks", updated="2022-01-09", corrections=CORRECTIONS),
    "content/second.md": dispatch("Second", "2022-01-05", thread="talks"),
}


def test_an_update_and_corrections_show_on_the_page(make_site) -> None:
    root = make_site(SITE)
    assert run_cli("build", cwd=root).code == 0
    html = page(root, "/dispatches/first/")
    assert '<p class="updated">Updated <time datetime="2022-01-09T00:00:00+00:00">9 January 2022</time></p>' in html
    corrections = html.split('<h2 id="corrections-h">Corrections</h2>', 1)[1].split("</section>", 1)[0]
    assert '<time datetime="2022-01-03">3 January 2022</time> An earlier version gave the wrong day.' in corrections
    assert '<time datetime="2022-01-04">4 January 2022</time> Spelling.' in corrections
    assert 'class="updated"' not in page(root, "/dispatches/second/")


def test_an_update_is_how_a_story_develops(make_site) -> None:
    """The first dispatch was revised after the second was published: the second's page
    says the story has developed since, and the first's says nothing."""
    root = make_site(SITE)
    assert run_cli("build", cwd=root).code == 0
    second = page(root, "/dispatches/second/")
    assert 'is <a href="/dispatches/first/" dir="ltr">First</a> (updated 9 January 2022, 4 days later)' in second
    assert "This story has developed" not in page(root, "/dispatches/first/")
    (root / "content/first.md").write_text(dispatch("First", "2022-01-01", thread="talks"))
    assert run_cli("build", cwd=root).code == 0
    assert "This story has developed" not in page(root, "/dispatches/second/")
    assert 'is <a href="/dispatches/second/" dir="ltr">Second</a> (5 January 2022, 4 days later)' in page(root, "/dispatches/first/")


def test_a_revision_before_the_dispatch_is_an_error_at_its_line(make_site) -> None:
    root = make_site({
        **SITE,
        "content/second.md": dispatch("Second", "2022-01-05", updated="2022-01-02", corrections="[{date: 2022-01-06, txt: typo}]"),
    })
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "content/second.md:5: 'updated' 2022-01-02 is before the dispatch's date, 2022-01-05" in result.err
    assert "content/second.md:6: 'corrections' item 1: must be a mapping {date, text}" in result.err


def test_a_cached_build_follows_a_correction(make_site, tmp_path: Path) -> None:
    root = make_site(SITE)
    assert run_cli("build", cwd=root).code == 0
    (root / "content/second.md").write_text(dispatch("Second", "2022-01-05", thread="talks", corrections="[{date: 2022-01-20, text: A name.}]"))
    assert run_cli("build", cwd=root).code == 0
    assert "This story has developed" in page(root, "/dispatches/first/")
    assert run_cli("build", "--output", str(tmp_path / "clean"), cwd=root).code == 0
    assert tree_bytes(root / "site") == tree_bytes(tmp_path / "clean")
