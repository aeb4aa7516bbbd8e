"""The file system as users leave it: symlinks, odd names, hidden files, unwritable output.

Hidden files and folders (a leading dot) are skipped, as editors leave swap and backup
files there (`.x.md.swp`, `.#x.md`); a user who wants one built renames it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import dispatch, run_cli


def test_a_symlink_to_a_file_outside_content_is_refused(make_site, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text(dispatch(title="Private"), encoding="utf-8")
    root = make_site({"content/a.md": dispatch()})
    (root / "content" / "leak.md").symlink_to(secret)
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert f"content/leak.md: symbolic link points outside the content folder ({secret}); refusing to follow it" in result.err
    assert not (root / "site").exists()


def test_an_edition_linked_from_outside_its_folder_is_refused(make_site, tmp_path):
    """editions/ is read like content/: a link out of it could publish a private file."""
    secret = tmp_path / "secret.md"
    secret.write_text("---\ndate: 2021-12-27\ndispatches: [a]\n---\nPrivate.\n", encoding="utf-8")
    root = make_site({"content/a.md": dispatch(), "editions/.keep": ""})
    (root / "editions" / "2021-12-27.md").symlink_to(secret)
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert f"editions/2021-12-27.md: symbolic link points outside the editions folder ({secret}); refusing to follow it" in result.err
    assert not (root / "site").exists()


def test_a_symlinked_folder_outside_content_is_refused(make_site, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.md").write_text(dispatch(), encoding="utf-8")
    root = make_site({"content/a.md": dispatch()})
    (root / "content" / "more").symlink_to(outside)
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "content/more: symbolic link points outside the content folder" in result.err


def test_a_symlink_within_content_is_followed(make_site):
    root = make_site({"content/drafts/a.md": dispatch(title="Linked")})
    (root / "content" / "b.md").symlink_to(root / "content" / "drafts" / "a.md")
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert (root / "site/dispatches/b/index.html").is_file()


def test_a_dangling_symlink_is_reported(make_site, tmp_path):
    root = make_site({"content/a.md": dispatch()})
    (root / "content" / "gone.md").symlink_to(root / "content" / "missing.md")
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "content/gone.md: cannot be read: No such file or directory" in result.err


NAMES = {
    "content/with spaces.md": "/dispatches/with-spaces/",
    "content/Über Straße – Brüssel.md": "/dispatches/uber-strasse-brussel/",
    "content/Мария Захарова.md": "/dispatches/mariia-zakharova/",
    "content/中文 新闻.md": "/dispatches/zhong-wen-xin-wen/",
    "content/sub folder/ü/deep name.md": "/dispatches/deep-name/",
    "content/weird;name&'quote'.md": "/dispatches/weird-name-quote/",
}


def test_file_names_with_spaces_and_unicode_become_ascii_urls(make_site):
    root = make_site({path: dispatch(title=f"From {path}") for path in NAMES})
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    for path, url in NAMES.items():
        page = root / "site" / url.strip("/") / "index.html"
        assert page.is_file(), (path, sorted(p.name for p in (root / "site/dispatches").iterdir()))
        assert f"From {path}".replace("&", "&amp;").replace("'", "&#39;") in page.read_text(encoding="utf-8")


def test_problems_name_unicode_paths_as_written(make_site):
    root = make_site({"content/Über uns.md": "---\ntitle: x\n---\n"})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "content/Über uns.md:1: missing required field 'date'" in result.err


def test_hidden_files_and_folders_are_skipped(make_site):
    root = make_site({
        "content/a.md": dispatch(),
        "content/.hidden.md": dispatch(title="Hidden"),
        "content/.#a.md": "editor lock file, not a dispatch",
        "content/.git/notes.md": "not front matter at all",
        "content/.drafts/b.md": dispatch(title="Hidden draft folder"),
    })
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert "built 1 dispatch," in result.out
    assert not (root / "site/dispatches/hidden").exists()


def test_two_file_names_with_one_slug_are_reported(make_site):
    root = make_site({"content/a b.md": dispatch(), "content/x/a-b.md": dispatch()})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "slug 'a-b' is already used" in result.err


def test_an_output_folder_under_a_regular_file_is_a_clear_error(make_site):
    root = make_site({"content/a.md": dispatch(), "notes.txt": "just a file", "config.yaml": "title: T\nbase_url: https://brief.example.org/\noutput_dir: notes.txt/site\n"})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert result.err.startswith("notes.txt/site: cannot write the site: Not a directory"), result.err
    assert (root / "notes.txt").read_text() == "just a file"


def test_an_output_that_is_a_file_is_a_clear_error(make_site):
    root = make_site({"content/a.md": dispatch(), "config.yaml": "title: T\noutput_dir: out\n", "out": "a file"})
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert "out: output path exists and is not a folder" in result.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod; the regular-file case above covers it")
def test_an_unwritable_output_parent_is_a_clear_error(make_site):
    root = make_site({"content/a.md": dispatch(), "config.yaml": "title: T\noutput_dir: locked/site\n"})
    locked = root / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = run_cli("build", cwd=root)
    finally:
        locked.chmod(0o755)
    assert result.code == 1
    assert "locked/site: cannot write the site: Permission denied" in result.err


def test_a_folder_named_like_a_dispatch_is_walked_as_a_folder(make_site):
    root = make_site({"content/a.md": dispatch(), "content/dir.md/b.md": dispatch(title="Inside")})
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    assert "built 2 dispatches" in result.out


def test_symlink_loops_are_reported_not_a_traceback(make_site):
    """Resolving a loop raised RuntimeError out of read.py (regression)."""
    root = make_site({"content/a.md": dispatch()})
    content = root / "content"
    (content / "self.md").symlink_to(content / "self.md")
    (content / "ping.md").symlink_to(content / "pong.md")
    (content / "pong.md").symlink_to(content / "ping.md")
    (content / "again").symlink_to(content)
    result = run_cli("build", cwd=root)
    assert result.code == 1
    for name in ("self.md", "ping.md", "pong.md"):
        assert f"content/{name}: symbolic link loops back on itself; refusing to follow it" in result.err
    assert "content/again: symbolic link points to a folder" in result.err
