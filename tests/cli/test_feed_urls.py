"""What feed readers and crawlers keep: absolute links in feeds, the sitemap and robots.txt,
entry ids that survive a move, and dates that keep their day."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from briefgen.config import host_warning, load_config
from tests.conftest import dispatch, page, run_cli

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOST = "https://brief.example.org/brief/"


def build(root: Path, *args: str) -> None:
    result = run_cli("build", *args, cwd=root)
    assert result.code == 0, result.err


def entry_ids(root: Path, feed: str = "/feed.xml") -> dict[str, str]:
    tree = ET.fromstring(page(root, feed))
    return {e.find(f"{ATOM}title").text: e.find(f"{ATOM}id").text for e in tree.findall(f"{ATOM}entry")}


def test_feeds_and_sitemap_link_absolutely_with_a_host(copy_site) -> None:
    root = copy_site("mini")
    build(root, "--base-url", HOST)
    for feed in ("/feed.xml", "/threads/nato-russia-talks/feed.xml", "/actors/russia/feed.xml"):
        tree = ET.fromstring(page(root, feed))
        links = [link.get("href") for link in tree.iter(f"{ATOM}link")]
        contents = "".join(c.text for c in tree.iter(f"{ATOM}content"))
        links += re.findall(r'(?:href|src)="([^"]*)"', contents)
        assert links and all(link.startswith(HOST) for link in links), (feed, links)
    content = next(e.find(f"{ATOM}content").text for e in ET.fromstring(page(root, "/feed.xml")).findall(f"{ATOM}entry")
                   if e.find(f"{ATOM}title").text.startswith("NATO proposes"))
    assert f'href="{HOST}dispatches/nrc-proposal/#fn1"' in content
    assert f'href="{HOST}actors/jens-stoltenberg/"' in content
    locs = [loc.text for loc in ET.fromstring(page(root, "/sitemap.xml")).iter(f"{SITEMAP}loc")]
    assert locs and all(loc.startswith(HOST) for loc in locs)
    assert page(root, "/robots.txt") == f"User-agent: *\nDisallow:\n\nSitemap: {HOST}sitemap.xml\n"


def test_without_a_host_links_stay_paths_and_robots_names_no_sitemap(copy_site) -> None:
    root = copy_site("mini")
    build(root)
    assert page(root, "/robots.txt") == "User-agent: *\nDisallow:\n"
    assert "<loc>/dispatches/nrc-proposal/</loc>" in page(root, "/sitemap.xml")
    assert 'href="/dispatches/nrc-proposal/#fn1"' in page(root, "/feed.xml")


def test_a_sites_own_robots_txt_wins(copy_site) -> None:
    root = copy_site("mini")
    (root / "static").mkdir()
    (root / "static" / "robots.txt").write_text("User-agent: x\nDisallow: /\n", encoding="utf-8")
    build(root, "--base-url", HOST)
    assert page(root, "/robots.txt") == "User-agent: x\nDisallow: /\n"
    (root / "static" / "robots.txt").unlink()
    build(root, "--base-url", HOST)
    assert page(root, "/robots.txt").endswith(f"Sitemap: {HOST}sitemap.xml\n")


def test_entry_ids_survive_a_move_and_a_new_title(copy_site) -> None:
    root = copy_site("mini")
    config = root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "id_authority: Desk.Example.org\n", encoding="utf-8")
    build(root, "--base-url", "https://brief.example.org/")
    before = entry_ids(root), ET.fromstring(page(root, "/feed.xml")).find(f"{ATOM}id").text
    config.write_text(config.read_text(encoding="utf-8").replace("title: Mini Brief", "title: Another Name"), encoding="utf-8")
    build(root, "--base-url", "https://elsewhere.example.net/archive/")
    after = entry_ids(root), ET.fromstring(page(root, "/feed.xml")).find(f"{ATOM}id").text
    assert before == after
    ids, feed_id = after
    assert ids["NATO proposes NATO-Russia Council session for 12 January"] == "tag:desk.example.org,2021-12-26:nrc-proposal"
    assert ids["Russia publishes draft security treaties"] == "tag:desk.example.org,2021-12-17:treaties"  # its first slug
    assert feed_id == "tag:desk.example.org,2021-12-17:feed.xml"


def test_ids_default_to_base_urls_host_whatever_its_path_and_the_title(copy_site) -> None:
    root = copy_site("mini")
    build(root, "--base-url", "https://brief.example.org/")
    before = entry_ids(root)
    config = root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: Mini Brief", "title: Another Name"), encoding="utf-8")
    build(root, "--base-url", "https://brief.example.org/moved/")
    assert entry_ids(root) == before
    assert all(re.fullmatch(r"tag:brief\.example\.org,\d{4}-\d\d-\d\d:[a-z0-9-]+", i) for i in before.values())


def test_a_dispatch_dated_by_day_keeps_its_day(make_site) -> None:
    root = make_site({
        "config.yaml": "title: T\nbase_url: https://brief.example.org/\ntimezone: Europe/Brussels\n",
        "content/day.md": dispatch(title="By day", date="2022-01-26"),
        "content/timed.md": dispatch(title="Timed", date="2022-01-26T08:15:00"),
    })
    build(root)
    stamps = {e.find(f"{ATOM}title").text: (e.find(f"{ATOM}published").text, e.find(f"{ATOM}updated").text)
              for e in ET.fromstring(page(root, "/feed.xml")).findall(f"{ATOM}entry")}
    assert stamps == {"By day": ("2022-01-26T12:00:00Z",) * 2, "Timed": ("2022-01-26T07:15:00Z",) * 2}


def test_id_authority_must_be_a_domain_or_an_address(make_site) -> None:
    root = make_site({"config.yaml": "title: T\nid_authority: https://x.org/\n", "content/a.md": dispatch()})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "config.yaml:2: 'id_authority' must be a domain name like brief.example.org or an e-mail address" in result.err


@pytest.mark.parametrize("base_url", ["/", "/brief/"])
def test_build_warns_once_without_a_host(make_site, base_url: str) -> None:
    root = make_site({"config.yaml": f"title: T\nbase_url: {base_url}\n", "content/a.md": dispatch(), "content/b.md": dispatch(title="B")})
    result = run_cli("build", cwd=root)
    assert result.code == 0
    assert result.err == (
        f"config.yaml: warning: base_url '{base_url}' has no host: absolute links in feeds, the sitemap and link previews "
        "need one; set it in config.yaml (base_url: https://example.org/brief/) or pass --base-url\n"
    )
    assert run_cli("build", "--base-url", HOST, cwd=root).err == ""


def test_the_warning_names_the_base_url_and_how_to_set_it(tmp_path) -> None:
    (tmp_path / "config.yaml").write_text("base_url: /brief/\n", encoding="utf-8")
    warning = host_warning(load_config(tmp_path / "config.yaml"))
    assert warning is not None and "'/brief/' has no host" in warning
    assert "base_url: https://example.org/brief/" in warning and "--base-url" in warning
    assert host_warning(load_config(tmp_path / "config.yaml", {"base_url": HOST})) is None
