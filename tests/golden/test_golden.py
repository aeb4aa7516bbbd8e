"""Golden files: a few rendered outputs of the mini site, compared byte for byte.

Only a handful of pages, so a theme tweak means reviewing a small, readable diff
(`pytest --update-golden` rewrites them after the change has been checked).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

PAGES = [
    "feed.xml",
    "events.ics",
    "threads/nato-russia-talks/feed.xml",
    "dispatches/nrc-proposal/index.html",
    "actors/russia/index.html",
    "dates/2021/12/26/index.html",
    "threads/nato-russia-talks/index.html",
]


@pytest.fixture(scope="module")
def mini_site(tmp_path_factory) -> Path:
    import shutil

    root = tmp_path_factory.mktemp("golden") / "mini"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sites" / "mini", root)
    # No events page or home page here: they depend on today's date.
    result = run_cli("build", "--base-url", "https://brief.example.org/", cwd=root)
    assert result.code == 0, result.err
    return root / "site"


@pytest.mark.parametrize("rel", PAGES)
def test_golden(mini_site: Path, golden, rel: str) -> None:
    golden(rel.replace("/", "__"), (mini_site / rel).read_bytes())
