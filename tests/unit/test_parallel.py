"""fork_map shares chunks of work between this process and forked children, and gives
back every chunk's result in chunk order, whichever process made it."""

from __future__ import annotations

import os
import select
from typing import Callable, Sequence

import pytest

from briefgen import parallel


def _shared(func: Callable[[Sequence[int]], object], children: bool = True) -> Callable[[Sequence[int]], tuple[int, object]]:
    """func, tagged with the process that ran it. With `children`, this process starts its
    first chunk only once a child has started one, and a child starts its second only once
    this process has started one, so no test depends on how fast a fork is."""
    parent = os.getpid()
    started_r, started_w = os.pipe()
    joined_r, joined_w = os.pipe()
    waited: list[object] = []
    done_in_child: list[int] = []  # each child has its own copy, empty when it is forked

    def tagged(part: Sequence[int]) -> tuple[int, object]:
        if os.getpid() != parent:
            os.write(started_w, b"x")
            if children and done_in_child:
                select.select([joined_r], [], [], 30)
            done_in_child.append(1)
        elif children:
            if not waited:
                waited.append(select.select([started_r], [], [], 30)[0])
            os.write(joined_w, b"x")
        return os.getpid(), func(part)

    return tagged


def _squares(part: Sequence[int]) -> list[int]:
    return [n * n for n in part]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_item_once_in_chunk_order(workers: int) -> None:
    items = list(range(1000))
    results = parallel.fork_map(_shared(_squares, children=workers > 1), items, workers)
    expected = [_squares(part) for part in parallel.shards(items, parallel.chunk_count(len(items), workers))]
    assert [squares for _, squares in results] == expected
    pids = {pid for pid, _ in results}
    if workers == 1:
        assert pids == {os.getpid()}
    else:  # this process and at least one child did part of the work
        assert os.getpid() in pids and len(pids) > 1


def test_few_items_and_none() -> None:
    assert parallel.fork_map(lambda part: list(part), [7], 2) == [[7]]
    assert parallel.fork_map(lambda part: list(part), [], 2) == [[]]


def test_a_failing_child_is_reported_with_its_traceback() -> None:
    parent = os.getpid()

    def fails_in_a_child(part: Sequence[int]) -> int:
        if os.getpid() != parent:
            raise ValueError("a broken chunk")
        return len(part)

    with pytest.raises(RuntimeError, match="a broken chunk"):
        parallel.fork_map(_shared(fails_in_a_child), list(range(400)), 2)


def test_meanwhile_runs_here_once_while_children_work() -> None:
    """fork_map runs `meanwhile` in this process, after its children have started and
    before it takes chunks itself; with no children there is nothing to overlap."""
    ran: list[int] = []
    results = parallel.fork_map(_shared(_squares), list(range(100)), 2, meanwhile=lambda: ran.append(os.getpid()))
    assert ran == [os.getpid()]
    assert {pid for pid, _ in results} - {os.getpid()}  # a child worked too
    parallel.fork_map(_squares, list(range(100)), 1, meanwhile=lambda: ran.append(-1))
    assert ran == [os.getpid()]


def test_shared_work_is_started_by_children_and_finished_here() -> None:
    """Children start on the chunks at once; this process joins in when it calls finish,
    and gets every chunk's result in chunk order."""
    parent = os.getpid()
    shared = parallel.Shared(_shared(_squares), list(range(400)), 2)
    assert shared.children
    results = shared.finish()
    assert [squares for _, squares in results] == [_squares(part) for part in shared.chunks]
    assert {pid for pid, _ in results} - {parent}, "a child took chunks"


def _slow_and_logged(log, failing_pid: int | None = None) -> Callable[[Sequence[int]], int]:
    """A chunk's work that takes a while and notes each chunk done in `log`; in the
    process `failing_pid`, it fails at once."""
    import time

    def slow(part: Sequence[int]) -> int:
        if os.getpid() == failing_pid:
            raise KeyError("a broken chunk here")
        time.sleep(0.05)
        with open(log, "a") as out:
            out.write("chunk\n")
        return len(part)

    return slow


def _stopped_early(shared: parallel.Shared, children: list[int], log) -> None:
    """Every child is reaped (no zombie is left), having done under half the chunks."""
    for pid in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    done = log.read_text().count("chunk") if log.exists() else 0
    assert done < len(shared.chunks) // 2, f"the children went on with {done} of {len(shared.chunks)} chunks"


def test_shared_work_abandoned_stops_the_children_and_waits_for_them(tmp_path) -> None:
    """A failed process takes the chunks not yet started, so its children stop after the
    chunk they are on, and it waits for every one of them."""
    shared = parallel.Shared(_slow_and_logged(tmp_path / "done"), list(range(400)), 3)
    children = [pid for pid, _ in shared.children]
    shared.abandon()
    _stopped_early(shared, children, tmp_path / "done")


@pytest.mark.parametrize("workers", [1, 2])
def test_shared_work_is_finished_once(workers: int) -> None:
    shared = parallel.Shared(_squares, list(range(400)), workers)
    assert sorted(n for part in shared.finish() for n in part) == sorted(_squares(range(400)))
    with pytest.raises(RuntimeError, match="already finished"):
        shared.finish()


def test_shards_are_runs_of_neighbours_of_sizes_at_most_one_apart() -> None:
    for count in (1, 2, 3, 7):
        parts = parallel.shards(list(range(23)), count)
        assert len(parts) == count and [n for part in parts for n in part] == list(range(23))
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_children_work_from_the_front_and_this_process_from_the_back() -> None:
    """Neighbouring chunks show the same things: the children start at the first chunk,
    this process at the last, and each takes from the other's end once its own is done."""
    parent = os.getpid()
    shared = parallel.Shared(_shared(lambda part: part[0]), list(range(400)), 2)
    results = shared.finish()
    assert len(results) == len(shared.chunks) == parallel.chunk_count(400, 2)
    assert results[0][0] != parent, "a child took the first chunk"
    assert results[-1][0] == parent, "this process took the last chunk"
    assert [first for _, first in results] == [part[0] for part in shared.chunks]


def test_a_failure_here_stops_the_children_after_their_chunk(tmp_path) -> None:
    """When this process fails in finish, it does not wait for the children to do every
    chunk left: they stop after the one they are on, and are reaped."""
    shared = parallel.Shared(_slow_and_logged(tmp_path / "done", failing_pid=os.getpid()), list(range(400)), 2)
    children = [pid for pid, _ in shared.children]
    with pytest.raises(KeyError):
        shared.finish()
    _stopped_early(shared, children, tmp_path / "done")
    with pytest.raises(RuntimeError, match="already finished"):
        shared.finish()


def test_work_alongside_gives_its_value_and_its_failure_stops_the_children(tmp_path) -> None:
    shared = parallel.Shared(_slow_and_logged(tmp_path / "done"), list(range(400)), 2)
    assert shared.alongside(lambda: 42) == 42
    assert sum(shared.finish()) == 400

    failing = parallel.Shared(_slow_and_logged(tmp_path / "failed"), list(range(400)), 2)
    children = [pid for pid, _ in failing.children]
    with pytest.raises(KeyError):
        failing.alongside(lambda: {}["missing"])
    _stopped_early(failing, children, tmp_path / "failed")


@pytest.mark.parametrize("room", ["shared", "small", "none"])
def test_children_results_arrive_whole_through_shared_memory_or_the_pipe(room: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child's results come back in its room of shared memory, or through its pipe once
    the room is full, or where no memory can be shared: the same results every way."""
    if room == "small":
        monkeypatch.setattr(parallel, "RESULT_ROOM", 3000)  # a few chunks' results, not all
    if room == "none":
        monkeypatch.setattr(parallel, "_shared_memory", lambda size: None)
    items = list(range(3000))
    results = parallel.fork_map(_shared(lambda part: [str(n) * 3 for n in part]), items, 3)
    assert [found for _, found in results] == [[str(n) * 3 for n in part] for part in parallel.shards(items, parallel.chunk_count(3000, 3))]
    assert len({pid for pid, _ in results}) > 1


def test_the_shared_memory_is_let_go_when_a_child_fails() -> None:
    parent = os.getpid()

    def fails_in_a_child(part: Sequence[int]) -> list[int]:
        if os.getpid() != parent:
            raise ValueError("broken")
        return list(part)

    shared = parallel.Shared(_shared(fails_in_a_child), list(range(1000)), 2)
    assert shared.room is not None and not shared.room.closed
    with pytest.raises(RuntimeError, match="broken"):
        shared.finish()
    assert shared.room.closed
