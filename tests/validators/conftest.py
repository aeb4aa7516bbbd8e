"""The example site as a project site on GitHub Pages, built once for every validator.

It is built with `--base-url https://example.github.io/brief/`, as the Pages workflow
builds a project site. The example has no picture, correction, revision, renamed
dispatch or taxonomy, so one dispatch is added that has them all (and that declares an
event another dispatch declares too): every template and feed part a validator should
see is then in the build.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from tests.conftest import copy_example, run_cli

BASE = "https://example.github.io/brief/"
"""What configure-pages gives a project site named `brief`, with its slash."""

WRAP_UP = """\
---
title: "OSCE talks close: a summary & what comes next"
date: 2022-01-14T18:30:00+01:00
location: Vienna
actors: [OSCE, Russia]
topics: [european security]
regions: [Europe, Black Sea]
former_slugs: [osce-wrap]
source: {name: OSCE, url: "https://www.osce.org/"}
image: map.png
updated: 2022-01-15
corrections:
  - {date: 2022-01-15, text: An earlier version gave the wrong venue.}
events:
  - {date: 2022-01-10, title: US–Russia Strategic Stability Dialogue in Geneva}
---
The talks ended with <no> agreement; see [the map](map.png), [the schedule](/events/)
and [the Council](../nato-proposes-nrc-meeting-january-12/).

| side | position |
| --- | --- |
| Russia | guarantees |

A footnote.[^1]

[^1]: Said in Vienna.
"""


def png(width: int = 2, height: int = 1) -> bytes:
    """A real (red) PNG, so that nothing downstream finds a broken picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def project_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site folder (`…/site`) of the example, with the dispatch above, as a
    project site under BASE."""
    root = copy_example(tmp_path_factory.mktemp("project") / "brief")
    config = root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "taxonomies: [regions]\n", encoding="utf-8")
    bundle = root / "content" / "osce" / "osce-talks-wrap-up"
    bundle.mkdir(parents=True)
    (bundle / "index.md").write_text(WRAP_UP, encoding="utf-8")
    (bundle / "map.png").write_bytes(png())
    result = run_cli("build", "--base-url", BASE, cwd=root)
    assert result.code == 0, result.err
    return root / "site"


def missing(reason: str, installable: bool = True) -> None:
    """Skip a validator that is not installed; under CI, where scripts/test installs it,
    that is a failure."""
    if os.environ.get("CI") and installable:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)
