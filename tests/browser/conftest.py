"""One built example site, one HTTP server and one chromium for the whole browser session.

The browser is Debian's chromium driven by Playwright; none is ever downloaded. Without
it the tests are skipped, except under CI (CI set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from tests.conftest import serve_folder, CHROMIUM, browser_unavailable as _unavailable  # noqa: F401
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def served(built_example: Path) -> Iterator[str]:
    """The example site over HTTP on a free local port: its origin."""
    with serve_folder(built_example) as origin:
        yield origin


@pytest.fixture(scope="session")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        _unavailable("axe-playwright-python is not installed (pip install -e '.[test]')")
    return Axe()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@dataclass
class Traffic:
    """What a page did on the wire and in its console."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("request", self._request)
        page.on("requestfailed", self._request_failed)
        page.on("response", lambda r: self.failed.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None)

    def _request_failed(self, request) -> None:
        """A request that failed; one the browser gave up because the page moved on (a
        favicon still loading when a test clicks a link) says nothing of the site."""
        if request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.url}: {request.failure}")

    def _request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme not in ("data", "blob") and f"{url.scheme}://{url.netloc}" != self.origin:
            self.external.append(request.url)


@pytest.fixture
def open_page(browser, served):
    """Open a site path at a width; returns (page, traffic). Contexts are closed after the test."""
    contexts = []

    def open_(path: str, width: int = 1280, **options):
        context = browser.new_context(viewport={"width": width, "height": 900}, **options)
        contexts.append(context)
        page = context.new_page()
        traffic = Traffic(served)
        traffic.watch(page)
        page.goto(served + path, wait_until="load")
        return page, traffic

    yield open_
    for context in contexts:
        context.close()
