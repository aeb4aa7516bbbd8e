"""fork_map shares chunks of work between this process and forked children, and gives
back every chunk's result in chunk order, whichever process made it."""

from __future__ import annotations

import os
import time
from typing import Sequence

import pytest

from briefgen import parallel


def _tagged(part: Sequence[int]) -> tuple[int, list[int]]:
    time.sleep(0.02)  # long enough for every process to start and take chunks
    return os.getpid(), [n * n for n in part]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_item_once_in_chunk_order(workers: int) -> None:
    items = list(range(1000))
    results = parallel.fork_map(_tagged, items, workers)
    count = min(len(items), workers * parallel.CHUNKS_PER_WORKER) if workers > 1 else 1
    assert [squares for _, squares in results] == [[n * n for n in part] for part in parallel.shards(items, count)]
    assert sorted(n for _, squares in results for n in squares) == sorted(n * n for n in items)
    if workers > 1:
        assert len({pid for pid, _ in results}) > 1  # children did part of the work
        assert os.getpid() in {pid for pid, _ in results}


def test_few_items_and_none() -> None:
    assert parallel.fork_map(lambda part: list(part), [7], 2) == [[7]]
    assert parallel.fork_map(lambda part: list(part), [], 2) == [[]]


PARENT = os.getpid()


def _fails_in_a_child(part: Sequence[int]) -> int:
    time.sleep(0.02)
    if os.getpid() != PARENT:
        raise ValueError("a broken chunk")
    return len(part)


def test_a_failing_child_is_reported_with_its_traceback() -> None:
    with pytest.raises(RuntimeError, match="a broken chunk"):
        parallel.fork_map(_fails_in_a_child, list(range(400)), 2)
