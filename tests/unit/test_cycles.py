"""Builds run with the cyclic garbage collector paused, which is safe only while parsing
a file, rendering a page and making a feed leave no reference cycles behind: each would
otherwise stay in memory until the build ends."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Callable

import pytest

from briefgen import render
from briefgen.commands.build import load_site
from briefgen.plan import Templates, work as site_work
from briefgen.config import load_config
from briefgen.markdown import make_parser
from briefgen.read import find_sources, parse_bytes


def _cyclic_garbage(work: Callable[[], object]) -> int:
    """How many objects `work` leaves that only the cyclic collector could free."""
    gc.collect()
    gc.disable()
    try:
        work()
        return gc.collect()
    finally:
        gc.enable()


@pytest.fixture
def example(copy_site) -> Path:
    return copy_site("example")


def test_parsing_leaves_no_cycles(example: Path) -> None:
    config = load_config(example / "config.yaml", {})
    sources, _ = find_sources(config)
    md = make_parser()
    files = [(s.rel, Path(s.path).read_bytes()) for s in sources]
    files.append(("bad.md", b"---\ntitle: [unclosed\n---\nBody\n"))  # the error path too
    assert len(files) > 10
    assert _cyclic_garbage(lambda: [parse_bytes(rel, data, md) for rel, data in files]) == 0


def test_rendering_pages_and_files_leaves_no_cycles(example: Path) -> None:
    config = load_config(example / "config.yaml", {})
    work = site_work(config, load_site(config).site, Templates.of(config, cache=False))
    specs = list(work.specs)
    assert len(specs) > 50 and work.jobs

    def make_everything() -> None:
        for spec in specs:
            render.render_read(work.env, spec, config)
        for job in work.jobs:
            job.make()

    make_everything()  # the first time fills per-build memos (links, drawn charts)
    assert _cyclic_garbage(make_everything) == 0
