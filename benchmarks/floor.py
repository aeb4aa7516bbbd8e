"""The Python floor: what any Python briefing generator must at least do, in one process.

Read every dispatch, parse its front matter with PyYAML's C loader and render its body
with markdown-it-py (CommonMark, tables, footnotes, smart quotes, as briefgen does).
No site model, no pages. `run.py` times it beside briefgen's cold build.

    python3 benchmarks/floor.py CORPUS_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin


def main(corpus: Path) -> int:
    md = MarkdownIt("commonmark", {"typographer": True, "html": False})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    count = 0
    for path in sorted((corpus / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        yaml.load(front, Loader=yaml.CSafeLoader)
        md.render(body)
        count += 1
    print(f"{count} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
