"""briefgen as the package index would hand it out: built into a wheel and an sdist,
installed (not editable) into a fresh virtualenv, and used from an empty folder."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import briefgen
from briefgen.commands.init import STARTER
from tests.conftest import ROOT

THEME = ROOT / "briefgen" / "theme"
SCHEMAS = ROOT / "briefgen" / "schemas"


def packaged(folder: Path) -> list[str]:
    """Package data as its paths inside the package, e.g. briefgen/theme/base.html."""
    return sorted(p.relative_to(ROOT).as_posix() for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def unavailable(reason: str) -> None:
    """Skip where the build tools are missing; under CI (scripts/test installs them) fail."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel built from it (`python -m build` does both), from a copy of
    the project's files, so that no build/ or egg-info lands in the checkout. The build
    backend comes from the test dependencies (--no-isolation): nothing is downloaded."""
    try:
        importlib.metadata.version("build")
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        unavailable("the build tools are missing: pip install -e '.[test]'")
    if int(version.split(".")[0]) < 77:
        unavailable(f"setuptools {version} is older than pyproject.toml asks: pip install -e '.[test]'")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "briefgen", src / "briefgen", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def only(folder: Path, pattern: str) -> Path:
    found = list(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_wheel_carries_the_theme_starter_schemas_license_and_metadata(dist: Path) -> None:
    wheel = only(dist, f"briefgen-{briefgen.__version__}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"briefgen-{briefgen.__version__}.dist-info"
        metadata = zf.read(f"{info}/METADATA").decode("utf-8")
    for wanted in packaged(THEME) + packaged(STARTER) + packaged(SCHEMAS):
        assert wanted in names, f"{wanted} is not in the wheel"
    assert "briefgen/commands/starter/github/workflows/pages.yml" in names
    assert f"{info}/licenses/LICENSE" in names
    assert "License-Expression: MIT" in metadata and "Requires-Python: >=3.11" in metadata
    assert re.search(r"^Requires-Dist: jinja2>=3\.1$", metadata, re.M)
    for field in ("Summary", "Keywords", "Classifier", "Description-Content-Type: text/markdown"):
        assert field in metadata


def test_sdist_carries_the_same_files(dist: Path) -> None:
    sdist = only(dist, f"briefgen-{briefgen.__version__}.tar.gz")
    top = f"briefgen-{briefgen.__version__}"
    with tarfile.open(sdist) as tf:
        names = set(tf.getnames())
    for wanted in packaged(THEME) + packaged(STARTER) + packaged(SCHEMAS) + ["LICENSE", "README.md", "pyproject.toml"]:
        assert f"{top}/{wanted}" in names, f"{wanted} is not in the sdist"


def test_installed_wheel_starts_builds_and_checks_a_briefing(dist: Path, tmp_path: Path) -> None:
    wheel = only(dist, "*.whl")
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    done = subprocess.run([*pip, "install", "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    # The fresh venv gets briefgen from the wheel alone, and its dependencies from where this
    # interpreter has them: a .pth file lists their folders. --no-deps because CI may reach
    # the package index but a test should not depend on it (nor spend its time downloading);
    # not --system-site-packages, because under CI this interpreter is itself a virtualenv
    # and a venv made from it would see the base Python's packages, not these. A .pth file
    # in a listed folder (an editable briefgen's) is not read, so the checkout stays out.
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(f"briefgen-{briefgen.__version__}.dist-info/METADATA").decode("utf-8")
    requires = re.findall(r"^Requires-Dist: (.+)$", metadata, re.M)
    folders = sorted({str(d.locate_file("")) for d in dependencies(requires)})
    (purelib / "briefgen-test-dependencies.pth").write_text("\n".join(folders) + "\n", encoding="utf-8")

    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = subprocess.run([str(python), "-c", "import briefgen; print(briefgen.__file__)"], capture_output=True, text=True,
                           cwd=tmp_path, env=clean, check=True).stdout.strip()
    assert Path(where).is_relative_to(env), f"briefgen came from {where}, not the wheel"

    work = tmp_path / "empty"
    work.mkdir()
    briefgen_cli = env / "bin" / "briefgen"
    for args in (["init", "--base-url", "https://user.github.io/repo/"], ["build"], ["check", "--strict"]):
        done = subprocess.run([str(briefgen_cli), *args], capture_output=True, text=True, cwd=work, env=clean,
                              stdin=subprocess.DEVNULL, timeout=60, check=False)
        assert done.returncode == 0, f"briefgen {' '.join(args)}: {done.stdout}{done.stderr}"
    for page in ("index.html", "dispatches/ferry-pier-plan/index.html", "actors/alex-morgan/index.html", "feed.xml",
                 "assets/style.css"):
        assert (work / "site" / page).is_file(), page
    assert 'href="/repo/actors/"' in (work / "site" / "index.html").read_text(encoding="utf-8")


def dependencies(requires: list[str]) -> list[importlib.metadata.Distribution]:
    """The distributions these requirements need, theirs too, as this interpreter has them
    (requirements of an extra are left out)."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = [r for r in requires if "extra ==" not in r]
    while todo:
        requirement = todo.pop()
        name = re.split(r"[<>=!~ ;\[(]", requirement, maxsplit=1)[0].lower()
        if name in found:
            continue
        try:
            found[name] = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            if ";" in requirement:  # needed only elsewhere (another Python or platform)
                continue
            raise
        todo += [r for r in found[name].requires or [] if "extra ==" not in r]
    return list(found.values())
