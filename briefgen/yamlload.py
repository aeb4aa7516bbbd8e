"""YAML parsing that keeps line numbers and leaves dates to us.

Timestamps are not resolved, so `date: 2021-02-30` reaches `fields.py` as text and
is reported with its line, instead of failing inside PyYAML with no location.
libyaml's parser is used when PyYAML was built with it; nodes are composed in Python
with a depth limit, and hostile input (deep nesting, alias bombs, values PyYAML's
constructors choke on) becomes a located `YamlError`, never a crash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError

if hasattr(yaml, "CSafeLoader"):

    class _Base(Composer, yaml.CSafeLoader):  # type: ignore[misc]
        """libyaml's parser with PyYAML's composer: libyaml composes nodes by C
        recursion, which crashes the process on deeply nested input; this one can be bounded."""

        def __init__(self, stream: str) -> None:
            yaml.CSafeLoader.__init__(self, stream)
            Composer.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader  # type: ignore[misc, assignment]

MAX_DEPTH = 100
"""Deeper nesting than any real front matter or registry; refused before it can exhaust the stack."""


class _Located:
    """Constructor failures (`!!int ''`, a 5000-digit number) become located YAML errors."""

    def construct_object(self, node, deep=False):  # type: ignore[no-untyped-def]
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError) as exc:
            shown = node.value if isinstance(node.value, str) else ""
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            tag = node.tag.rsplit(":", 1)[-1]
            why = "has too many digits" if "digits" in str(exc) else f"is not a valid {tag}"
            raise ConstructorError(None, None, f"{shown!r} {why}", node.start_mark) from None


class _Loader(_Located, _Base):  # type: ignore[misc, valid-type]
    """Safe loader without the implicit timestamp type, with bounded nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ConstructorError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


if hasattr(yaml, "CSafeLoader"):

    class _FastLoader(_Located, yaml.CSafeLoader):  # type: ignore[misc]
        """libyaml composing too, twice as fast: for texts too short to nest deep enough to
        exhaust the C stack; `_check_node` then enforces MAX_DEPTH."""

else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = _Loader  # type: ignore[misc, assignment]

FAST_MAX_CHARS = 2048
"""Up to this length a text nests at most this deep: safe for libyaml's recursion."""

for _cls in (_Loader, _FastLoader):
    _cls.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }

MAX_NODES = 200_000
"""More nodes than any real front matter has; beyond it an input is refused as hostile."""


@dataclass(frozen=True, slots=True)
class YamlError(Exception):
    """A YAML problem at a line (1-based, in the file the YAML came from)."""

    line: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Parsed:
    """A YAML document's value and the line of each top-level mapping key."""

    value: object
    node: yaml.Node | None
    line_offset: int

    def key_lines(self, node: yaml.Node | None = None) -> dict[str, int]:
        """Line of each key of a mapping node (the top level by default)."""
        node = self.node if node is None else node
        if not isinstance(node, yaml.MappingNode):
            return {}
        return {
            str(k.value): k.start_mark.line + 1 + self.line_offset
            for k, _ in node.value
            if isinstance(k, yaml.ScalarNode)
        }

    def children(self) -> dict[str, yaml.Node]:
        """The value node of each top-level key, for nested line numbers: looked up once
        for a whole registry, where a search per actor grew with the square of their number."""
        if not isinstance(self.node, yaml.MappingNode):
            return {}
        return {k.value: v for k, v in self.node.value if isinstance(k, yaml.ScalarNode)}


def parse(text: str, line_offset: int = 0) -> Parsed:
    """Parse one YAML document; `line_offset` is the file line before the YAML starts."""
    loader = _FastLoader(text) if len(text) <= FAST_MAX_CHARS else _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_node(node, line_offset)
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        plain = _in_plain_words(exc, text)
        if plain is not None:
            raise YamlError(line, f"malformed YAML: {plain}") from None
        message = f"malformed YAML: {_describe(exc)}"
        if exc.context_mark and mark and exc.context_mark.line != mark.line:
            start = exc.context_mark.line + 1 + line_offset
            if mark.index >= len(text.rstrip()):  # left open to the end: the line past the text names nothing
                line, message = start, message + " before the YAML ends"
            else:
                message += f" (it starts on line {start})"
        raise YamlError(line, message) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 + line_offset
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise YamlError(line, f"malformed YAML: the character {char} is not allowed ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise YamlError(None, "malformed YAML: " + " ".join(str(exc).split())) from None
    except RecursionError:
        raise YamlError(line_offset + 1, "malformed YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return Parsed(value, node, line_offset)


SHOWN_MAX = 60
"""The longest value a message repeats whole."""
_LEAD = re.compile(r"[ \t]*(?:-[ \t]+)?")
_SEPARATOR = re.compile(r":[ \t]")


def _in_plain_words(exc: yaml.MarkedYAMLError, text: str) -> str | None:
    """What the two commonest slips mean, said so that a user who has never read the
    YAML spec can fix them: a tab where YAML allows only spaces, and a ': ' inside an
    unquoted value, which YAML reads as a second key. None for any other error."""
    mark = exc.problem_mark
    if mark is None:
        return None
    lines = text.split("\n")
    source = lines[mark.line] if mark.line < len(lines) else ""
    lead = source[: len(source) - len(source.lstrip(" \t-"))]
    at = source[mark.column : mark.column + 1]
    if "\t" in lead or (at == "\t" and "cannot start any token" in str(exc.problem)):
        column = (source.index("\t") if "\t" in lead else mark.column) + 1
        return f"a tab is used for indentation (column {column}): YAML forbids tabs in indentation; indent with spaces"
    if "mapping values are not allowed" not in str(exc.problem):
        return None
    hint = _quoted(source, mark.column)
    if hint is not None:
        item, key, quoted = hint
        return f"the value of '{key}' has ': ' in it, which YAML reads as a new key: quote the value, as in {item}{key}: {quoted}"
    return "': ' starts a key where YAML expects none; if it belongs to a value, quote the value, as in title: \"NATO: a reply\""


def _quoted(source: str, column: int) -> tuple[str, str, str] | None:
    """('- ' or '', the key, the value double-quoted) of a `key: value` or `- key: value`
    line whose value holds the ': ' at column; None for any other line. A long value is cut
    short. Plain string scans, no backtracking regex: the line may be hostile."""
    lead = _LEAD.match(source).group()  # type: ignore[union-attr]  # it matches the empty string
    separator = _SEPARATOR.search(source, len(lead))
    if separator is None or separator.start() == len(lead) or separator.start() >= column or source[len(lead)] in "#'\"[{":
        return None
    value = source[separator.end() :].strip()
    comment = value.find(" #")
    value = value[:comment].rstrip() if comment >= 0 else value
    value = value if len(value) <= SHOWN_MAX else value[: SHOWN_MAX - 10] + "…"
    return lead.lstrip(), source[len(lead) : separator.start()], json.dumps(value, ensure_ascii=False)


def _describe(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return ", ".join(parts) or "cannot be parsed"


def _check_node(root: yaml.Node, line_offset: int) -> None:
    """Refuse nesting deeper than MAX_DEPTH, duplicate keys, alias bombs and values that
    hold themselves (`&a [*a]`) before anything is expanded."""
    _size(root, 1, {}, line_offset)


_ON_PATH = -1
"""The size noted for a node while its own children are counted."""


def _size(node: yaml.Node, depth: int, sizes: dict[int, int], line_offset: int) -> int:
    """How many values a node expands to, each shared (aliased) node counted once. A
    module function, not a closure: a recursive closure is a reference cycle per parse,
    which only the cyclic collector frees (and builds run with it paused)."""
    known = sizes.get(id(node))
    if known == _ON_PATH:  # an alias of a collection inside that very collection
        raise YamlError(
            node.start_mark.line + 1 + line_offset,
            "malformed YAML: an alias refers to the collection that holds it, so the value would hold itself without end",
        )
    if known is not None:
        return known
    _check_depth(node, depth, line_offset)
    sizes[id(node)] = _ON_PATH
    total = 1
    if isinstance(node, yaml.MappingNode):
        _check_duplicate_keys(node, line_offset)
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    for child in children:
        if type(child) is not yaml.ScalarNode:
            total += _size(child, depth + 1, sizes, line_offset)
        else:  # one value, and most nodes are scalars: no call, unless it is too deep
            if depth >= MAX_DEPTH:
                _check_depth(child, depth + 1, line_offset)
            total += 1
    if total > MAX_NODES:
        raise YamlError(
            node.start_mark.line + 1 + line_offset,
            f"YAML expands to over {MAX_NODES} values (an alias bomb?)",
        )
    sizes[id(node)] = total
    return total


def _check_depth(node: yaml.Node, depth: int, line_offset: int) -> None:
    if depth > MAX_DEPTH:
        raise YamlError(node.start_mark.line + 1 + line_offset, f"malformed YAML: nested more than {MAX_DEPTH} levels deep")


def _check_duplicate_keys(node: yaml.MappingNode, line_offset: int) -> None:
    keys: set[str] = set()
    for k, _ in node.value:
        if isinstance(k, yaml.ScalarNode):
            if k.value in keys:
                raise YamlError(k.start_mark.line + 1 + line_offset, f"duplicate key '{k.value}'")
            keys.add(k.value)
