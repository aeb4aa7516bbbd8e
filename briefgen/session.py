"""What one process keeps between builds of one project: `serve` builds again on every save.

Each entry is keyed by everything it depends on, so an entry from an earlier build is
used only where recomputing it would give the same value. A `briefgen build` starts
with an empty session (its reuse comes from `.briefgen-cache/`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, TypeVar

from briefgen.cache import DocCache
from briefgen.model import Dispatch

T = TypeVar("T")


@dataclass
class Session:
    docs: DocCache | None = None
    """The parse cache as the last build left it, saved to disk only by builds without a session."""
    values: dict[str, tuple[Hashable, Any]] = field(default_factory=dict)
    """Per kind of value, the key it was computed for and the value (the last one only)."""
    dispatches: dict[Hashable, Any] = field(default_factory=dict)
    """Validated dispatches by (file, content hash, time zone, registry): the last build's."""
    resolved: dict[int, tuple[Dispatch, Dispatch]] = field(default_factory=dict)
    """Each validated dispatch (by identity) → its resolved copy."""
    terms: dict[Hashable, Any] = field(default_factory=dict)
    """Each dispatch's search terms, by what decides them (see `search._postings`)."""

    def value(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        """The value computed for `key`, from the last build when its key was the same."""
        found = self.values.get(kind)
        if found is not None and found[0] == key:
            return found[1]
        value = compute()
        self.values[kind] = (key, value)
        return value
