"""An edition as an email: the theme's `email.html` made fit for mail clients, and its
plain-text alternative.

Mail clients drop `<style>` blocks, scripts and relative links, so the rendered page has
its CSS inlined by css-inline, every link and image resolved to a full URL, and is then
checked: nothing it refuses is ever sent. The plain text is made from that HTML, so the
two never say different things.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import css_inline

from briefgen.config import Config
from briefgen.editions import title as edition_title
from briefgen.errors import ContentErrors, Problem
from briefgen.feeds import absolute_links
from briefgen.pages import PageSpec
from briefgen.render import template_place
from briefgen.urls import Urls

MAX_BYTES = 100 * 1024
"""Gmail clips a message over 102 KB; an edition's email stays under 100 KB."""
WIDTH = 72
"""The plain text's columns."""
_INLINER = css_inline.CSSInliner(keep_style_tags=False, keep_link_tags=False, load_remote_stylesheets=False)


def email_html(render: Any, config: Config, urls: Urls, edition: Any, template: str | None = None) -> bytes:
    """The edition's email: `email.html` rendered (by `render`, a page renderer), its CSS
    inlined and every link made absolute; a problem when it holds a script or is too big.
    `template` is the file `email.html` was loaded from, which a script is blamed on."""
    path = urls.path("edition_email", edition.key)
    page = urls.absolute("edition", edition.key)
    spec = PageSpec(path, "email.html", {"e": edition, "kind": "email", "title": edition_title(edition, config.catalogue), "path": path})
    made = absolute_links(_INLINER.inline(render(spec).decode("utf-8")), page)
    data = made.encode("utf-8")
    found = _scripted(made)
    if found:
        message = f"the email of the edition of {edition.key} has a script or an event handler ({found}), which mail clients refuse; take it out of the template"
        place, line = (template_place(config, template), _line_of(template, found)) if template else ("email.html", None)
        raise ContentErrors([Problem(place, line, message)])
    if len(data) > MAX_BYTES:
        raise ContentErrors([Problem(
            edition.path, edition.line_of.get("date", 1),
            f"the email of this edition is {len(data) // 1024} KB, over the {MAX_BYTES // 1024} KB mail clients show whole; carry fewer dispatches",
        )])
    return data


def _line_of(filename: str, found: str) -> int | None:
    """The first line of a template that holds `found` (`<script`, `onclick`), if it does."""
    try:
        lines = Path(filename).read_text(encoding="utf-8").lower().splitlines()
    except OSError:
        return None
    return next((n for n, line in enumerate(lines, 1) if found in line), None)


def _scripted(html: str) -> str | None:
    """The first `<script>` element or event handler attribute (`onclick`) in `html`, as
    `<script` or `onclick`; text that only looks like one ("the one = two") is not."""
    finder = _ScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.found


class _ScriptFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.found is None:
            handler = next((name for name, _ in attrs if name.startswith("on")), None)
            self.found = "<script" if tag == "script" else handler


_BODY = re.compile(rb"<body[^>]*>(.*)</body>", re.DOTALL)


def body_of(email: bytes) -> bytes:
    """What is inside the email's `<body>`: every element styled inline, so it keeps its
    look wherever it is put."""
    found = _BODY.search(email)
    return found.group(1).strip() + b"\n" if found else email


def email_text(email: bytes, links: str) -> bytes:
    """The plain-text alternative of an email: its text in paragraphs wrapped at 72
    columns, each link a numbered reference listed at the end under `links` (the
    catalogue's heading)."""
    reader = _TextReader()
    reader.feed(email.decode("utf-8"))
    reader.close()
    out: list[str] = []
    for kind, block in reader.blocks:
        if kind == "rule":
            out += ["-" * WIDTH, ""]
            continue
        words = " ".join(block.split())
        if not words:
            continue
        if kind == "item":
            out += wrap(words, WIDTH, "* ", "  ")
        else:
            out += wrap(words, WIDTH)
            if kind == "heading":
                out.append("=" * min(WIDTH, width(out[-1])))
        out.append("")
    if reader.links:
        out += [links, ""]
        out += [f"[{n}] {url}" for n, url in enumerate(reader.links, 1)]
    return ("\n".join(out).rstrip("\n") + "\n").encode("utf-8")


def width(text: str) -> int:
    """The columns `text` takes in a monospaced font: two for a wide (East Asian) character,
    none for a combining mark, one for any other."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_CLOSING = "，。、；：！？）」』】》〉〕］｝’”…‥・ー.,;:!?)]}"
"""What may not begin a line (it closes what is before it)."""
_OPENING = "（「『【《〈〔［｛‘“([{"
"""What may not end a line (it opens what follows)."""
_WIDE = r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
_UNIT = re.compile(
    rf"(\s*)([{re.escape(_OPENING)}]*(?:{_WIDE}|[^\s]+?(?={_WIDE}|\s|$))[{re.escape(_CLOSING)}]*)"
)


def wrap(text: str, columns: int, first: str = "", rest: str = "") -> list[str]:
    """`text` in lines of at most `columns` display columns (`width`), the first starting
    with `first`, the others with `rest`. Lines break at spaces and, in Chinese and
    Japanese, which have none, between wide characters, but never before closing or after
    opening punctuation; a word wider than a line (a URL) is left whole."""
    lines: list[str] = []
    line, used = first, width(first)
    empty = True
    for space, unit in _UNIT.findall(text):
        gap = " " if space and not empty else ""
        size = width(unit)
        if not empty and used + len(gap) + size > columns:
            lines.append(line)
            line, used, gap = rest, width(rest), ""
        line += gap + unit
        used += len(gap) + size
        empty = False
    if not empty:
        lines.append(line)
    return lines


class _TextReader(HTMLParser):
    """HTML → blocks of text, links numbered in order of first appearance (but those
    of class "quiet": actors' and the masthead's, which would bury the others). Hidden
    elements (the preheader) and the head are skipped."""

    BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "li", "tr", "td", "table", "br", "ul", "ol", "blockquote"})
    HEADINGS = frozenset({"h1", "h2"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.links: list[str] = []
        self._text: list[str] = []
        self._kind = "text"
        self._skip: list[str] = []
        self._href: list[str | None] = []

    def _flush(self) -> None:
        text = "".join(self._text)
        if text.strip():
            self.blocks.append((self._kind, text))
        self._text = []
        self._kind = "text"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self._skip:
            if tag not in ("br", "img", "meta", "link", "hr"):
                self._skip.append(tag)
            return
        if tag in ("head", "style", "script", "title") or "display:none" in (found.get("style") or "").replace(" ", ""):
            self._skip.append(tag)
            return
        if tag == "hr":
            self._flush()
            self.blocks.append(("rule", ""))
        elif tag in self.BLOCKS:
            self._flush()
            self._kind = "heading" if tag in self.HEADINGS else "item" if tag == "li" else "text"
        if tag == "a":
            quiet = "quiet" in (found.get("class") or "").split()
            self._href.append(None if quiet else found.get("href"))
        elif tag == "img" and found.get("alt"):
            self._text.append(f"[{found['alt']}]")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if self._skip[-1] == tag:
                self._skip.pop()
            return
        if tag == "a" and self._href:
            href = self._href.pop()
            if href and href.startswith(("http://", "https://", "mailto:")):
                if href not in self.links:
                    self.links.append(href)
                self._text.append(f" [{self.links.index(href) + 1}]")
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

