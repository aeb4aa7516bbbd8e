"""Problems found in a site's input, gathered and reported together.

Every stage returns or raises `Problem`s instead of stopping at the first one, so a
user sees everything wrong with a run at once, each as `PATH:LINE: message`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as known."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        """One line, even when the message quotes text with line breaks in it."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}".replace("\r", "\\r").replace("\n", "\\n")

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "message": self.message}


class ContentErrors(Exception):
    """All problems of a run; the command line prints them and exits 1."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem]) -> None:
        unique = dict.fromkeys(problems)
        self.problems: tuple[Problem, ...] = tuple(
            sorted(unique, key=lambda p: (p.path, p.line or 0, p.message))
        )
        super().__init__("\n".join(str(p) for p in self.problems))


def raise_if(problems: Iterable[Problem]) -> None:
    """Raise `ContentErrors` when there is anything to report."""
    problems = list(problems)
    if problems:
        raise ContentErrors(problems)
