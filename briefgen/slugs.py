"""ASCII slugs for ids and URL parts, transliterating any script.

`python-slugify` (over text-unidecode) turns `Мария Захарова` into `mariia-zakharova`;
text that has nothing to transliterate falls back to a stable hash, so a slug is never empty.
"""

from __future__ import annotations

import functools
import hashlib
import re

from slugify import slugify as _slugify

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@functools.lru_cache(maxsize=1 << 16)
def slugify(text: str) -> str:
    """A non-empty `[a-z0-9-]` slug for any text. Remembered: the same topic, source and
    actor names recur across thousands of dispatches, and transliterating is slow."""
    if SLUG_RE.match(text) and "--" not in text:
        return text  # already a slug: what python-slugify would return, 30× sooner
    slug = _slugify(text, lowercase=True)
    if slug:
        return slug
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"x-{digest}"


def is_slug(text: str) -> bool:
    """Whether text already follows the slug rules (lower-case letters, digits, `-`)."""
    return bool(SLUG_RE.match(text))
