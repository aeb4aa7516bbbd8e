"""What the search page costs a reader on a 10,000-dispatch site: the bytes it loads
before the first query, and the bytes transferred until the first results of a one-word
query are shown, page included (target: at most 300 KB), for the site's most common
word (the worst case: its facets span every dispatch) and an actor's name.

Usage: python3 benchmarks/search_size.py [--n 10000] [--runs 3] [--rebuild] [--workdir DIR]

Generates the corpus with ../shared/bench/gen_corpus.py into benchmarks/corpora/ (or
--workdir; kept between runs, git-ignored), builds it once, then loads /search/ in
Debian's chromium RUNS times and prints medians. Without chromium it prints the static
sum of the page and the files it links (HTML, stylesheet, script, favicon).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import statistics
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
CHROMIUM = Path("/usr/bin/chromium")
LIMIT = 300 * 1024


def corpus(n: int, rebuild: bool, workdir: Path) -> Path:
    """A generated, built site of n dispatches: its output folder."""
    folder = workdir / f"search-{n}"
    if not (folder / "config.yaml").exists():
        subprocess.run([sys.executable, str(GENERATOR), "--n", str(n), "--out", str(folder), "--flavor", "briefgen"], check=True)
    site = folder / "site"
    if rebuild or not (site / "search" / "index.html").exists():
        subprocess.run([sys.executable, "-m", "briefgen", "build", "--config", str(folder / "config.yaml")], check=True, cwd=ROOT)
    return site


def static_bytes(site: Path) -> int:
    """The search page plus the local files its HTML links to."""
    html = (site / "search" / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'<(?:link|script)[^>]+(?:href|src)="/([^"]+)"', html)
    files = [site / "search" / "index.html"] + [site / p for p in linked if (site / p).is_file() and not p.endswith(".xml")]
    return sum(f.stat().st_size for f in files)


def index_shape(site: Path) -> dict[str, int]:
    entry = site / "search-index.json"
    parts = sorted((site / "search-index").iterdir())
    terms = [p.stat().st_size for p in parts if p.name.startswith("terms-")]
    return {
        "entry file": entry.stat().st_size,
        "files beside it": len(parts),
        "largest terms file": max(terms),
        "median terms file": int(statistics.median(terms)),
        "names file": (site / "search-index" / "names.json").stat().st_size,
        "docs chunk": (site / "search-index" / "docs-0.json").stat().st_size,
        "facets chunk": (site / "search-index" / "facets-0.json").stat().st_size,
    }


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def most_common_term(site: Path) -> str:
    """The term in the most dispatches (a word of the corpus, as the index holds it)."""
    best, most = "", 0
    for part in sorted((site / "search-index").glob("terms-*.json")):
        for term, gaps in json.loads(part.read_text(encoding="utf-8")).items():
            if len(gaps) > most and not term.isdigit():
                best, most = term, len(gaps)
    return best


def browser_bytes(site: Path, runs: int, queries: list[str]) -> dict[str, list[int]]:
    """Bytes received by chromium: before the first query, and for each query the page
    and what the query fetched until its first results were shown."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    results: dict[str, list[int]] = {"before the first query": []} | {f"query {q!r}": [] for q in queries}
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
            for _ in range(runs):
                for q in [None, *queries]:
                    context = browser.new_context()
                    page = context.new_page()
                    got: list[int] = []
                    page.on("requestfinished", lambda r: got.append(r.sizes()["responseBodySize"]))
                    page.goto(origin + "/search/", wait_until="networkidle")
                    if q is None:
                        results["before the first query"].append(sum(got))
                    else:
                        page.fill("#q", q)
                        page.press("#q", "Enter")
                        page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=60_000)
                        results[f"query {q!r}"].append(sum(got))
                        page.wait_for_selector("#search-facets fieldset", timeout=60_000)
                        page.wait_for_load_state("networkidle")
                        results.setdefault(f"query {q!r} with its facets", []).append(sum(got))
                    context.close()
            browser.close()
    finally:
        server.shutdown()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "corpora")
    args = parser.parse_args()
    site = corpus(args.n, args.rebuild, args.workdir)
    entry = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    names = json.loads((site / "search-index" / "names.json").read_text(encoding="utf-8"))
    alias = names["actors"][1][1]  # an actor's name
    common = most_common_term(site)
    print(f"{entry['n']} dispatches, {len(names['actors'])} actors, {len(entry['terms'])} terms files; most common word {common!r}")
    for name, size in index_shape(site).items():
        print(f"  {name}: {size:,}" + ("" if name == "files beside it" else " B"))
    print(f"search page and its assets (static sum): {static_bytes(site):,} B")
    if not CHROMIUM.exists():
        return 0
    one_word = [common, alias.split()[0]]
    worst = 0
    for name, sizes in browser_bytes(site, args.runs, [*one_word, f"council {names['actors'][0][1].split()[0]}"]).items():
        median = int(statistics.median(sizes))
        print(f"{name} (chromium, median of {len(sizes)}): {median:,} B")
        if any(name == f"query {q!r}" for q in one_word):  # the first results, before the facets
            worst = max(worst, median)
    verdict = "within" if worst <= LIMIT else "OVER"
    print(f"first results of a one-word query: at most {worst:,} B, {verdict} the {LIMIT:,} B target")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
