"""`briefgen build`: parse the options, run the pipeline (`briefgen.pipeline`), say what it built.

`build` is shared with `serve` and `deploy`, `load_site` (read → model → link) with `check`.
"""

from __future__ import annotations

import sys

from briefgen.config import CONFIG_NAME, host_warning, language_warning
from briefgen.pipeline import EARLY_LIMIT, BuildOptions, BuildResult, Loaded, Progress, build, load_site

__all__ = ["EARLY_LIMIT", "BuildOptions", "BuildResult", "Loaded", "Progress", "TerminalProgress", "build", "load_site", "main"]


def main(args) -> int:
    """The `build` verb: one summary line on success; progress on a terminal."""
    from briefgen.commands import config_for

    config = config_for(args)
    for warning in (host_warning(config), language_warning(config)):
        if warning is not None:
            print(f"{CONFIG_NAME}: warning: {warning}", file=sys.stderr)  # the file to mend, as every problem names it
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    try:
        result = build(config, BuildOptions(drafts=args.drafts, output=args.output, progress=progress))
    finally:
        if progress:
            progress.clear()
    print(result.summary())
    end = getattr(args, "end", None)
    if end is not None:
        end(0)  # the program ends here, holding the result: what the build made is never freed
    return 0


class TerminalProgress:
    """One line on stderr, rewritten in place, for builds long enough to wonder about."""

    MIN_TOTAL = 500

    def __init__(self, stream) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total >= self.MIN_TOTAL:
            self.stream.write(f"\r\x1b[K{stage} {done}/{total} …" if done else f"\r\x1b[K{stage} {total} …")
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
