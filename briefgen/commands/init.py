"""`briefgen init [DIR]`: a new briefing that builds and serves at once, never overwriting
a file.

The files come from `starter/` beside this module (package data, so an installed briefgen
has them wherever it runs). Names that git or GitHub would act on inside briefgen's own
repository are kept there without their leading dot and get it back here (`gitignore`,
`github/`). A few words are filled in: `@BASE_URL@` and the workflow's `@BASE_URL_VALUE@`
and `@BASE_URL_NOTE@` (the site's address), `@VERSION@` (this briefgen's version, which the
workflow installs), and `@DAY_1@` … `@DAY_3@` (the sample dispatches' dates: two days ago to
today, so the new site opens on recent news and its announced event has been reported on).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

from briefgen import __version__
from briefgen.config import CHECKS
from briefgen.errors import ContentErrors, Problem

STARTER = Path(__file__).with_name("starter")
DOTTED = {"gitignore": ".gitignore", "github": ".github"}
"""Starter names (first path part) that are written with a leading dot."""
DEFAULT_BASE_URL = "/"
PAGES_BASE_URL = "${{ steps.pages.outputs.base_url }}"


def starter_files() -> dict[str, Path]:
    """Each file of a new briefing, by its path in the new folder, with its source."""
    found = {}
    for path in STARTER.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            first, *rest = path.relative_to(STARTER).parts
            found["/".join([DOTTED.get(first, first), *rest])] = path
    return dict(sorted(found.items()))


def fill(text: str, base_url: str, given: bool, today: dt.date) -> str:
    """A starter file's text with its placeholders filled in."""
    if given:
        value = json.dumps(base_url)
        note = ("base_url is the site's address given to `briefgen init` (config.yaml has it too):\n"
                "every link of the site is made under it. To take the address Pages serves the\n"
                "repository at instead (a custom domain included), set BASE_URL to the base_url\n"
                "output of the step above (steps.pages.outputs.base_url).")
    else:
        value = PAGES_BASE_URL
        note = ("base_url is where Pages serves this repository, e.g. https://user.github.io/repo\n"
                "(or the custom domain): every link of the site is made under it.")
    words = {
        "@BASE_URL@": json.dumps(base_url),
        "@BASE_URL_VALUE@": value,
        "@BASE_URL_NOTE@": note.replace("\n", "\n      # "),
        "@VERSION@": __version__,
        **{f"@DAY_{n}@": (today - dt.timedelta(days=3 - n)).isoformat() for n in (1, 2, 3)},
    }
    for word, filled in words.items():
        text = text.replace(word, filled)
    return text


def check_base_url(value: str, shown: str) -> str:
    """The address as config.yaml's base_url takes it (with its trailing '/'), or a Problem."""
    try:
        return CHECKS["base_url"](value)
    except ValueError as exc:
        raise ContentErrors([Problem("command line", None, f"{shown} {exc}")]) from None


def ask_base_url() -> str | None:
    """Ask for the site's address on a terminal; None when nothing was typed."""
    print("Where will the briefing live? Its address, such as https://user.github.io/repo/,")
    print("or a path such as /repo/. Press Enter to decide later.")
    while True:
        try:
            answer = input("base_url [/]: ").strip()
        except EOFError:
            print()
            return None
        if not answer:
            return None
        try:
            return check_base_url(answer, "the address")
        except ContentErrors as exc:
            print(exc.problems[0].message)


def refuse_existing(root: Path, files: dict[str, Path]) -> None:
    """Problems naming every file of the new briefing that is there already."""
    if root.exists() and not root.is_dir():
        raise ContentErrors([Problem(_shown(root), None, "is a file, not a folder")])
    taken = [rel for rel in files if os.path.lexists(root / rel)]
    if taken:
        raise ContentErrors([Problem(_shown(root / rel), None, "already exists; not overwritten") for rel in taken])


def create(root: Path, base_url: str, given: bool, today: dt.date) -> list[str]:
    """Write the starter briefing into root; write nothing if any of its files exists."""
    files = starter_files()
    refuse_existing(root, files)
    for rel, source in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(fill(source.read_text(encoding="utf-8"), base_url, given, today))
    return list(files)


def _shown(path: Path) -> str:
    """A path as the user typed its folder: relative to the current one when inside it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def main(args) -> int:
    root = Path(args.dir).absolute()
    given = args.base_url is not None
    if given:
        base_url = check_base_url(args.base_url, "--base-url")
    else:
        refuse_existing(root, starter_files())  # before asking, not after
        interactive = sys.stdin is not None and sys.stdin.isatty()
        asked = ask_base_url() if interactive else None
        given, base_url = asked is not None, asked or DEFAULT_BASE_URL
    written = create(root, base_url, given, dt.datetime.now(dt.timezone.utc).date())
    where = _shown(root) or "."
    print(f"wrote a new briefing in {where}:")
    for rel in written:
        print(f"  {rel}")
    if not given:
        print(f"base_url is {DEFAULT_BASE_URL}, the root of a web server. Once you know the site's address, set")
        print("base_url in config.yaml (the GitHub Pages workflow asks Pages for it by itself).")
    print("next:")
    if where != ".":
        print(f"  cd {where}")
    print("  briefgen serve          preview it at the address it prints; it rebuilds as you edit")
    print('  briefgen new "TITLE"    start a new dispatch in content/')
    print("To publish it with GitHub Pages, push the folder to a GitHub repository and set its")
    print('Settings → Pages → Source to "GitHub Actions": .github/workflows/pages.yml then')
    print("publishes every push to main.")
    return 0
