"""The command line: parse arguments, call one command function, map errors to exit codes.

Exit status: 0 success, 1 content or build errors, 2 a wrong command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from briefgen import __version__
from briefgen.errors import ContentErrors


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="briefgen", description="Build a static briefing site from Markdown dispatches.")
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", type=Path, default=Path("config.yaml"), help="path to config.yaml (default: ./config.yaml)")
        return p

    init = sub.add_parser("init", help="start a new briefing in a folder", description=(
        "write a new briefing (config.yaml, actors, two sample dispatches, a GitHub Pages workflow) "
        "into DIR; nothing is written if any of its files exists"))
    init.add_argument("dir", nargs="?", default=".", metavar="DIR", help="the folder (default: the current one; made if missing)")
    init.add_argument("--base-url", help="the address the site will live at, e.g. https://user.github.io/repo/ "
                      "(asked for on a terminal; default: /)")

    build = command("build", "build the site into the output folder")
    build.add_argument("--drafts", action="store_true", help="include dispatches marked draft: true")
    build.add_argument("--output", type=Path, help="output folder (default: output_dir from config.yaml)")
    build.add_argument("--base-url", help="override base_url from config.yaml")

    serve = command("serve", "build, serve locally and rebuild on every change")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--drafts", action="store_true", help="include dispatches marked draft: true")

    check = command("check", "validate the content without writing anything")
    check.add_argument("--strict", action="store_true", help="also run the editorial checks (see below)")
    check.add_argument("--format", choices=("text", "json"), default="text", help="report as text grouped by kind, or as JSON")
    check.formatter_class = argparse.RawDescriptionHelpFormatter
    check.epilog = (
        "--strict errors (exit 1): a base_url without a host (feeds, the sitemap and link\n"
        "  previews need absolute links); implicit actors (named in a dispatch, not in\n"
        "  actors.yaml); likely duplicate actors (a second spelling of a registered or\n"
        "  unregistered actor).\n"
        "--strict warnings (reported, exit 0): registered actors mentioned in the text but not\n"
        "  listed in 'actors' (nor an affiliation of one listed); orphan dispatches; thread gaps\n"
        "  over 30 days; past events with no later dispatch in their thread or about their\n"
        "  actors; no source; no summary."
    )

    new = command("new", "write a new dispatch skeleton, or with --edition the next edition")
    new.add_argument("title", nargs="?", help="the dispatch's title (an edition's, with --edition)")
    new.add_argument("--edition", nargs="?", const="", metavar="DATE", type=_day,
                     help="write editions/DATE.md (default: today) listing every dispatch since the last edition")

    deploy = command("deploy", "build, then commit the output to a branch and push it")
    deploy.add_argument("--remote", default="origin")
    deploy.add_argument("--branch", default="gh-pages")
    deploy.add_argument("--message", help="commit message")
    deploy.add_argument("--no-push", action="store_true", help="commit to the branch but do not push")
    deploy.add_argument("--base-url", help="override base_url from config.yaml")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; ContentErrors print as `PATH:LINE: message` lines and exit 1."""
    return _run(_parse(argv))


def entry() -> None:
    """The `briefgen` program. It ends as soon as its command is done, without freeing its
    memory object by object: for every command but `serve` the cyclic collector is off
    from the start (a build pauses it anyway), and the process exits once its output is
    flushed. A 10,000-dispatch model is a few hundred thousand objects held in cycles
    through the templates; collecting them took 0.2 s of a 2 s rebuild. A command may end
    the program itself with `args.end` (`build` does, while it still holds its model).
    Under a profiler or a coverage tracer, which write their data at exit, it exits the
    usual way."""
    args = _parse(None)
    if args.command != "serve":
        gc.disable()
    traced = sys.gettrace() is not None or sys.getprofile() is not None
    if not traced:
        args.end = _end
    code = _run(args)
    if traced:
        sys.exit(code)
    _end(code)


def _end(code: int) -> NoReturn:
    """End the program with this exit code once its output is flushed, freeing nothing."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # a reader that went away (`briefgen check | head`)
            pass
    os._exit(code)


def _day(value: str) -> dt.date:
    """`--edition`'s date, as YYYY-MM-DD: anything else is a wrong command line."""
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value}: not a date; give it as YYYY-MM-DD") from None


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments; a usage error exits 2, as argparse does."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "new" and args.title is None and args.edition is None:
        parser.error("new: give the dispatch's TITLE, or --edition [DATE]")
    return args


def _run(args: argparse.Namespace) -> int:
    try:
        from briefgen.commands import run

        return run(args)
    except ContentErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"briefgen: {count} problem{'s' if count != 1 else ''}; nothing was written", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("briefgen: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        if not exc.name or exc.name.partition(".")[0] == "briefgen":
            raise
        print(f"briefgen: the module '{exc.name}' is missing: briefgen's dependencies are not installed "
              f"for {sys.executable}. Install briefgen first (python3 -m venv .venv && .venv/bin/pip install -e .) "
              "and run .venv/bin/briefgen", file=sys.stderr)
        return 1
