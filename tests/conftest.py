"""Shared fixtures: tiny sites written from strings, the CLI run in-process, the example site.

`make_site(files)` writes a project (config.yaml + content/ ...) under tmp_path;
`run_cli(*args, cwd=...)` runs `briefgen` in-process and returns (exit code, stdout, stderr).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import os
import shutil
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from briefgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"

BASIC_CONFIG = "title: Test Briefing\nbase_url: https://brief.example.org/\n"
"""A host, as a published site has: feeds and previews get absolute links, and no build warns."""


def dispatch(title: str = "A dispatch", date: str = "2021-12-26", actors: str = "[NATO]", body: str = "Body text.", **fields: str) -> str:
    """Text of a dispatch file; extra front-matter fields are given as YAML strings."""
    lines = [f"title: {title}", f"date: {date}", f"actors: {actors}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None) -> CliResult:
    """Run the command line in-process, as a user would from `cwd`."""
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse usage errors
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(old)
    return CliResult(code, out.getvalue(), err.getvalue())


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a project: keys are paths relative to root; config.yaml gets a default."""
    files = {"config.yaml": BASIC_CONFIG, **files}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data) if data.startswith("\n") else data, encoding="utf-8")
    return root


def copy_example(dest: Path) -> Path:
    """Copy the example site project (not its output) into dest; returns dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in ("config.yaml", "content", "editions", "templates", "static"):
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that keeps test output clean."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve_folder(folder: Path, handler: type[http.server.SimpleHTTPRequestHandler] = QuietHandler) -> Iterator[str]:
    """Serve a built site over HTTP on a free loopback port; yields its origin."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Factory for a site project under tmp_path/site-project."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_site(tmp_path / "project", files)

    return make


@pytest.fixture
def copy_site(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a fixture site from tests/sites/NAME (or the example site for 'example')."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        if name == "example":
            copy_example(dest)
        else:
            shutil.copytree(SITES / name, dest)
        return dest

    return copy


@pytest.fixture
def built_site(copy_site) -> Callable[[str], Path]:
    """Copy a fixture site (see `copy_site`) and build it with the command line."""

    def build(name: str) -> Path:
        root = copy_site(name)
        result = run_cli("build", cwd=root)
        assert result.code == 0, result.err
        return root

    return build


def page(root: Path, url: str) -> str:
    """A built page's text by its URL (a folder's index.html for a URL ending in '/')."""
    path = root / "site" / url.strip("/")
    if url.endswith("/"):
        path = path / "index.html"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site, built once per test session; returns its output folder."""
    dest = copy_example(tmp_path_factory.mktemp("example"))
    result = run_cli("build", cwd=dest)
    assert result.code == 0, result.err
    return dest / "site"


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under folder with its bytes, for byte-for-byte comparisons."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files in tests/golden/")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, bytes], None]:
    """Compare bytes with tests/golden/NAME; `--update-golden` rewrites the file instead."""
    update = request.config.getoption("--update-golden")

    def check(name: str, actual: bytes) -> None:
        path = Path(__file__).resolve().parent / "golden" / name
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual)
            if not update:
                pytest.fail(f"golden file {name} was missing and has been written; run again")
        assert actual.decode("utf-8") == path.read_bytes().decode("utf-8"), f"{name} differs (run pytest --update-golden after checking the change)"

    return check


CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def browser_unavailable(reason: str) -> None:
    """Skip a browser test where no browser is installed; under CI that is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, driven by Playwright, shared by every browser test of the session.

    Playwright's sync API allows one running instance per process, so all browser
    tests share this one and open their own pages or contexts.
    """
    if not CHROMIUM.exists():
        browser_unavailable(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
