"""Split a dispatch's text into YAML front matter and Markdown body. Pure.

Accepts a BOM and CRLF line endings. Lines are 1-based file lines, so every later
problem can point at the exact line the user has to edit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field

from yaml import SequenceNode

from briefgen.yamlload import YamlError, parse


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A parsed dispatch: its mapping, where each key stands, and the body after it."""

    data: dict
    key_lines: dict[str, int]
    body: str
    body_line: int
    item_lines: dict[str, tuple[int, ...]] = field(default_factory=dict)
    digest: str = ""
    """A hash of the YAML as written: what a dispatch is beyond its body."""


class FrontMatterError(Exception):
    """Front matter that cannot be split or parsed, with its line."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
"""Characters that XML 1.0 and iCalendar forbid: one in a title or body would make every feed
that shows it unreadable, so they are reported instead (they come from pasted wire text)."""


def control_problem(text: str) -> tuple[int, str] | None:
    """(offset, message) of the first forbidden control character in text, if any."""
    found = CONTROL.search(text)
    if found is None:
        return None
    return found.start(), f"contains the control character U+{ord(found.group()):04X}; delete it"


def normalise(text: str) -> str:
    """Drop a BOM and turn CRLF / CR line endings into LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split(text: str) -> FrontMatter:
    """Parse `---` fenced YAML at the top of text; raise FrontMatterError if absent or bad."""
    yaml_text, body, body_line = fences(text)
    return dataclasses.replace(parse_front(yaml_text), body=body)


def fences(text: str) -> tuple[str, str, int]:
    """The YAML between the `---` fences, the body after them and the body's first line,
    without parsing either; raise FrontMatterError if there are no fences."""
    text = normalise(text)
    if not (text.startswith("---\n") or text.rstrip(" \t") == "---"):
        raise FrontMatterError(1, "no front matter: a dispatch must open with a '---' line, then YAML, then '---'")
    end = _closing_fence(text)
    if end is None:
        raise FrontMatterError(1, "front matter is not closed: add a '---' line after the YAML")
    yaml_text = text[4:end]
    after = text.find("\n", end + 3)
    body = "" if after < 0 else text[after + 1 :]
    return yaml_text, body, yaml_text.count("\n") + 3


def parse_front(yaml_text: str) -> FrontMatter:
    """The YAML between the fences as a FrontMatter with no body; raise FrontMatterError if bad."""
    body_line = yaml_text.count("\n") + 3
    try:
        parsed = parse(yaml_text, line_offset=1)
    except YamlError as exc:
        last = yaml_text.count("\n") + 1
        line = min(exc.line, last) if exc.line else None
        raise FrontMatterError(line, exc.message) from None
    data = parsed.value
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(2, "front matter must be a mapping of fields (key: value)")
    # every list's item lines: which keys hold lists of names (taxonomies) is config's to say
    items = {str(key): tuple(n.start_mark.line + 2 for n in node.value) for key, node in parsed.children().items() if isinstance(node, SequenceNode)}
    return FrontMatter(
        data={str(k): v for k, v in data.items()},
        key_lines=parsed.key_lines(),
        body="",
        body_line=body_line,
        item_lines=items,
        digest=hashlib.blake2b(yaml_text.encode(), digest_size=16).hexdigest(),
    )


def _closing_fence(text: str) -> int | None:
    """Offset of the closing `---` line (which may end the file), or None."""
    pos = 3
    while True:
        pos = text.find("\n---", pos)
        if pos < 0:
            return None
        line_end = text.find("\n", pos + 1)
        rest = text[pos + 4 : line_end if line_end >= 0 else len(text)]
        if not rest.strip(" \t"):
            return pos + 1
        pos += 4
