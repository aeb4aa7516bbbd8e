"""Recall of search on the multilingual test set: the one-language fixture sites of
tests/sites/search-languages/ (Russian, Chinese, Arabic, English) and queries a reader
of each would type, each with the dispatches it should find.

Usage: python3 benchmarks/search_recall.py [--tree DIR] [--pagefind]

Builds each site with the briefgen of this checkout (or of --tree, another checkout, to
measure an older index), then answers each query from the built index as the search
page does: the query's terms as the index makes them (this checkout's briefgen.search
for an index of format 3; words folded to lower case for the format-2 index, which had
no stemming), each matched from its start, every one required. Recall is the share of
the wanted (query, dispatch) pairs found; precision, of the found pairs wanted.
--pagefind also indexes each built site's dispatch pages with Pagefind (`pip install
'pagefind[extended]'`) and asks the same queries of its own script in Debian's chromium.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "tests" / "sites" / "search-languages"
QUERIES: dict[str, list[tuple[str, set[str]]]] = {
    "ru": [
        ("Захаровой", {"zakharova-brussels"}), ("Захарова", {"zakharova-brussels"}),
        ("Брюсселе", {"zakharova-brussels"}), ("Брюссель", {"zakharova-brussels"}),
        ("встреча", {"zakharova-brussels"}), ("встречи", {"zakharova-brussels"}),
        ("журналисты", {"zakharova-brussels"}), ("переговоры", {"zakharova-brussels", "moscow-briefing", "sanctions"}),
        ("НАТО", {"zakharova-brussels", "sanctions"}),
        ("санкций", {"sanctions"}), ("Евросоюз", {"sanctions"}), ("газ", {"moscow-briefing"}),
        ("поставки", {"moscow-briefing"}), ("Вена", {"moscow-briefing"}), ("февраль", {"sanctions"}),
        ("дипломаты", {"sanctions"}), ("ограничения", {"sanctions"}),
    ],
    "zh": [
        ("会议", {"press-conference"}), ("振华", {"press-conference"}), ("记者会", {"press-conference"}),
        ("发言人", {"press-conference"}), ("电子", {"press-conference"}), ("集团", {"press-conference"}),
        ("贸易", {"trade-talks"}), ("谈判", {"trade-talks"}), ("市场", {"trade-talks"}), ("准入", {"trade-talks"}),
    ],
    "ar": [
        ("ناتو", {"nato-summit"}), ("الناتو", {"nato-summit"}), ("اجتماع", {"nato-summit"}),
        ("الاجتماع", {"nato-summit"}), ("بروكسل", {"nato-summit"}), ("حلفاء", {"nato-summit"}),
        ("نفط", {"oil-prices"}), ("النفط", {"oil-prices"}), ("أسواق", {"oil-prices"}),
        ("المحللين", {"oil-prices"}), ("التقلبات", {"oil-prices"}),
    ],
    "en": [
        ("quartermaster", {"supply-lines"}), ("depot", {"supply-lines"}), ("audit", {"supply-lines"}),
        ("logistics", {"supply-lines"}), ("route", {"supply-lines"}), ("council", {"council-meets"}),
        ("meeting", {"council-meets"}), ("storage", {"council-meets"}), ("winters", {"council-meets"}),
        ("decisions", {"council-meets"}), ("ministers", {"supply-lines", "council-meets"}),
    ],
}


def build(tree: Path, out: Path) -> dict[str, Path]:
    """Each fixture site built by the briefgen of `tree` into out/LANG: its output folders."""
    built = {}
    for lang in QUERIES:
        site = shutil.copytree(SITES / lang, out / f"src-{lang}")  # a copy: the fixture gets no cache folder
        subprocess.run([sys.executable, "-m", "briefgen", "build", "--config", str(site / "config.yaml"), "--output", str(out / lang)],
                       check=True, env=dict(os.environ, PYTHONPATH=str(tree)), cwd=tree, capture_output=True)
        built[lang] = out / lang
    return built


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def query_terms(entry: dict, lang: str, query: str) -> list[str]:
    """A query's terms as the search page of this index makes them."""
    if entry.get("v", 0) >= 3:
        sys.path.insert(0, str(ROOT))
        from briefgen.search import terms

        return sorted(terms(query, lang))
    return [w for w in re.split(r"[\W_]+", _fold(query)) if len(w) > 1 and w not in set(entry["stop"])]


def bucket_of(term: str, buckets: int) -> int:
    h = 0
    for ch in term[:2]:
        h = (h * 31 + ord(ch)) % 1_000_003
    return h % buckets


def answer(site: Path, lang: str, query: str) -> set[str]:
    """The dispatches (slugs) the built index gives for a query."""
    entry = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    folder = site / entry["dir"]
    found: set[int] | None = None
    for term in query_terms(entry, lang, query):
        if "buckets" in entry:  # format 2 and 3: terms in buckets by a hash of their first two characters
            files = [bucket_of(term, entry["buckets"])]
        else:  # terms in order, in files starting at entry["terms"]
            first = entry["terms"]
            at = max(c for c in range(len(first)) if c == 0 or first[c] <= term)
            files = [at] + [c for c in range(at + 1, len(first)) if first[c].startswith(term)]
        bucket = {k: v for c in files for k, v in json.loads((folder / f"terms-{c}.json").read_text(encoding="utf-8")).items()}
        ids: set[int] = set()
        for key, gaps in bucket.items():
            if key.startswith(term):
                at = 0
                for i, gap in enumerate(gaps):
                    at = at + gap if i else gap
                    ids.add(at)
        found = ids if found is None else found & ids
    docs = [d for c in range(0, entry["n"], entry["docChunk"]) for d in json.loads((folder / f"docs-{c // entry['docChunk']}.json").read_text(encoding="utf-8"))]
    return {docs[i][0].rstrip("/").rsplit("/", 1)[-1] for i in (found or set())}


def pagefind_answers(built: dict[str, Path]) -> dict[tuple[str, str], set[str]]:
    """Each query's dispatches as Pagefind finds them in its own index of the built pages."""
    from playwright.sync_api import sync_playwright

    served = next(iter(built.values())).parent
    for lang, site in built.items():
        subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--glob", "dispatches/**/*.html", "--silent"], check=True)
    handler = functools.partial(type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}), directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    found = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            for lang in built:
                page = browser.new_page()
                page.goto(f"{origin}/{lang}/search/")
                for query, _ in QUERIES[lang]:
                    urls = page.evaluate("""async (q) => { const pf = await import('../pagefind/pagefind.js');
                        const r = await pf.search(q); return Promise.all(r.results.map(x => x.data().then(d => d.url))); }""", query)
                    found[(lang, query)] = {u.rstrip("/").rsplit("/", 1)[-1] for u in urls}
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return found


def score(answers: dict[tuple[str, str], set[str]]) -> tuple[float, float, list[str]]:
    wanted = found = hits = 0
    missed = []
    for lang, queries in QUERIES.items():
        for query, expected in queries:
            got = answers[(lang, query)]
            wanted, found, hits = wanted + len(expected), found + len(got), hits + len(got & expected)
            if not expected <= got:
                missed.append(f"{lang}:{query}")
    return hits / wanted, (hits / found if found else 1.0), missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the briefgen checkout to build with")
    parser.add_argument("--pagefind", action="store_true", help="also measure Pagefind on the same pages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        built = build(args.tree.resolve(), Path(tmp))
        ours = {(lang, q): answer(built[lang], lang, q) for lang, queries in QUERIES.items() for q, _ in queries}
        rows = [(f"briefgen index of {args.tree.resolve()}", ours)]
        if args.pagefind:
            rows.append(("Pagefind (extended) over the same dispatch pages", pagefind_answers(built)))
        total = sum(len(q) for q in QUERIES.values())
        for name, answers in rows:
            recall, precision, missed = score(answers)
            print(f"{name}: {total} queries, recall {recall:.0%}, precision {precision:.0%}; missed: {', '.join(missed) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
