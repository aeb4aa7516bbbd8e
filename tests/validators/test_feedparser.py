"""The feeds as a feed reader takes them (feedparser, what most Python readers use): every
entry, its links, its picture and every link in its content are full URLs under the
project site's address, and a dispatch's revision is its entry's update time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.validators.conftest import BASE

feedparser = pytest.importorskip("feedparser")


def _feeds(site: Path) -> list[Path]:
    return sorted(site.rglob("feed.xml"))


def test_every_feed_reads_with_full_urls_under_the_site(project_site: Path) -> None:
    feeds = _feeds(project_site)
    assert len(feeds) > 10
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.feed.link.startswith(BASE), path
        for entry in parsed.entries:
            assert entry.id.startswith("tag:") and entry.link.startswith(BASE), (path, entry.id)
            for link in entry.links:
                assert link.href.startswith((BASE, "https://")), (path, link)
            for content in entry.get("content", []):
                for target in re.findall(r'(?:href|src)="([^"]+)"', content.value):
                    assert target.startswith((BASE, "https://", "mailto:")), (path, entry.link, target)


def test_a_picture_and_a_revision_reach_the_reader(project_site: Path) -> None:
    parsed = feedparser.parse((project_site / "feed.xml").read_bytes())
    entry = next(e for e in parsed.entries if e.link == BASE + "dispatches/osce-talks-wrap-up/")
    assert [e.href for e in entry.enclosures] == [BASE + "dispatches/osce-talks-wrap-up/map.png"]
    assert entry.published.startswith("2022-01-14") and entry.updated.startswith("2022-01-15")
    assert f'href="{BASE}dispatches/osce-talks-wrap-up/map.png"' in entry.content[0].value  # beside the dispatch, made full
