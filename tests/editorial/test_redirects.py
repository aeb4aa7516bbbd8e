"""Renamed dispatches and actors keep their old URLs alive as redirect pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import dispatch, run_cli, tree_bytes
from tests.linkcheck import broken_links

REGISTRY = """\
nato:
  name: NATO
jens-stoltenberg:
  name: Jens Stoltenberg
  former_ids: [j-stoltenberg, stoltenberg-jens]
"""

FILES = {
    "content/actors.yaml": REGISTRY,
    "content/renamed.md": dispatch(title="Renamed", slug="new-name", former_slugs="[old-name, older-name]", actors="[NATO, Jens Stoltenberg]"),
    "content/other.md": dispatch(title="Other", slug="other", related="[new-name]"),
}


def build(root: Path, *args: str):
    return run_cli("build", *args, cwd=root)


def redirect_target(page: Path) -> tuple[str, str]:
    """(meta refresh target, canonical link) of a redirect page."""
    html = page.read_text(encoding="utf-8")
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html).group(1)
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1)
    return refresh, canonical


@pytest.mark.parametrize(
    "old, new",
    [
        ("dispatches/old-name", "/dispatches/new-name/"),
        ("dispatches/older-name", "/dispatches/new-name/"),
        ("actors/j-stoltenberg", "/actors/jens-stoltenberg/"),
        ("actors/stoltenberg-jens", "/actors/jens-stoltenberg/"),
    ],
)
def test_old_urls_redirect_to_the_new_page(make_site, old: str, new: str) -> None:
    root = make_site(FILES)
    assert build(root).code == 0
    assert redirect_target(root / "site" / old / "index.html") == ("https://brief.example.org" + new,) * 2  # full URLs, with a host
    assert (root / "site" / new.strip("/") / "index.html").is_file()
    assert broken_links(root / "site") == []


def test_redirects_under_a_hosted_subpath(make_site) -> None:
    root = make_site(FILES)
    assert build(root, "--base-url", "https://user.github.io/repo/").code == 0
    target = "https://user.github.io/repo/dispatches/new-name/"
    assert redirect_target(root / "site/dispatches/old-name/index.html") == (target, target)
    assert broken_links(root / "site", "/repo/", host="user.github.io") == []


def test_redirects_are_not_listed_as_pages(make_site) -> None:
    root = make_site(FILES)
    assert build(root).code == 0
    site = root / "site"
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "/dispatches/new-name/" in sitemap and "old-name" not in sitemap and "j-stoltenberg" not in sitemap
    assert "old-name" not in (site / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in (site / "dispatches/old-name/index.html").read_text(encoding="utf-8")


CLASHES = {
    "former slug is a live dispatch": (
        {"content/renamed.md": dispatch(title="Renamed", slug="new-name", former_slugs="[other]")},
        "content/renamed.md:6: former slug 'other' is the live URL of another dispatch",
    ),
    "former slug is the dispatch's own": (
        {"content/renamed.md": dispatch(title="Renamed", slug="new-name", former_slugs="[new-name]")},
        "content/renamed.md:6: former slug 'new-name' is this dispatch's own slug",
    ),
    "two dispatches claim one old slug": (
        {"content/third.md": dispatch(title="Third", slug="third", former_slugs="[old-name]")},
        "content/renamed.md:6: former slug 'old-name' is also claimed by 'third' (content/third.md)",
    ),
    "former id is a live actor": (
        {"content/actors.yaml": REGISTRY + "nato-2:\n  name: NATO 2\n  former_ids: [nato]\n"},
        "content/actors.yaml:6: former id 'nato' is the live URL of another actor",
    ),
    "former id still used in a dispatch": (
        {"content/late.md": dispatch(title="Late", slug="late", actors="[NATO, j-stoltenberg]")},
        "content/late.md:4: 'j-stoltenberg' is a former id of actor 'jens-stoltenberg'",
    ),
}


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_an_old_url_may_not_hide_a_live_one(make_site, case: str) -> None:
    changes, expected = CLASHES[case]
    root = make_site(FILES)
    assert build(root).code == 0
    before = tree_bytes(root / "site")
    for rel, text in changes.items():
        (root / rel).write_text(text, encoding="utf-8")
    result = build(root)
    assert result.code == 1
    assert expected in result.err, result.err
    assert tree_bytes(root / "site") == before
    checked = run_cli("check", cwd=root)
    assert checked.code == 1 and expected in checked.err
