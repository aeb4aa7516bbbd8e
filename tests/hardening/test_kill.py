"""A build killed at any moment leaves the complete old site or the complete new one.

`python -m briefgen build` runs as a subprocess on a 300-dispatch site (about 1 s) and is
SIGKILLed at random moments; between kills the content flips between two versions, so
every kill lands in a build that would replace one complete site by another.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from briefgen import lock
from briefgen.config import load_config
from briefgen.write import STAGING_PREFIX
from tests.conftest import ROOT, run_cli, tree_bytes
from tests.hardening.sitegen import generated_site

KILLS = 12
SIZE = 300


@pytest.fixture(scope="module", autouse=True)
def frozen_code(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the package, so every build in this module runs the same code and theme
    even while the working tree changes under the test run."""
    code = tmp_path_factory.mktemp("code")
    shutil.copytree(ROOT / "briefgen", code / "briefgen", ignore=shutil.ignore_patterns("__pycache__"))
    os.environ["BRIEFGEN_TEST_CODE"] = str(code)
    yield code
    os.environ.pop("BRIEFGEN_TEST_CODE", None)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = env.pop("BRIEFGEN_TEST_CODE") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start_build(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "briefgen", "build"], cwd=root, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def snapshot(root: Path, version: int) -> dict[str, bytes]:
    """The complete site of one content version (built in a separate copy)."""
    generated_site(root, SIZE, version)
    result = finish(start_build(root))
    assert result.returncode == 0, result.stderr
    return tree_bytes(root / "site")


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(STAGING_PREFIX))


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, bytes]]:
    return {v: snapshot(tmp_path_factory.mktemp(f"v{v}"), v) for v in (1, 2)}


def test_sigkill_at_random_moments_never_leaves_a_partial_site(tmp_path, versions):
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    root = tmp_path / "project"
    generated_site(root, SIZE, 1)
    for version in (1, 2, 1):  # the last is timed: a rebuild with both versions cached, like those killed
        generated_site(root, SIZE, version)
        timed = time.monotonic()
        assert finish(start_build(root)).returncode == 0
    full = time.monotonic() - timed  # kills land anywhere in a build of this length
    assert tree_bytes(root / "site") == versions[1]
    current, killed_mid_build = 1, 0
    for i in range(KILLS):
        target = 2 if current == 1 else 1
        generated_site(root, SIZE, target)
        proc = start_build(root)
        time.sleep(rng.uniform(0.02, full))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_mid_build += 1
        proc.wait(timeout=60)
        site = tree_bytes(root / "site")
        assert site in (versions[current], versions[target]), f"kill {i} (seed {seed}) left a site that is neither version"
        current = current if site == versions[current] else target
    assert killed_mid_build >= KILLS // 2, f"only {killed_mid_build} kills hit a running build (seed {seed})"
    generated_site(root, SIZE, 1)
    result = finish(start_build(root))
    assert result.returncode == 0, result.stderr
    assert tree_bytes(root / "site") == versions[1]
    assert leftovers(root) == [], "the next build should remove staging folders of killed builds"


def test_two_builds_at_once_leave_one_complete_site(tmp_path, versions):
    root = tmp_path / "project"
    generated_site(root, SIZE, 2)
    first, second = start_build(root), start_build(root)
    results = [finish(first), finish(second)]
    for result in results:
        assert result.returncode == 0 or "another briefgen build of this project is running" in result.stderr, result.stderr
    assert any(r.returncode == 0 for r in results)
    assert tree_bytes(root / "site") == versions[2]
    assert leftovers(root) == []


def test_a_build_while_another_holds_the_lock_says_so(make_site, monkeypatch):
    from tests.conftest import dispatch

    root = make_site({"content/a.md": dispatch()})
    config = load_config(root / "config.yaml")
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    with lock.build_lock(config):
        result = run_cli("build", cwd=root)
    assert result.code == 1
    assert ".briefgen-cache/build.lock: another briefgen build of this project is running" in result.err
    assert not (root / "site").exists()
    assert run_cli("build", cwd=root).code == 0  # released on exit


def test_the_second_build_waits_for_the_first_when_it_is_brief(make_site):
    from tests.conftest import dispatch

    root = make_site({"content/a.md": dispatch()})
    config = load_config(root / "config.yaml")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock.build_lock(config):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    with lock.build_lock(config, wait=5):
        waited = time.monotonic() - started
    holder.join()
    assert 0.2 < waited < 5


def test_a_killed_build_does_not_keep_the_lock(make_site):
    from tests.conftest import dispatch

    root = make_site({"content/a.md": dispatch()})
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom briefgen.config import load_config\nfrom briefgen.lock import build_lock\n"
         "with build_lock(load_config(__import__('pathlib').Path('config.yaml'))):\n    print('held', flush=True); time.sleep(60)"],
        cwd=root, env=_env(), stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    shutil.rmtree(root / "site")
