"""Many concurrent requests on loopback, during rebuilds too, and not one fails."""

from __future__ import annotations

import http.client
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import dispatch
from tests.serve.conftest import SMALL_SITE

WORKERS = 16
PER_WORKER = 40
LIMIT_SECONDS = 60


def test_concurrent_requests_while_rebuilding_all_succeed(serve_site) -> None:
    live = serve_site(SMALL_SITE)
    sitemap = live.get("/sitemap.xml").text
    paths = [re.sub(r"^https?://[^/]+", "", loc) or "/" for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    paths = [p if p.startswith("/") else "/" + p for p in paths] + ["/feed.xml", "/assets/style.css", "/search-index.json", "/logo.svg"]
    assert len(paths) > 10
    failures: list[str] = []
    done = threading.Event()

    def worker(n: int) -> int:
        ok = 0
        for i in range(PER_WORKER):
            path = paths[(n * PER_WORKER + i) % len(paths)]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=20)
                conn.request("GET" if i % 5 else "HEAD", path)
                res = conn.getresponse()
                body = res.read()
                conn.close()
                if res.status != 200 or (i % 5 and not body):
                    failures.append(f"{path}: {res.status}")
                else:
                    ok += 1
            except OSError as exc:
                failures.append(f"{path}: {exc!r}")
        return ok

    def edits() -> None:
        """Rebuild while the requests run: every page that exists before and after must be served."""
        alpha = live.root / "content" / "alpha.md"
        n = 0
        while not done.is_set():
            n += 1
            alpha.write_text(dispatch(f"Alpha proposal {n}", "2021-12-26", "[NATO, Russia]", "Alpha body.", topics="[european security]"))
            time.sleep(0.2)

    editor = threading.Thread(target=edits, daemon=True)
    started = time.monotonic()
    before = live.status()["builds"]
    editor.start()
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            served = sum(pool.map(worker, range(WORKERS), timeout=LIMIT_SECONDS))
    finally:
        done.set()
        editor.join(5)
    elapsed = time.monotonic() - started
    assert failures == []
    assert served == WORKERS * PER_WORKER
    assert elapsed < LIMIT_SECONDS
    assert live.settle(before)["builds"] > before + 1, "the requests ran during rebuilds"
