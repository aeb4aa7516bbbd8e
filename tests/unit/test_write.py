"""The staging writer: every file a new inode, and one path claimed once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefgen.errors import ContentErrors
from briefgen.write import write_files


def test_files_are_written_with_their_folders(tmp_path: Path) -> None:
    count = write_files(tmp_path, [("index.html", b"home"), ("a/b/index.html", b"deep"), ("a/feed.xml", b"<feed/>")])
    assert count == 3
    assert (tmp_path / "a/b/index.html").read_bytes() == b"deep"
    assert (tmp_path / "a/feed.xml").read_bytes() == b"<feed/>"


def test_a_name_that_is_a_hard_link_gets_a_new_inode_and_the_other_name_keeps_its_bytes(tmp_path: Path) -> None:
    live, staging = tmp_path / "live", tmp_path / "staging"
    live.mkdir(), staging.mkdir()
    (live / "page.html").write_bytes(b"old")
    os.link(live / "page.html", staging / "page.html")
    write_files(staging, [("page.html", b"new")])
    assert (staging / "page.html").read_bytes() == b"new"
    assert (live / "page.html").read_bytes() == b"old"
    assert (live / "page.html").stat().st_nlink == 1


def test_large_files_are_written_whole(tmp_path: Path) -> None:
    data = os.urandom(3 * 2**20)
    write_files(tmp_path, [("big.bin", data)])
    assert (tmp_path / "big.bin").read_bytes() == data


def test_two_files_with_one_path_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ContentErrors) as caught:
        write_files(tmp_path, [("x/index.html", b"one"), ("x/index.html", b"two")])
    assert "two pages would be written to this path" in str(caught.value.problems[0].message)
