"""urls and config: base_url handling and settings validation."""

from pathlib import Path

import pytest

from briefgen.config import load_config
from briefgen.errors import ContentErrors
from briefgen.urls import Urls


def config(tmp_path: Path, text: str):
    (tmp_path / "config.yaml").write_text(text)
    return load_config(tmp_path / "config.yaml")


def test_urls_under_a_subpath(tmp_path):
    urls = Urls.of(config(tmp_path, "base_url: https://user.github.io/repo\n"))
    assert urls.href("actor", "nato") == "/repo/actors/nato/"
    assert urls.href("home", page=2) == "/repo/page/2/"
    assert urls.href("date", "2021/12/26") == "/repo/dates/2021/12/26/"
    assert urls.absolute("feed") == "https://user.github.io/repo/feed.xml"
    assert Urls.output("actors/nato/") == "actors/nato/index.html"
    assert Urls.output("") == "index.html"
    assert Urls.output("feed.xml") == "feed.xml"


def test_relative_base_url(tmp_path):
    urls = Urls.of(config(tmp_path, "base_url: /brief/\n"))
    assert urls.absolute("feed") == "/brief/feed.xml"


def test_defaults_and_folders(tmp_path):
    c = config(tmp_path, "title: T\n")
    assert (c.per_page, c.related_limit, c.feed_limit, c.timezone, c.autolink_actors) == (20, 5, 20, "UTC", True)
    assert c.content_dir == tmp_path.resolve() / "content"
    assert c.output_dir == tmp_path.resolve() / "site"


@pytest.mark.parametrize("text,message", [
    ("colour: red\n", "config.yaml:1: unknown setting 'colour'"),
    ("timezone: Mars/Olympus\n", "config.yaml:1: 'timezone' unknown time zone"),
    ("base_url: ftp://x/\n", "config.yaml:1: 'base_url' must be a path"),
    ("per_page: 0\n", "config.yaml:1: 'per_page' must be a whole number of at least 1"),
    ("autolink_actors: maybe\n", "config.yaml:1: 'autolink_actors' must be true or false"),
    ("- a\n", "config.yaml:1: must be a mapping"),
])
def test_bad_settings(tmp_path, text, message):
    with pytest.raises(ContentErrors) as info:
        config(tmp_path, text)
    assert str(info.value.problems[0]).startswith(message)


def test_every_bad_setting_at_once(tmp_path):
    with pytest.raises(ContentErrors) as info:
        config(tmp_path, "per_page: x\nrelated_limit: -1\nfoo: 1\n")
    assert [p.line for p in info.value.problems] == [1, 2, 3]
