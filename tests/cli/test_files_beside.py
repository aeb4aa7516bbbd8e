"""Pictures and files that travel with a dispatch, and links that must point at something.

A project site lives under a path (`/brief/` on GitHub Pages): every link written from
the root gets that path, files beside a dispatch land in its own URL folder, and a link or
image that points at nothing is an error at its line, with the previous site kept.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import dispatch, run_cli, tree_bytes

SITE = {
    "config.yaml": "title: T\nbase_url: https://example.github.io/brief/\n",
    "content/actors.yaml": "nato:\n  name: NATO\n  kind: organization\n",
    "static/img/chart.svg": "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>",
    "content/talks/flat.md": dispatch(
        "Flat", "2022-01-01", image="map.png",
        body="See ![map](map.png), ![chart](/img/chart.svg), [the bundle](../bundle-one/) and [the feed](/feed.xml).",
    ),
    "content/talks/map.png": b"\x89PNG flat",
    "content/talks/bundle-one/index.md": dispatch("Bundle", "2022-01-02", body="A ![picture](img/p.png) here.\n\n[Home](/)"),
    "content/talks/bundle-one/img/p.png": b"\x89PNG bundle",
    "content/talks/bundle-one/data.csv": "a,b\n1,2\n",
}


def _body(root: Path, slug: str) -> str:
    html = (root / "site/dispatches" / slug / "index.html").read_text(encoding="utf-8")
    return html.split('<div class="body">', 1)[1].split("</div>", 1)[0]


def test_links_from_the_root_get_the_sites_path_and_files_beside_are_copied(make_site) -> None:
    root = make_site(SITE)
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    flat = _body(root, "flat")
    assert '<img src="map.png" alt="map" />' in flat
    assert '<img src="/brief/img/chart.svg" alt="chart" />' in flat
    assert '<a href="/brief/feed.xml">' in flat and '<a href="../bundle-one/">' in flat
    assert (root / "site/dispatches/flat/map.png").read_bytes() == b"\x89PNG flat"
    assert '<a href="/brief/">Home</a>' in _body(root, "bundle-one")  # a folder's dispatch is named by its folder
    assert (root / "site/dispatches/bundle-one/img/p.png").read_bytes() == b"\x89PNG bundle"
    assert (root / "site/dispatches/bundle-one/data.csv").exists()  # a dispatch folder brings all its files
    assert not (root / "site/dispatches/bundle-one/index.md").exists()


def test_a_link_or_image_to_nothing_is_an_error_at_its_line(make_site) -> None:
    root = make_site(SITE)
    assert run_cli("build", cwd=root).code == 0
    before = tree_bytes(root / "site")
    (root / "content/talks/flat.md").write_text(dispatch(
        "Flat", "2022-01-01", image="mpa.png", body="Fine.\n\n![map](map.png) [gone](/dispatches/nowhere/)\n\n[x](nothing.html)",
    ))
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert result.err.splitlines()[:3] == [
        "content/talks/flat.md:5: image 'mpa.png' points at nothing the site has",
        "content/talks/flat.md:9: link '/dispatches/nowhere/' points at nothing the site has",
        "content/talks/flat.md:11: link 'nothing.html' points at nothing the site has",
    ], result.err
    assert tree_bytes(root / "site") == before


def test_an_incremental_build_follows_the_files(make_site, tmp_path: Path) -> None:
    root = make_site(SITE)
    assert run_cli("build", cwd=root).code == 0
    (root / "content/talks/map.png").write_bytes(b"\x89PNG redrawn")
    assert run_cli("build", cwd=root).code == 0
    assert (root / "site/dispatches/flat/map.png").read_bytes() == b"\x89PNG redrawn"
    (root / "content/talks/bundle-one/data.csv").unlink()
    assert run_cli("build", cwd=root).code == 0
    assert not (root / "site/dispatches/bundle-one/data.csv").exists()
    clean = run_cli("build", "--output", str(tmp_path / "clean"), cwd=root)
    assert clean.code == 0
    assert tree_bytes(root / "site") == tree_bytes(tmp_path / "clean")


def test_a_file_beside_cannot_replace_the_page(make_site) -> None:
    root = make_site({**SITE, "content/talks/bundle-one/index.html": "<p>mine</p>"})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "content/talks/bundle-one/index.html: would replace the page of dispatch 'bundle-one'; rename it" in result.err


def test_image_must_be_an_address(make_site) -> None:
    root = make_site({**SITE, "content/talks/flat.md": dispatch("Flat", "2022-01-01", image="'javascript:alert(1)'")})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "content/talks/flat.md:5: 'image' must be a file beside the dispatch" in result.err


def test_a_file_belongs_to_the_nearest_dispatch_folder(make_site) -> None:
    root = make_site({
        **SITE,
        "content/talks/bundle-one/inner/index.md": dispatch("Inner", "2022-01-03"),
        "content/talks/bundle-one/inner/chart.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/index.md": dispatch("Root", "2022-01-04"),  # content/ itself is no dispatch folder
    })
    assert run_cli("build", cwd=root).code == 0
    assert (root / "site/dispatches/inner/chart.svg").exists()
    assert not (root / "site/dispatches/bundle-one/inner/chart.svg").exists()
    assert not (root / "site/dispatches/index/talks").exists()
