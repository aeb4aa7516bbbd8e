"""Dispatch bodies: CommonMark with tables, footnotes and smart quotes, made safe.

Raw HTML is escaped, links may only use http(s), mailto or relative targets, and the
first mention of each registered actor can become a link to its page (found in the
rendered HTML, where code, existing links and headings are skipped). A link or image
written from the site's root (`/img/map.svg`) is given base_url's path, and every link
and image is noted with its line, for the build to check it points at something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A body as HTML, its first paragraph as text, the actors it mentions, and its links."""

    html: str
    first_paragraph: str
    mentions: tuple[str, ...]
    words: int
    links: tuple[tuple[str, str, int], ...] = ()
    """(kind, target as written, line in the file) of each link (kind "link") and image
    ("image") whose target is on this site: no scheme, not only a fragment."""


@dataclass(frozen=True, slots=True)
class ActorLinks:
    """Phrases (names and aliases, case as written) → (actor id, page URL)."""

    phrases: Mapping[str, tuple[str, str]]

    def pattern(self) -> re.Pattern[str] | None:
        """Any phrase, whole: neither a word character nor '-' just before or after it.
        What `finder` finds, in one pattern (the tests compare the two).

        Each branch starts with its first character and only then looks behind it (at the
        character before, and itself): a pattern that starts with a plain character lets
        the regex engine skip ahead to the places where a phrase can start."""
        return _compiled(self._tree()) if self.phrases else None

    def finder(self) -> Callable[[str], Iterator[re.Match[str]]] | None:
        """The matches of `pattern()` in a text, found sooner: the phrases that start with
        a lower-case letter ('the Alliance') are searched for apart, by their first letter,
        or by the letters all of them begin with. In one pattern every `t` of a text set
        off a try of every branch, a third of the time spent searching bodies."""
        if not self.phrases:
            return None
        tree = self._tree()
        lower = {unit: child for unit, child in tree.items() if len(unit) == 1 and unit.islower()}
        rest = {unit: child for unit, child in tree.items() if unit not in lower}
        patterns = [_compiled(rest)] if rest else []
        if len(lower) <= MAX_LOWER_PATTERNS:
            patterns += [_compiled_after(unit, child) for unit, child in sorted(lower.items())]
        else:
            patterns.append(_compiled(lower))
        if len(patterns) == 1:
            return patterns[0].finditer
        return lambda text: _merged(patterns, text)

    def _tree(self) -> dict:
        """The phrases as a prefix tree of pattern units; "" marks where a phrase ends."""
        tree: dict = {}
        for phrase in self.phrases:
            node = tree
            for unit in _loose(phrase):
                node = node.setdefault(unit, {})
            node[""] = {}
        return tree


MAX_LOWER_PATTERNS = 3
"""Up to this many lower-case first letters get a pattern each; with more, one pattern
holds all those phrases. Every pattern's next match is compared for each match found,
so many patterns would cost more than they save."""


def _compiled(tree: dict) -> re.Pattern[str]:
    """`ActorLinks.pattern` of a prefix tree."""
    branches = [
        (unit + r"(?<![\w-][\s\S])" if unit != r"\s+" else r"(?<![\w-])" + unit) + _trie_pattern(child)
        for unit, child in sorted(tree.items())
    ]
    return re.compile(rf"(?:{'|'.join(branches)})(?![\w-])")


def _compiled_after(first: str, node: dict) -> re.Pattern[str]:
    """`_compiled({first: node})`, with every plain character all its phrases begin with
    written before the look behind, so the regex engine searches for them as a string."""
    units = [first]
    while len(node) == 1 and (unit := next(iter(node))) not in ("", r"\s+", "['’]"):  # a plain character, not a phrase's end
        units.append(unit)
        node = node[unit]
    return re.compile(rf"{''.join(units)}(?<![\w-][\s\S]{{{len(units)}}}){_trie_pattern(node)}(?![\w-])")


def _merged(patterns: list[re.Pattern[str]], text: str) -> Iterator[re.Match[str]]:
    """For patterns whose phrases never start with the same character (so no two match
    at one place), the matches that one pattern joining them would find, in order: the
    leftmost match comes next. A pattern's next match stands until another's takes the
    text it starts in; then that pattern searches again from where the other ends. Once
    a single pattern finds anything more (in most texts, from the start), its own
    iterator gives the rest."""
    pending = [(match, pattern) for pattern in patterns if (match := pattern.search(text)) is not None]
    at = 0
    while len(pending) > 1:
        pending = [(match if match.start() >= at else pattern.search(text, at), pattern) for match, pattern in pending]
        pending = [(match, pattern) for match, pattern in pending if match is not None]
        if len(pending) > 1:
            best = min((match for match, _ in pending), key=re.Match.start)
            yield best
            at = best.end()
    for match, pattern in pending:  # the last pattern with matches; its match starts at or after `at`
        yield match
        yield from pattern.finditer(text, match.end())


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


@dataclass(frozen=True, slots=True)
class Parser:
    """A configured Markdown parser and, when actors are autolinked, the step that links
    their first mentions in the rendered HTML."""

    md: MarkdownIt
    link: Callable[[str, list[str]], str] | None = None


def make_parser(links: ActorLinks | None = None, base_path: str = "/") -> Parser:
    """A configured parser; build it once per process and reuse it for every body."""
    md = MarkdownIt("commonmark", {"typographer": True, "html": False})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    md.core.ruler.at("normalize", _normalize)
    md.core.ruler.push("site_links", _site_links(base_path))
    md.validateLink = safe_link  # type: ignore[method-assign]
    return Parser(md, _html_linker(links) if links and links.phrases else None)


def _site_links(base_path: str) -> Callable[[StateCore], None]:
    """A core rule: note each link and image on this site with its line (in
    `env["links"]`), and give one written from the root base_url's path."""
    prefix = base_path.rstrip("/")

    def rule(state: StateCore) -> None:
        found: list[tuple[str, str, int]] = state.env.setdefault("links", [])
        for block in state.tokens:
            for token in block.children or ():
                name = "href" if token.type == "link_open" else "src" if token.type == "image" else None
                target = token.attrGet(name) if name else None
                if not isinstance(target, str) or not on_site(target):
                    continue
                found.append(("link" if name == "href" else "image", target, (block.map[0] if block.map else 0)))
                if target.startswith("/") and prefix:
                    token.attrSet(name, prefix + target)

    return rule


def on_site(target: str) -> bool:
    """Whether a link's target is a page or file of this site: no scheme, no host, and
    more than a fragment of the same page. A ':' in the first segment, even encoded,
    makes it no path of any site (RFC 3986 forbids one there): it is left alone."""
    return bool(target) and not target.startswith(("#", "//")) and ":" not in unquote(target.split("/", 1)[0])


def _normalize(state: StateCore) -> None:
    """markdown-it's `normalize` rule, with the same result (CRLF and CR as LF, NUL as
    U+FFFD), but rewriting the source only when it holds a CR or a NUL. The library's
    rule substitutes every line ending, a twentieth of the time spent parsing a body,
    and bodies reach the parser with LF endings (`frontmatter.normalise`) and without
    NULs (`control_problem`)."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


def render(parser: Parser, body: str, first_line: int = 1) -> Rendered:
    """Render one body, whose first line is the file's `first_line`; `mentions` are the
    actor ids linked in it, in order."""
    env: dict = {}
    tokens = parser.md.parse(body, env)
    html = parser.md.renderer.render(tokens, parser.md.options, env)
    mentions: list[str] = []
    if parser.link is not None:
        html = parser.link(html, mentions)
    return Rendered(
        html=html,
        first_paragraph=_first_paragraph(tokens),
        mentions=tuple(mentions),
        words=len(body.split()),
        links=tuple((kind, target, first_line + line) for kind, target, line in env.get("links", ())),
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
    return " ".join("".join(parts).split())  # runs of whitespace as one space, none at the ends


_UNLINKED_ELEMENT = re.compile(r"<(a|code|pre|h[1-6])\b[^>]*>[\s\S]*?</\1>")
"""Links, code and headings in rendered HTML, where no actor is linked. Markdown-it
nests none of them in one of its own kind, so an element ends at its first closing tag."""


_LONGEST_ESCAPE = len("&quot;")


def _in_tag_or_escape(html: str, at: int) -> bool:
    """Whether `at` is inside a tag or one of the escapes markdown-it writes (`&amp;`
    `&lt;` `&gt;` `&quot;`: an actor named "amp" is not found there; one whose name starts
    with `&` is, where its escape starts). Markdown-it escapes `<`, `>` and `&` in text
    and attributes, so a `<` always starts a tag, a `>` ends one and a `&` starts an
    escape, which its `;` ends: looking back is enough."""
    if html.rfind("<", 0, at) > html.rfind(">", 0, at):
        return True
    escape = html.rfind("&", max(0, at - _LONGEST_ESCAPE + 1), at)
    return escape >= 0 and html.find(";", escape, at) < 0


def _html_linker(links: ActorLinks) -> Callable[[str, list[str]], str]:
    """Link the first mention of each actor in a rendered body, outside links, code and
    headings. Two regex passes over the HTML find the mentions (the phrases as HTML
    escapes them) and the elements to skip, so no token is visited in Python: 60 % of the
    time the same rule took on the token stream. Between two tags the text is one
    token's, or a run of text and soft breaks, so a name wrapped over two lines is found."""
    escaped = {escapeHtml(phrase): target for phrase, target in links.phrases.items()}
    mentions_in = ActorLinks(escaped).finder()
    assert mentions_in is not None  # there are phrases
    targets: dict[str, tuple[str, str]] = {}
    for phrase, target in escaped.items():
        targets.setdefault(phrase_key(phrase), target)
    seen: dict[str, tuple[str, str]] = {}

    def lookup(mention: str) -> tuple[str, str]:
        """The target of a mention as written (the same few spellings recur in every body)."""
        found = seen.get(mention)
        if found is None:
            found = seen[mention] = targets[phrase_key(mention)]
        return found

    def link(html: str, mentions: list[str]) -> str:
        elements = _UNLINKED_ELEMENT.finditer(html)
        element_start = element_end = -1
        pieces: list[str] = []
        start = 0
        for match in mentions_in(html):
            actor_id, href = lookup(match.group())
            if actor_id in mentions:
                continue  # linked already: no need to know where it is
            at = match.start()
            while element_end <= at:  # the elements in order, up to the first that ends after this match's start
                element = next(elements, None)
                element_start, element_end = element.span() if element is not None else (len(html) + 1, len(html) + 2)
            if element_start <= at or _in_tag_or_escape(html, at):
                continue  # inside a link, code, a heading, a tag or an escape
            mentions.append(actor_id)
            pieces += (html[start:at], f'<a href="{escapeHtml(href)}" class="actor-link">', match.group(), "</a>")
            start = match.end()
        if not pieces:
            return html
        pieces.append(html[start:])
        return "".join(pieces)

    return link
