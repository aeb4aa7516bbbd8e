"""ASCII slugs for ids and URL parts, transliterating any script.

`python-slugify` (over text-unidecode) turns `Мария Захарова` into `mariia-zakharova`;
text that has nothing to transliterate falls back to a stable hash, so a slug is never empty.
"""

from __future__ import annotations

import hashlib
import re

from slugify import slugify as _slugify

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def slugify(text: str) -> str:
    """A non-empty `[a-z0-9-]` slug for any text."""
    slug = _slugify(text, lowercase=True)
    if slug:
        return slug
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"x-{digest}"


def is_slug(text: str) -> bool:
    """Whether text already follows the slug rules (lower-case letters, digits, `-`)."""
    return bool(SLUG_RE.match(text))
