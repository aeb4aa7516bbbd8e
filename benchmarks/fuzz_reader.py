"""Coverage-guided fuzzing of the reader: front-matter splitting and `read.parse_bytes`.

    pip install atheris   # not a test dependency: wheels exist for CPython 3.11 on x86-64 Linux
    python benchmarks/fuzz_reader.py --seconds 120

Runs libFuzzer (through atheris) for a bounded time over `frontmatter.split` and
`read.parse_bytes` (decode → split → render Markdown with actor autolinking), seeded
with the example site's dispatches. Contract: `split` raises nothing but
`FrontMatterError`, and `parse_bytes` raises nothing at all (every failure is a
`Problem`). Any other exception is a crash: libFuzzer stops, writes the input to
`crash-*` in the working folder and prints it; turn it into a test in
tests/hardening/test_regressions.py. The growing corpus is kept in
benchmarks/corpora/fuzz_reader/ (git-ignored), so later runs start where this one ended.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["briefgen", "markdown_it", "mdit_py_plugins", "yaml"]):
    from briefgen.frontmatter import FrontMatterError, split
    from briefgen.markdown import ActorLinks, make_parser
    from briefgen.read import parse_bytes

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "corpora" / "fuzz_reader"
MD = make_parser(ActorLinks({"NATO": ("nato", "/actors/nato/"), "Jens Stoltenberg": ("jens-stoltenberg", "/actors/jens-stoltenberg/")}))
EXTRA_SEEDS = {
    "deep.md": b"---\ntitle: x\nx: " + b"[" * 200 + b"]" * 200 + b"\n---\n" + b">" * 200 + b" x\n",
    "tags.md": b"---\ntitle: !!binary aGk=\nd: !!timestamp 2021-12-26\ns: !!set {a}\nn: !!int '1'\n<<: {a: 1}\n---\n[x](javascript:alert(1))\n",
    "crlf.md": b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nBody\r\n",
}


def one_input(data: bytes) -> None:
    """Fuzz target: the reader's contract, checked on one input."""
    text = data.decode("utf-8", "replace")
    try:
        split(text)
    except FrontMatterError:
        pass
    doc = parse_bytes("content/fuzz.md", data, MD)
    assert doc.front is not None or doc.problems, "a document with no front matter must carry a problem"


def seed_corpus() -> Path:
    """The example dispatches and a few hostile seeds, copied into the corpus folder."""
    CORPUS.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "content").rglob("*.md")):
        shutil.copy(path, CORPUS / f"example-{path.name}")
    for name, data in EXTRA_SEEDS.items():
        (CORPUS / f"seed-{name}").write_bytes(data)
    return CORPUS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz (default 60)")
    parser.add_argument("--max-len", type=int, default=4096, help="longest input in bytes (default 4096)")
    args, rest = parser.parse_known_args()
    corpus = seed_corpus()
    libfuzzer = [
        sys.argv[0], str(corpus), f"-max_total_time={args.seconds}", f"-max_len={args.max_len}",
        "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1", *rest,
    ]
    atheris.Setup(libfuzzer, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
