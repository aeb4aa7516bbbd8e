"""Dispatch bodies: CommonMark with tables, footnotes and smart quotes, made safe.

Raw HTML is escaped, links may only use http(s), mailto or relative targets, and the
first mention of each registered actor can become a link to its page (a core rule on
the token stream, so code, existing links and headings are never touched).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A body as HTML, its first paragraph as text, and the actors it mentions."""

    html: str
    first_paragraph: str
    mentions: tuple[str, ...]
    words: int


@dataclass(frozen=True, slots=True)
class ActorLinks:
    """Phrases (names and aliases, case as written) → (actor id, page URL)."""

    phrases: Mapping[str, tuple[str, str]]

    def pattern(self) -> re.Pattern[str] | None:
        """Any phrase, whole: neither a word character nor '-' just before or after it.

        Each branch starts with its first character and only then looks behind it (at the
        character before, and itself): a pattern that starts with a plain character lets
        the regex engine skip ahead to the places where a phrase can start, which halves
        the time spent searching bodies."""
        if not self.phrases:
            return None
        trie: dict = {}
        for phrase in self.phrases:
            node = trie
            for unit in _loose(phrase):
                node = node.setdefault(unit, {})
            node[""] = {}
        branches = [
            (unit + r"(?<![\w-][\s\S])" if unit != r"\s+" else r"(?<![\w-])" + unit) + _trie_pattern(child)
            for unit, child in sorted(trie.items())
        ]
        return re.compile(rf"(?:{'|'.join(branches)})(?![\w-])")


def _loose(phrase: str) -> list[str]:
    """A phrase as pattern units that still match once the text is hard-wrapped (a line
    break between words) or typographer-quoted (d'Ivoire written as d’Ivoire)."""
    units: list[str] = []
    for part in re.split(r"(\s+|['’])", phrase):
        if part.isspace():
            units.append(r"\s+")
        elif part in ("'", "’"):
            units.append("['’]")
        else:
            units += [re.escape(ch) for ch in part]
    return units


def _trie_pattern(node: dict) -> str:
    """Phrases as a prefix tree: the regex engine tries one branch per character instead
    of every phrase at every position (20× faster with a thousand actors). Longer
    continuations come first, so the longest phrase wins, as with a longest-first list."""
    branches = [unit + _trie_pattern(child) for unit, child in sorted(node.items()) if unit]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def phrase_key(text: str) -> str:
    """The form a phrase and a matched mention share: one space, straight apostrophes."""
    return re.sub(r"\s+", " ", text).replace("’", "'")


def safe_link(url: str) -> bool:
    """Allow relative links and http(s)/mailto only; `javascript:` and friends are dropped."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1) in SAFE_SCHEMES


def make_parser(links: ActorLinks | None = None) -> MarkdownIt:
    """A configured parser; build it once per process and reuse it for every body."""
    md = MarkdownIt("commonmark", {"typographer": True, "html": False})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    md.validateLink = safe_link  # type: ignore[method-assign]
    pattern = links.pattern() if links else None
    if pattern is not None and links is not None:
        md.core.ruler.push("actor_links", _actor_rule(pattern, links.phrases))
    return md


def render(md: MarkdownIt, body: str) -> Rendered:
    """Render one body; `mentions` are the actor ids linked in it, in order."""
    env: dict = {}
    tokens = md.parse(body, env)
    html = md.renderer.render(tokens, md.options, env)
    return Rendered(
        html=html,
        first_paragraph=_first_paragraph(tokens),
        mentions=tuple(env.get("actor_mentions", ())),
        words=len(body.split()),
    )


def _first_paragraph(tokens: list[Token]) -> str:
    for i, tok in enumerate(tokens):
        if tok.type == "paragraph_open" and tok.level == 0 and i + 1 < len(tokens):
            return _plain(tokens[i + 1].children or [])
    return ""


def _plain(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.children:
            parts.append(_plain(child.children))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _actor_rule(pattern: re.Pattern[str], phrases: Mapping[str, tuple[str, str]]):
    """A core rule linking the first mention of each actor outside code, links and headings."""
    targets: dict[str, tuple[str, str]] = {}
    for phrase, target in phrases.items():
        targets.setdefault(phrase_key(phrase), target)
    seen: dict[str, tuple[str, str]] = {}

    def lookup(mention: str) -> tuple[str, str]:
        """The target of a mention as written (the same few spellings recur in every body)."""
        found = seen.get(mention)
        if found is None:
            found = seen[mention] = targets[phrase_key(mention)]
        return found

    def rule(state: StateCore) -> None:
        linked: list[str] = state.env.setdefault("actor_mentions", [])
        in_heading = False
        for tok in state.tokens:
            if tok.type == "heading_open":
                in_heading = True
            elif tok.type == "heading_close":
                in_heading = False
            elif tok.type == "inline" and not in_heading and tok.children:
                tok.children = _link_children(tok.children, pattern, lookup, linked)

    return rule


def _link_children(children, pattern, lookup, linked: list[str]) -> list[Token]:
    """Link mentions in each run of text and soft line breaks outside links, so a name
    wrapped over two lines is still found."""
    out: list[Token] = []
    run: list[Token] = []
    depth = 0
    for child in children:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        if depth == 0 and child.type in ("text", "softbreak"):
            run.append(child)
            continue
        out.extend(_link_run(run, pattern, lookup, linked))
        run = []
        out.append(child)
    out.extend(_link_run(run, pattern, lookup, linked))
    return out


def _link_run(run: list[Token], pattern, lookup, linked: list[str]) -> list[Token]:
    """A run unchanged when it mentions no new actor; else one text with its links
    (a soft break inside text renders as the same newline)."""
    if not run or all(t.type != "text" for t in run):
        return run
    text = run[0].content if len(run) == 1 else "".join(t.content if t.type == "text" else "\n" for t in run)
    pieces: list[Token] = []
    start = 0
    for match in pattern.finditer(text):
        actor_id, href = lookup(match.group(0))
        if actor_id in linked:
            continue
        linked.append(actor_id)
        if match.start() > start:
            pieces.append(_text(text[start : match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": href, "class": "actor-link"}
        pieces += [link, _text(match.group(0)), Token("link_close", "a", -1)]
        start = match.end()
    if not pieces:
        return run  # most runs only repeat actors already linked: no new tokens
    if start < len(text):
        pieces.append(_text(text[start:]))
    return pieces


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok
