"""Properties the architecture promises: front matter round-trips, slugs, related links."""

from __future__ import annotations

import datetime as dt
import random

import yaml
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from briefgen import related
from briefgen.frontmatter import FrontMatterError, split
from briefgen.model import Dispatch, Label
from briefgen.slugs import SLUG_RE, slugify

PROPS = settings(max_examples=200, deadline=None)

keys = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12)
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=True),
    # U+0085 is left out: PyYAML's own dumper writes it raw and its loader reads it as a line break
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85"), max_size=30),
)
yaml_values = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=15)


@PROPS
@given(st.dictionaries(keys, yaml_values, max_size=8), st.text(max_size=100), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_front_matter_round_trips(mapping, body, newline, bom):
    """mapping → YAML text → split → the same mapping, and the body as written."""
    text = "---\n" + yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False) + "---\n" + body
    if newline == "\r\n":
        text = text.replace("\n", "\r\n")
    body_expected = body if newline == "\n" else body.replace("\n", "\r\n")
    front = split(("\ufeff" if bom else "") + text)
    assert front.data == mapping
    assert front.body == body_expected.replace("\r\n", "\n").replace("\r", "\n")
    assert set(front.key_lines) == set(mapping)


@PROPS
@given(st.text(max_size=400))
def test_split_raises_only_front_matter_errors(text):
    try:
        split(text)
    except FrontMatterError as exc:
        assert exc.line is None or exc.line >= 1


@PROPS
@given(st.text(max_size=300).map(lambda t: "---\n" + t + "\n---\n"))
def test_split_of_any_fenced_text_raises_only_front_matter_errors(text):
    try:
        split(text)
    except FrontMatterError as exc:
        assert exc.line is None or 1 <= exc.line <= text.count("\n") + 1


@PROPS
@given(st.text(max_size=60))
def test_slugs_are_ascii_and_never_empty(text):
    slug = slugify(text)
    assert slug and slug.isascii()
    assert SLUG_RE.match(slug), slug
    assert slugify(text) == slug  # stable


@PROPS
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_slugify_of_a_slug_is_itself(text):
    slug = slugify(text)
    assert slugify(slug) == slug


def _dispatch(i: int, day: int, actors: list[str], topics: list[str], thread: str | None) -> Dispatch:
    date = dt.date(2022, 1, 1) + dt.timedelta(days=day)
    moment = dt.datetime.combine(date, dt.time(), dt.timezone.utc)
    return Dispatch(slug=f"d{i}", title=f"d{i}", date=date, moment=moment, path=f"d{i}.md",
                    actors=tuple(dict.fromkeys(actors)), topics=tuple(Label(t, t) for t in dict.fromkeys(topics)), thread=thread)


corpora = st.lists(
    st.tuples(
        st.integers(0, 400),
        st.lists(st.sampled_from("abcdefgh"), max_size=4),
        st.lists(st.sampled_from("xyz"), max_size=2),
        st.one_of(st.none(), st.sampled_from(["t1", "t2"])),
    ),
    max_size=60,
).map(lambda rows: [_dispatch(i, *row) for i, row in enumerate(rows)])


@PROPS
@given(corpora, st.integers(0, 8), st.randoms(use_true_random=False))
def test_related_is_deterministic_bounded_and_never_itself(docs, limit, rng):
    result = related.compute(docs, limit)
    shuffled = list(docs)
    rng.shuffle(shuffled)
    assert related.compute(shuffled, limit) == result  # input order does not matter
    slugs = {d.slug for d in docs}
    for slug, links in result.items():
        assert len(links) <= limit
        assert all(link.slug != slug for link in links)
        assert all(link.slug in slugs for link in links)
        assert len({link.slug for link in links}) == len(links)
        assert [link.score for link in links] == sorted((link.score for link in links), reverse=True)
    if limit == 0:
        assert result == {}


def _related_by_ranking_every_candidate(docs: list[Dispatch], limit: int) -> dict[str, tuple[str, ...]]:
    """The related slugs as the algorithm states them: every dispatch in a window of a
    shared feature's list is scored, and all of them are ranked."""
    ordered = sorted(docs, key=lambda d: (d.moment, d.slug))
    postings: dict[str, list[int]] = {}
    places = []
    for i, d in enumerate(ordered):
        feats = [f"a:{a}" for a in d.actors] + [f"t:{t.key}" for t in d.topics] + ([f"h:{d.thread}"] if d.thread else [])
        places.append([(f, len(postings.setdefault(f, []))) for f in feats])
        for f in feats:
            postings[f].append(i)
    weights = {f: related._weight(f, len(lst), len(ordered)) for f, lst in postings.items()}
    rank = {slug: r for r, slug in enumerate(sorted(d.slug for d in ordered))}
    result = {}
    for i, d in enumerate(ordered):
        scores: dict[int, float] = {}
        for f, pos in places[i]:
            for j in postings[f][max(0, pos - related.WINDOW) : pos + related.WINDOW + 1]:
                scores[j] = scores.get(j, 0.0) + weights[f]
        scores.pop(i, None)
        gaps = {j: abs((ordered[j].date - d.date).days) for j in scores}
        ranked = sorted(((s / (1.0 + gaps[j] / related.DECAY_DAYS), -gaps[j], rank[ordered[j].slug], j) for j, s in scores.items()), reverse=True)
        result[d.slug] = tuple(ordered[j].slug for *_, j in ranked[:limit])
    return result


@PROPS
@given(corpora, st.integers(1, 8))
def test_related_ranks_as_if_every_candidate_were_ranked(docs, limit):
    """Ranking only the candidates whose score can be among the best picks what ranking
    all of them picks, ties included (same days, same actors)."""
    found = {slug: tuple(link.slug for link in links) for slug, links in related.compute(docs, limit).items()}
    expected = _related_by_ranking_every_candidate(docs, limit) if len(docs) > 1 else {}
    assert found == expected


def test_related_work_is_bounded_when_one_actor_is_everywhere():
    """3,000 dispatches all naming one actor: the window keeps it fast (a regression guard, not a timing)."""
    docs = [_dispatch(i, i % 365, ["everyone", random.Random(i).choice("abcdefgh")], [], None) for i in range(3000)]
    result = related.compute(docs, 5)
    assert len(result) == 3000 and all(len(v) == 5 for v in result.values())


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
@settings(max_examples=400)
def test_search_terms_fold_case_and_accents_as_the_reference_does(text: str) -> None:
    """normalise() decomposes only non-ASCII runs; it must equal decomposing it all."""
    import unicodedata

    from briefgen.search import normalise

    reference = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    assert normalise(text) == reference


@given(st.from_regex(SLUG_RE, fullmatch=True))
@settings(max_examples=300)
@example("a--b")
@example("x---0-y")
@example("-lead-and-trail-")
def test_a_text_that_is_already_a_slug_slugifies_to_what_python_slugify_makes(text: str) -> None:
    from slugify import slugify as reference

    assert slugify(text) == reference(text, lowercase=True)


ACTOR_CHARS = "ANOTSaeilnrst -'’ÔôЛл1"
phrases = st.text(alphabet=ACTOR_CHARS, min_size=1, max_size=12).map(str.strip).filter(bool)


@given(st.lists(phrases, min_size=1, max_size=8, unique=True), st.text(alphabet=ACTOR_CHARS + "\n.,_x", max_size=80))
@settings(max_examples=400, deadline=None)
def test_actor_pattern_finds_what_a_lookbehind_first_pattern_finds(names: list[str], text: str) -> None:
    """The actor pattern looks behind after a branch's first character (so the regex engine
    can skip to where a phrase may start); it must match exactly where the plain form, with
    the look-behind in front of every phrase, matches."""
    import re

    from briefgen import markdown

    links = markdown.ActorLinks({name: ("id", "/a/") for name in names})
    trie: dict = {}
    for name in names:
        node = trie
        for unit in markdown._loose(name):
            node = node.setdefault(unit, {})
        node[""] = {}
    reference = re.compile(rf"(?<![\w-])(?:{markdown._trie_pattern(trie)})(?![\w-])")
    pattern = links.pattern()
    assert pattern is not None
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in reference.finditer(text)]


MARKDOWN_CHARS = "NATO Lavrov&<>\"'*_`[]()#!|-\n.x:/mp;"


@given(st.text(alphabet=MARKDOWN_CHARS, max_size=120))
@settings(max_examples=400, deadline=None)
@example("[NATO](x) NATO `Lavrov` Lavrov")
@example("# NATO\n\nA&<NATO> ![NATO](x \"Lavrov\")\n\n    Lavrov\n")
@example("a & b < c, amp")
def test_actor_links_only_add_anchors_outside_links_code_and_headings(text: str) -> None:
    """Linking actors in a rendered body changes nothing but adding anchors around text:
    taking them out gives the unlinked body back, and none sits inside a link, code, a
    heading or a tag; each actor is linked once."""
    import re

    from briefgen import markdown

    names = {"NATO": ("nato", "/actors/nato/"), "Lavrov": ("lavrov", "/actors/lavrov/"), "A&": ("ampersand", "/actors/ampersand/"),
             "amp": ("amp", "/actors/amp/")}
    plain = markdown.render(markdown.make_parser(), text)
    linked = markdown.render(markdown.make_parser(markdown.ActorLinks(names)), text)
    anchor = re.compile(r'<a href="/actors/([a-z]+)/" class="actor-link">(.*?)</a>')
    assert anchor.sub(r"\2", linked.html) == plain.html
    assert [m.group(1) for m in anchor.finditer(linked.html)] == list(linked.mentions)
    assert len(set(linked.mentions)) == len(linked.mentions)
    assert not re.search(r"&(?!(?:amp|lt|gt|quot);)", linked.html), "an escape cut in two"
    for match in anchor.finditer(linked.html):
        before = linked.html[: match.start()]
        assert before.rfind("<") < before.rfind(">") or "<" not in before, "inside a tag"
        for tag in ("a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"):
            assert len(re.findall(rf"<{tag}[\s>]", before)) == before.count(f"</{tag}>"), tag


@given(st.text(alphabet="ab *_`>-#|\r\n\0\t'\"1.", max_size=120))
@settings(max_examples=400, deadline=None)
@example("a\r\nb\rc\n\0d")
def test_bodies_render_as_with_the_librarys_own_normalize_rule(text: str) -> None:
    """The parser's faster `normalize` rule renders any text, line endings and NULs
    included, exactly as markdown-it's own rule does."""
    from markdown_it.rules_core import normalize

    from briefgen import markdown

    ours = markdown.make_parser()
    theirs = markdown.make_parser()
    theirs.md.core.ruler.at("normalize", normalize)
    assert markdown.render(ours, text) == markdown.render(theirs, text)


@given(st.text(alphabet=MARKDOWN_CHARS, max_size=160))
@settings(max_examples=400, deadline=None)
@example("a &amp; b, amp; NATO <x> `NATO` [NATO](y) NATO")
@example('![NATO](x "Lavrov") Lavrov NATO')
@example("a &T b &amp; &T")
def test_actor_links_are_where_a_scan_of_every_tag_and_escape_puts_them(text: str) -> None:
    """The linker looks back from each mention for a tag or an escape around it; it
    links exactly the mentions that a scan of the whole page, tag by tag, leaves outside
    links, code, headings, tags and escapes (a mention may start where an escape does:
    an actor named `&T`)."""
    import re

    from markdown_it.common.utils import escapeHtml

    from briefgen import markdown

    names = {"NATO": ("nato", "/actors/nato/"), "Lavrov": ("lavrov", "/actors/lavrov/"), "A&": ("ampersand", "/actors/ampersand/"),
             "amp": ("amp", "/actors/amp/"), "quot": ("quot", "/actors/quot/"), "&T": ("and-t", "/actors/and-t/")}
    html = markdown.render(markdown.make_parser(), text).html
    linked = markdown.render(markdown.make_parser(markdown.ActorLinks(names)), text)
    escaped = {escapeHtml(name): target for name, target in names.items()}
    pattern = markdown.ActorLinks(escaped).pattern()
    assert pattern is not None
    zones = [m.span() for m in re.finditer(r"<(a|code|pre|h[1-6])\b[^>]*>[\s\S]*?</\1>|<[^>]*>|&(?:amp|lt|gt|quot);", html)]
    expected = []
    for match in pattern.finditer(html):
        actor = escaped[match.group()][0]
        if actor not in expected and not any(start < match.start() < end or (start == match.start() and html[start] == "<") for start, end in zones):
            expected.append(actor)
    assert list(linked.mentions) == expected


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80) | st.text(alphabet="ab _-1'é\u0130\u00df.", max_size=40))
@settings(max_examples=400)
@example("a bc_de f-gh the The x1 İstanbul")
def test_search_terms_are_the_words_search_js_splits_out(text: str) -> None:
    """In a language with no stemmer and no stop words, the terms of a text are its
    words as search-terms.js splits them (on runs of anything but letters and digits,
    `_` and marks included), of two or more characters, folded; each run of Chinese or
    Japanese characters gives its pairs. (tests/unit/test_search_terms.py runs the
    script itself on texts in every language.)"""
    import re
    import unicodedata

    from briefgen.search import normalise, terms

    cjk = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
    unmarked = "".join(c for c in unicodedata.normalize("NFC", text.lower()) if not unicodedata.category(c).startswith("M"))
    expected: set[str] = set()
    for word in re.split(r"[\W_]+", unmarked):
        for piece in re.split(f"({cjk.pattern})", word):
            if cjk.fullmatch(piece):
                expected |= {piece} if len(piece) == 1 else {piece[i : i + 2] for i in range(len(piece) - 1)}
            elif len(piece) > 1:
                expected.add(normalise(piece))
    assert terms(text, "xx") == expected


class _Shown:
    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class _Html(_Shown):
    def __html__(self) -> str:
        return f"<b>{self.text}</b>"


@given(st.one_of(st.text(max_size=40), st.integers(), st.none(), st.text(max_size=20).map(_Shown), st.text(max_size=20).map(_Html)))
@settings(max_examples=300, deadline=None)
@example("<a href=\"x\">'&'</a>")
def test_templates_escape_what_they_show_as_markupsafe_does(value: object) -> None:
    """Templates escape a value with briefgen's quicker escape exactly as MarkupSafe does:
    strings, numbers, None, objects with `__html__` and without."""
    import jinja2
    import markupsafe

    from briefgen.render import SiteEnvironment

    env = SiteEnvironment(loader=jinja2.DictLoader({"t.html": "[{{ v }}]{% set m = v %}{{ m|e }}"}), autoescape=True)
    shown = markupsafe.escape(value)
    assert env.get_template("t.html").render(v=value) == f"[{shown}]{shown}"


@given(st.text(max_size=30) | st.from_regex(r"[a-z0-9/_.~-]{0,20}", fullmatch=True))
@settings(max_examples=400)
@example("2024/12/30")
@example("a b%2F")
def test_url_keys_are_quoted_as_urllib_quotes_them(key: str) -> None:
    from urllib.parse import quote

    from briefgen.urls import quoted

    assert quoted(key) == quote(key, safe="/")


LOOSE_CHARS = "thaeTA .'’-"
loose_phrases = st.text(alphabet=LOOSE_CHARS + "bcdfg", min_size=1, max_size=8).map(str.strip).filter(bool)


@given(st.lists(loose_phrases, min_size=1, max_size=10, unique=True), st.text(alphabet=LOOSE_CHARS + "\nbcdfgx_", max_size=100))
@settings(max_examples=500, deadline=None)
@example(["the", "the Alliance", "then", "th’e"], "then the Alliance the, th’e")
@example(["st", "st. x", "Sx", "x. st"], "x. st. x st Sx")
@example(["a", "b", "c", "d", "the"], "a b c d the x")
@example(["Tea Bag", "Bag", "the x"], "Tea Bag, Bag")  # a phrase inside a match is not found again
def test_actor_phrases_found_apart_are_found_as_one_pattern_finds_them(names: list[str], text: str) -> None:
    """Phrases starting in lower case are searched for by patterns of their own; merged,
    their matches are exactly those of the one pattern holding every phrase."""
    from briefgen import markdown

    links = markdown.ActorLinks({name: ("id", "/a/") for name in names})
    finder, pattern = links.finder(), links.pattern()
    assert finder is not None and pattern is not None
    assert [m.span() for m in finder(text)] == [m.span() for m in pattern.finditer(text)]


def _size_of_every_node(node: yaml.Node, depth: int, sizes: dict[int, int]) -> int:
    """The check of nesting, duplicate keys and expansion as it was first written: every
    node visited, scalars too. `yamlload` skips the call for a scalar; both must agree."""
    from briefgen.yamlload import MAX_DEPTH, MAX_NODES, YamlError, _check_duplicate_keys

    known = sizes.get(id(node))
    if known == -1:
        raise YamlError(node.start_mark.line + 1, "malformed YAML: an alias refers to the collection that holds it, so the value would hold itself without end")
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        raise YamlError(node.start_mark.line + 1, f"malformed YAML: nested more than {MAX_DEPTH} levels deep")
    sizes[id(node)] = -1
    total = 1
    if isinstance(node, yaml.MappingNode):
        _check_duplicate_keys(node, 0)
        total += sum(_size_of_every_node(k, depth + 1, sizes) + _size_of_every_node(v, depth + 1, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        total += sum(_size_of_every_node(v, depth + 1, sizes) for v in node.value)
    if total > MAX_NODES:
        raise YamlError(node.start_mark.line + 1, f"YAML expands to over {MAX_NODES} values (an alias bomb?)")
    sizes[id(node)] = total
    return total


@st.composite
def nested_yaml(draw: st.DrawFn) -> str:
    """Flow collections nested around the depth limit, one per line, with scalars beside
    them, repeated keys and anchors used again by aliases (some of them bombs)."""
    anchors: list[str] = []

    def value(level: int) -> str:
        if level == 0:
            if anchors and draw(st.booleans()):
                return "*" + draw(st.sampled_from(anchors))
            return draw(st.sampled_from(["x", "1", "k", "'y'"]))
        inner = [value(level - 1)] + [value(0) for _ in range(draw(st.integers(0, 1)))]
        if draw(st.booleans()):
            keys = ["k", "k" if draw(st.integers(0, 99)) == 0 else "j"]
            text = "{" + ",\n".join(f"{k}: {v}" for k, v in zip(keys, inner)) + "}"
        else:
            text = "[" + ",\n".join(inner) + "]"
        if draw(st.integers(0, 4)) == 0:
            anchors.append(f"a{len(anchors)}")
            text = f"&{anchors[-1]} {text}"
        return text

    bomb = "b: &b0 [" + ",".join(["x"] * 60) + "]\nc: &c0 [" + ",".join(["*b0"] * 60) + "]\nd: [" + ",".join(["*c0"] * 60) + "]\n"
    return (bomb if draw(st.integers(0, 3)) == 0 else "") + "a: " + value(draw(st.integers(95, 101))) + "\n"


@given(nested_yaml())
@settings(max_examples=200, deadline=None)
def test_yaml_is_refused_where_a_check_of_every_node_refuses_it(text: str) -> None:
    from briefgen import yamlload

    def outcome(check: object) -> object:
        loader = yamlload._FastLoader(text)  # composes at any depth: the check alone refuses it
        try:
            node = loader.get_single_node()
            return check(node) or "accepted"  # type: ignore[operator]
        except (yamlload.YamlError, yaml.YAMLError) as exc:
            return (type(exc).__name__, getattr(exc, "line", None), getattr(exc, "message", str(exc)))
        finally:
            loader.dispose()

    found = outcome(lambda node: yamlload._check_node(node, 0))
    event(found if isinstance(found, str) else found[2].split(" (")[0][:30])
    assert found == outcome(lambda node: _size_of_every_node(node, 1, {}) and None)
