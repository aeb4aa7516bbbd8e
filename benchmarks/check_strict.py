"""How long `briefgen check --strict` takes on a large generated site, and how much of
that is the editorial heuristics (quality.findings) rather than reading and linking.

Usage: python3 benchmarks/check_strict.py [DISPATCHES] [RUNS]   (defaults: 5000, 3)
Prints the median of RUNS runs for each part.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from briefgen import quality
from briefgen.commands.check import check
from briefgen.config import load_config
from briefgen.read import ACTORS_FILE

FIRST = ["Anna", "Boris", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Irina", "Jonas"]
LAST = ["Petrov", "Novak", "Schmidt", "Kowalski", "Ivanova", "Rossi", "Dubois", "Larsen", "Horvat", "Silva"]


def make_site(root: Path, dispatches: int, seed: int = 7) -> None:
    """Registered people and organisations, one actor named in half the dispatches,
    threads, events and some unregistered names, like a busy briefing desk's archive."""
    rng = random.Random(seed)
    actors = [f"{f} {l} {i}" for i, (f, l) in enumerate((f, l) for f in FIRST for l in LAST for _ in range(20))]
    lines = [f"actor-{i}:\n  name: {name}\n  kind: person\n" for i, name in enumerate(actors)]
    lines.append("big-power:\n  name: Big Power\n  kind: state\n")
    (root / "content").mkdir(parents=True)
    (root / "content" / ACTORS_FILE).write_text("".join(lines), encoding="utf-8")
    (root / "config.yaml").write_text("title: Bench\nrelated_limit: 5\n", encoding="utf-8")
    start = dt.date(2015, 1, 1)
    for n in range(dispatches):
        day = start + dt.timedelta(days=n // 4)
        named = rng.sample(actors, 3) + (["Big Power"] if n % 2 else []) + ([f"Unregistered {n % 300}"] if n % 10 == 0 else [])
        event = f"events:\n  - {{date: {day + dt.timedelta(days=20)}, title: Meeting {n}}}\n" if n % 5 == 0 else ""
        body = f"{named[0]} met {named[1]}. " * 5
        text = (
            f"---\ntitle: Dispatch {n}\ndate: {day}\nactors: [{', '.join(named)}]\n"
            f"thread: thread-{n % 200}\nsource: {{name: Wire}}\nsummary: Line {n}.\n{event}---\n{body}\n"
        )
        (root / "content" / f"d{n:05d}.md").write_text(text, encoding="utf-8")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_site(root, count)
        config = load_config(root / "config.yaml", {})
        totals, heuristics = [], []
        for _ in range(runs):
            started = time.perf_counter()
            loaded, found = check(config, strict=True)
            totals.append(time.perf_counter() - started)
            started = time.perf_counter()
            quality.findings(loaded.site, "content/actors.yaml")
            heuristics.append(time.perf_counter() - started)
    print(f"{count} dispatches, {len(loaded.site.actors)} actors, {len(found)} findings")
    print(f"check --strict: median {statistics.median(totals):.2f} s over {runs} runs")
    print(f"  of which editorial heuristics: median {statistics.median(heuristics):.3f} s")


if __name__ == "__main__":
    main()
