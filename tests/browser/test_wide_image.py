"""A wide picture beside a dispatch, on a phone: it fits the column, and it loads."""

from __future__ import annotations

from tests.conftest import dispatch, run_cli, serve_folder

WIDE = b"<svg xmlns='http://www.w3.org/2000/svg' width='2400' height='600'><rect width='2400' height='600' fill='#468'/></svg>"
TABLE = "| " + " | ".join(f"column {i}" for i in range(30)) + " |\n|" + "---|" * 30 + "\n| " + " | ".join("x" * 12 for _ in range(30)) + " |\n"


def test_a_wide_image_and_table_never_widen_the_page_on_a_phone(make_site, browser, artifacts) -> None:
    root = make_site({
        "config.yaml": "title: T\nbase_url: /brief/\n",
        "content/talks/wide/index.md": dispatch("Wide", "2022-01-01", body="![A wide map](map.svg)\n\n" + TABLE),
        "content/talks/wide/map.svg": WIDE,
    })
    assert run_cli("build", "--output", str(root / "out/brief"), cwd=root).code == 0
    with serve_folder(root / "out") as origin:
        context = browser.new_context(viewport={"width": 375, "height": 800})
        try:
            page = context.new_page()
            failed: list[str] = []
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.goto(f"{origin}/brief/dispatches/wide/", wait_until="load")
            page.screenshot(path=str(artifacts / "wide-image-375.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
            shown = page.evaluate("(() => { const i = document.querySelector('.body img'); return [i.naturalWidth, i.getBoundingClientRect().width]; })()")
            assert shown[0] == 2400 and 0 < shown[1] <= 375
            assert failed == []
        finally:
            context.close()
