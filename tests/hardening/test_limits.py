"""Resource limits: hostile sizes are refused quickly with a message, or handled.

Each case is built with the real command line; an alias bomb runs in a subprocess under
a 1 GB address-space limit, so expanding it would fail the test instead of the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, dispatch, run_cli
from tests.hardening.fuzzing import assert_clean_outcome, time_limit

BOMB = """\
---
title: Laughs
date: 2021-12-26
actors: [NATO]
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
Body.
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize("where", ["content/a.md", "content/actors.yaml", "config.yaml"])
def test_alias_bomb_is_refused_quickly_in_bounded_memory(make_site, where):
    files = {"content/a.md": dispatch()}
    files[where] = BOMB if where.endswith(".md") else BOMB.split("---\n")[1]
    root = make_site(files)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "briefgen", "build"], cwd=root, env=env, capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory)
    assert time.monotonic() - started < 10
    assert proc.returncode == 1, proc.stderr
    assert f"{where}:" in proc.stderr and "an alias bomb?" in proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr


@pytest.mark.parametrize("where", ["content/a.md", "content/actors.yaml", "config.yaml"])
def test_a_value_that_holds_itself_is_refused_at_its_line(make_site, where):
    """`&a [*a]` is a list inside itself: YAML allows it, a briefing cannot show it."""
    files = {"content/a.md": dispatch()}
    cyclic = "x: 1\nloop: &a {k: [1, *a]}\n"
    files[where] = dispatch(loop="&a {k: [1, *a]}") if where.endswith(".md") else cyclic
    root = make_site(files)
    result = run_cli("build", cwd=root)
    assert result.code == 1
    line = 5 if where.endswith(".md") else 2
    assert f"{where}:{line}: malformed YAML: an alias refers to the collection that holds it" in result.err
    assert "Traceback" not in result.err


def test_reused_anchors_below_the_limit_are_fine(make_site):
    text = "---\ntitle: t\ndate: 2021-12-26\nactors: &who [NATO, Russia]\ncc: [*who, *who]\n---\nBody.\n"
    root = make_site({"content/a.md": text})
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err


def test_a_20_mb_dispatch_is_refused_with_its_size(make_site):
    big = dispatch(body="word " * (4 * 1024 * 1024))
    root = make_site({"content/big.md": big, "content/ok.md": dispatch()})
    started = time.monotonic()
    result = run_cli("build", cwd=root)
    assert time.monotonic() - started < 10
    assert result.code == 1
    assert "content/big.md: file is 21.0 MB; dispatches over 8 MB are refused" in result.err


def test_a_folder_of_100000_files_is_handled(make_site):
    """Attachments and notes beside the dispatches are skipped quickly; the dispatches build."""
    root = make_site({f"content/d{i}.md": dispatch(title=f"D{i}") for i in range(20)})
    folder = root / "content" / "many"
    folder.mkdir()
    for i in range(100_000 - 20):
        (folder / f"note-{i}.txt").touch()
    started = time.monotonic()
    result = run_cli("build", cwd=root)
    seconds = time.monotonic() - started
    assert result.code == 0, result.err
    assert "built 20 dispatches" in result.out
    assert seconds < 30


DEEP = {
    "blockquotes": ">" * 100_000 + " x\n",
    "brackets": "[" * 100_000 + "x" + "]" * 100_000,
    "images": "![" * 20_000 + "x" + "](y)" * 20_000,
    "emphasis": "*" * 100_000 + "x" + "*" * 100_000,
    "mixed emphasis": "_*" * 50_000 + "x" + "*_" * 50_000,
    "lists on one line": "- " * 100_000 + "x\n",
    "quoted lists": "> - " * 50_000 + "x\n",
    "parentheses in a link": "[x](" + "(" * 100_000 + ")" * 100_000 + ")",
    "backticks": "`" * 100_000,
    "lazy quote lines": "> x\n" * 100_000,
    "footnote references": "[^1]" * 20_000 + "\n\n[^1]: note\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_markdown_nesting_does_not_blow_the_stack(make_site, name):
    root = make_site({"content/a.md": dispatch(body=DEEP[name])})
    with time_limit(60):
        result = run_cli("build", cwd=root)
    assert_clean_outcome(root, result)
