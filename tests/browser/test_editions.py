"""An edition's email and page in Debian's chromium at a phone's width (375 px) and at an
email's usual width (600 px): nothing wider than the screen, the text readable, the
preheader hidden, the picture within the column. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import SITES, run_cli, serve_folder

HOST = "https://brief.example.org"
WIDTHS = (375, 600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("editions-browser") / "project"
    shutil.copytree(SITES / "editions", root)
    assert run_cli("build", "--output", str(root / "out/news"), cwd=root).code == 0
    return root / "out"


def _open(browser, origin: str, out: Path, width: int):
    """A page whose full URLs under the site's host are answered from the built site, as
    a mail client would fetch them; nothing else leaves the machine."""
    context = browser.new_context(viewport={"width": width, "height": 800})

    def answer(route) -> None:
        path = out / urlsplit(route.request.url).path.lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        route.fulfill(path=str(path)) if path.is_file() else route.fulfill(status=404)

    context.route(f"{HOST}/**", answer)
    context.route(lambda url: not url.startswith((origin, HOST)), lambda route: route.abort())
    return context


@pytest.mark.parametrize("width", WIDTHS)
def test_the_email_fits_and_reads_at_phone_and_desktop_widths(built: Path, browser, artifacts, width: int) -> None:
    with serve_folder(built) as origin:
        context = _open(browser, origin, built, width)
        try:
            page = context.new_page()
            page.goto(f"{origin}/news/editions/2021-12-06/email.html", wait_until="load")
            page.screenshot(path=str(artifacts / f"edition-email-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
            card = page.evaluate("document.querySelectorAll('table')[1].getBoundingClientRect().width")
            assert card <= min(width, 600) and card >= min(width, 600) - 20
            picture = page.evaluate("(() => { const i = document.querySelector('img'); return [i.naturalWidth, i.getBoundingClientRect().width]; })()")
            assert picture[0] == 1 and 0 < picture[1] <= card  # loaded from its full URL, and within the column
            hidden = page.evaluate("document.body.firstElementChild.getBoundingClientRect().height")
            assert hidden == 0  # the preheader is for the inbox, not the reader
            smallest = page.evaluate("""(() => Math.min(...[...document.querySelectorAll('p, li, h1, h2, h3, a')]
                .filter(e => e.getBoundingClientRect().height > 0).map(e => parseFloat(getComputedStyle(e).fontSize))))()""")
            assert smallest >= 13
        finally:
            context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_edition_page_fits_at_phone_and_tablet_widths(built: Path, browser, artifacts, width: int) -> None:
    with serve_folder(built) as origin:
        context = _open(browser, origin, built, width)
        try:
            page = context.new_page()
            failed: list[str] = []
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.goto(f"{origin}/news/editions/2021-12-13/", wait_until="load")
            page.screenshot(path=str(artifacts / f"edition-page-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
            assert page.locator("h1").inner_text().startswith("No. 2")
            assert failed == []
        finally:
            context.close()
