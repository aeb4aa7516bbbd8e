"""One build at a time per project: a second concurrent build waits briefly, then gives up.

Two builds swapping the same output folder at once could each delete the other's
staging folder; an advisory `flock` on a file in the cache folder serialises them.
The kernel drops the lock when a process dies, so a killed build never leaves it held.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from typing import Iterator

from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem

LOCK_NAME = "build.lock"
WAIT_SECONDS = 10.0
"""Long enough for a rebuild of a typical site to finish; then the second build reports and exits 1."""


@contextlib.contextmanager
def build_lock(config: Config, wait: float | None = None) -> Iterator[None]:
    """Hold the project's build lock; raise ContentErrors if another build keeps it past `wait`."""
    wait = WAIT_SECONDS if wait is None else wait
    path = config.cache_dir / LOCK_NAME
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ContentErrors([Problem(config.rel(path), None, f"cannot create the build lock: {exc.strerror or exc}")]) from None
    try:
        _acquire(fd, wait, config.rel(path))
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(fd: int, wait: float, shown: str) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                message = f"another briefgen build of this project is running (waited {wait:.0f} s); try again when it ends"
                raise ContentErrors([Problem(shown, None, message)]) from None
            time.sleep(0.05)
