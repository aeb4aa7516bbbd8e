"""Generated sites of a chosen size, for the kill and concurrency tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import write_site

ACTORS = ["NATO", "Russia", "United States", "OSCE", "Ukraine", "Jens Stoltenberg", "Sergey Lavrov", "Antony Blinken"]


def generated_site(root: Path, count: int, version: int = 1) -> Path:
    """`count` dispatches over a year; `version` changes every title, so two versions differ everywhere."""
    files: dict[str, str | bytes] = {}
    start = dt.date(2021, 1, 1)
    for i in range(count):
        actors = ", ".join(ACTORS[(i + k) % len(ACTORS)] for k in range(3))
        files[f"content/part{i % 7}/d{i:04d}.md"] = (
            f"---\ntitle: Dispatch {i} version {version}\ndate: {start + dt.timedelta(days=i % 365)}\n"
            f"actors: [{actors}]\ntopics: [topic {i % 11}, security]\nthread: thread-{i % 13}\n"
            f"events:\n  - {{date: {start + dt.timedelta(days=(i * 7) % 700)}, title: Event {i}}}\n---\n"
            f"Body of dispatch {i}, version {version}. NATO and Russia met again.\n"
        )
    return write_site(root, files)
