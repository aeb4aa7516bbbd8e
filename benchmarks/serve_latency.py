"""How long after saving a dispatch `briefgen serve` serves the rebuilt page, on a large site,
with the clean-build time of the same site beside it.

Usage: python3 benchmarks/serve_latency.py [--n 10000] [--edits 7] [--clean-runs 1] [--corpus DIR]

Generates a corpus with ../shared/bench/gen_corpus.py (or uses --corpus), times clean
`briefgen build`s (no cache), starts `briefgen serve` on a free port, then saves one
dispatch several times the way an editor does (temp file, rename) and polls its page
until the new title is served. Prints the median, min and max of those latencies.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
if not GEN.exists():
    GEN = Path("/work/shared/bench/gen_corpus.py")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def note(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def generate(n: int, out: Path) -> None:
    subprocess.run([sys.executable, str(GEN), "--n", str(n), "--out", str(out), "--flavor", "briefgen", "--quiet"], check=True)


def clean_build_seconds(project: Path, runs: int) -> list[float]:
    """Wall time of `briefgen build` from nothing: no cache, no previous output."""
    times = []
    for _ in range(runs):
        for leftover in (project / ".briefgen-cache", project / "bench-out"):
            shutil.rmtree(leftover, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "briefgen", "build", "--output", "bench-out"], cwd=project, env=ENV, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        note(f"clean build: {times[-1]:.2f} s")
    shutil.rmtree(project / "bench-out", ignore_errors=True)
    return times


def get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        res = conn.getresponse()
        return res.status, res.read().decode("utf-8", "replace")
    finally:
        conn.close()


def wait_idle(port: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not json.loads(get(port, "/__briefgen/status")[1])["busy"]:
            return
        time.sleep(0.05)
    raise SystemExit("the server stayed busy")


def pick_dispatch(project: Path) -> tuple[Path, str, str]:
    """A dispatch in the middle of the corpus: its file, its URL path and its title line."""
    files = sorted((project / "content").rglob("*.md"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    slug = re.search(r"^slug: *(\S+)", text, re.M)
    title = re.search(r"^title: .*$", text, re.M)
    assert title, path
    return path, f"/dispatches/{slug.group(1) if slug else path.stem}/", title.group(0)


def save_like_an_editor(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def measure_edits(project: Path, edits: int) -> tuple[list[float], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "serve", "--port", "0"], cwd=project, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        first = proc.stdout.readline()
        port = int(re.search(r":(\d+)/", first).group(1))
        started = proc.stdout.readline().strip()
        note(f"serve: {started}")
        path, url, title_line = pick_dispatch(project)
        original = path.read_text(encoding="utf-8")
        latencies = []
        for i in range(edits):
            wait_idle(port)
            marker = f"Bench edit {i} {time.time_ns()}"
            saved = time.perf_counter()
            save_like_an_editor(path, original.replace(title_line, f"title: {marker}", 1))
            while marker not in get(port, url)[1]:
                time.sleep(0.005)
            latencies.append(time.perf_counter() - saved)
            note(f"edit {i}: {latencies[-1]:.3f} s")
        save_like_an_editor(path, original)
        wait_idle(port)
        return latencies, started
    finally:
        proc.terminate()
        rest = proc.communicate(timeout=60)[0]
        for line in rest.splitlines():
            if line.startswith("built in "):
                note(f"server: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000, help="dispatches in the generated corpus")
    parser.add_argument("--edits", type=int, default=7, help="saves to time")
    parser.add_argument("--clean-runs", type=int, default=1, help="clean builds to time")
    parser.add_argument("--corpus", type=Path, help="use (a copy of) this project instead of generating one")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="briefgen-bench-serve-"))
    try:
        project = work / "project"
        if args.corpus:
            shutil.copytree(args.corpus, project, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
        else:
            generate(args.n, project)
        note(f"corpus ready in {project}")
        count = sum(1 for _ in (project / "content").rglob("*.md"))
        clean = clean_build_seconds(project, args.clean_runs)
        latencies, first_build = measure_edits(project, args.edits)
        print(f"corpus: {count} dispatches")
        print(f"clean build (no cache): median {statistics.median(clean):.2f} s over {len(clean)} run(s)")
        print(f"serve, first build: {first_build}")
        print(
            f"save -> rebuilt page served: median {statistics.median(latencies):.3f} s "
            f"(min {min(latencies):.3f}, max {max(latencies):.3f}, {len(latencies)} edits)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
