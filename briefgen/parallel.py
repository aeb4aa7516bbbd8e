"""Spread independent work over the machine's cores with forked processes.

A forked child inherits the frozen model, the compiled templates and the Markdown parser
as they are, so nothing has to be pickled on the way in. The work is cut into chunks of
neighbouring items, several per process; the children take the next chunk from the
front when they are free, the calling process from the back, and only each chunk's
result travels back through a pipe.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import mmap
import os
import pickle
import signal
import threading
import traceback
from typing import Any, Callable, Generic, Iterable, Sequence, TypeVar

PR_SET_PDEATHSIG = 1
T = TypeVar("T")
A = TypeVar("A")
R = TypeVar("R")


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def worker_count(items: int, min_per_worker: int) -> int:
    """How many processes pay for `items` units of work: one when forking is unsafe
    (no fork, or other threads alive whose locks a child would inherit held)."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return 1
    return max(1, min(cores(), items // max(1, min_per_worker)))


def shards(items: Sequence[T], count: int) -> list[Sequence[T]]:
    """`count` runs of neighbouring items, of sizes at most one apart: neighbours often
    show the same things (the pages of one kind), which a process renders once."""
    if count <= 1:
        return [items]
    size, extra = divmod(len(items), count)
    bounds = [i * size + min(i, extra) for i in range(count + 1)]
    return [items[bounds[i] : bounds[i + 1]] for i in range(count)]


CHUNKS_PER_WORKER = 8
"""Each process takes the next chunk when it is free, so one slower process (a forked
child pays for copying the pages it touches) does not hold the others up."""
MAX_CHUNK = 100
"""Items per chunk at most, up to MAX_CHUNKS chunks: the processes finish at most one
chunk apart, and one process waits for the other's last chunk (250 bodies were a fifth
of a second; at 100,000 dispatches eight chunks a process were seconds of work each)."""
MAX_CHUNKS = 8192
"""Their numbers, four bytes each, must fit a pipe's buffer (64 KiB on Linux)."""


def chunk_count(items: int, workers: int) -> int:
    """How many chunks fork_map cuts `items` into for `workers` processes."""
    return min(items, MAX_CHUNKS, max(workers * CHUNKS_PER_WORKER, -(-items // MAX_CHUNK))) if workers > 1 else 1


def fork_map(
    func: Callable[[Sequence[T]], R], items: Sequence[T], workers: int, meanwhile: Callable[[], None] | None = None,
) -> list[R]:
    """func(chunk) for chunks of neighbouring items, one result per chunk in chunk order,
    shared out over this process and `workers - 1` forked children. When there are
    children, this process first runs `meanwhile` (other work of its own), then takes
    chunks like them."""
    shared = Shared(func, items, workers)
    if meanwhile is not None and shared.children:
        shared.alongside(meanwhile)
    return shared.finish()


class Shared(Generic[T, R]):
    """Chunks of work shared out over forked children from the start, and over this
    process once it calls `finish`: until then it is free for other work.

    The chunks' numbers, four bytes each, are all written to two pipes before any
    process reads: the children's share, in order, to theirs; the rest, from the last
    chunk back, to this process's. Each process reads four bytes (one number; Linux
    serves one read of a pipe at a time) whenever it is free, from its own pipe and, once
    that is empty, from the other, so each chunk is taken once and nobody waits while
    work is left. As children work from the front and this process from the back, each
    mostly renders runs of pages of the same kinds, and the fragments those share once.
    Every child is waited for, even when this process or another child fails."""

    def __init__(self, func: Callable[[Sequence[T]], R], items: Sequence[T], workers: int) -> None:
        self.func = func
        self.chunks = shards(items, chunk_count(len(items), workers))
        self.children: list[tuple[int, int]] = []
        self.pipes: tuple[int, int] | None = None
        """Read ends: the children's (the front) and this process's (the back, last first)."""
        self.finished = False
        self.room: mmap.mmap | None = None
        """Memory shared with the children, for their results (see `_work`)."""
        if len(self.chunks) == 1:
            return
        theirs = len(self.chunks) * (workers - 1) // workers
        front = _pipe_of(range(theirs))
        try:
            self.pipes = (front, _pipe_of(range(len(self.chunks) - 1, theirs - 1, -1)))
        except BaseException:
            os.close(front)
            raise
        self.room = _shared_memory((workers - 1) * RESULT_ROOM)
        try:
            for child in range(workers - 1):
                self.children.append(_spawn(lambda child=child: self._work(self.pipes, slot=child)))  # type: ignore[arg-type]
        except BaseException:
            self.abandon()
            raise

    def alongside(self, task: Callable[[], A]) -> A:
        """task() in this process while the children work; if it fails, they stop after
        their current chunk (`abandon`)."""
        try:
            return task()
        except BaseException:
            self.abandon()
            raise

    def _work(self, pipes: tuple[int, int], slot: int | None = None) -> list[tuple[int, Any]]:
        """(chunk number, result) for each chunk this process takes, from the first pipe
        and then the second. A child (the `slot`-th) pickles each result as soon as it has
        it, while this process still works, and writes it into its room of the shared
        memory: it hands back where the result is, a (start, end) pair, or past its room,
        or with no shared memory, the pickled bytes (see `_unpacked`). Ten thousand bodies
        sent through a pipe at the end kept the build waiting 0.05 s."""
        done: list[tuple[int, Any]] = []
        at = slot * RESULT_ROOM if slot is not None else 0
        end = at + RESULT_ROOM
        for fd in pipes:
            while token := os.read(fd, 4):
                i = int.from_bytes(token, "little")
                result = self.func(self.chunks[i])
                if slot is not None:
                    packed = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
                    result = packed
                    if self.room is not None and at + len(packed) <= end:
                        self.room[at : at + len(packed)] = packed
                        result = (at, at + len(packed))
                        at += len(packed)
                done.append((i, result))
        return done

    def finish(self) -> list[R]:
        """Take chunks until none is left, then every chunk's result in chunk order. Once
        only. If this process fails, the children stop after their current chunk."""
        if self.finished:
            raise RuntimeError("this shared work is already finished or abandoned")
        if self.pipes is None:
            self.finished = True
            return [self.func(self.chunks[0])]
        try:
            front, back = self.pipes
            mine = self._work((back, front))
        except BaseException:
            self.abandon()
            raise
        try:
            pairs = [*mine, *((i, self._unpacked(sent)) for done in self._collect() for i, sent in done)]
        finally:
            if self.room is not None:
                self.room.close()
        return [result for _, result in sorted(pairs, key=lambda pair: pair[0])]

    def _unpacked(self, sent: tuple[int, int] | bytes) -> Any:
        """A child's result from what it handed back (see `_work`): where it is in the
        shared memory, or the result pickled."""
        if isinstance(sent, bytes):
            return pickle.loads(sent)
        assert self.room is not None
        with memoryview(self.room) as room:
            return pickle.loads(room[sent[0] : sent[1]])

    def abandon(self) -> None:
        """Take every chunk not yet started, so the children stop after the one they are
        on, and wait for them, keeping no result: this process failed."""
        for fd in self.pipes or ():
            while os.read(fd, 4096):  # whole chunk numbers: 4096 is a multiple of 4
                pass
        with contextlib.suppress(RuntimeError):
            self._collect()
        if self.room is not None:
            self.room.close()

    def _collect(self) -> list:
        """Every child's result, once; the pipes are closed and the work is over."""
        children, self.children, self.finished = self.children, [], True
        try:
            return _collect_all(children)
        finally:
            for fd in self.pipes or ():
                os.close(fd)
            self.pipes = None


RESULT_ROOM = 1 << 30
"""Bytes of shared memory each child may write its results into: reserved, not taken
where the kernel overcommits (Linux's default), as only the pages written take memory.
Results past the room go through the pipe, and all do where no room can be had (a
kernel that refuses to overcommit, or too little memory)."""


def _shared_memory(size: int) -> mmap.mmap | None:
    """Anonymous memory shared with the children forked after; None where it cannot be had."""
    try:
        return mmap.mmap(-1, size)
    except (OSError, ValueError, OverflowError):
        return None


def _pipe_of(numbers: Iterable[int]) -> int:
    """The read end of a pipe holding these numbers, four bytes each. Its write end is
    closed, so a reader finds it empty once every number is taken."""
    read_fd, write_fd = os.pipe()
    try:
        _write_all(write_fd, b"".join(i.to_bytes(4, "little") for i in numbers))
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    return read_fd


def _write_all(fd: int, data: bytes) -> None:
    """All of data: at most MAX_CHUNKS numbers, which fit a pipe's buffer, so this never waits."""
    while data:
        data = data[os.write(fd, data):]


def _spawn(work: Callable[[], R]) -> tuple[int, int]:
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: work, send the result, and leave without running exit handlers
        os.close(read_fd)
        code = 0
        try:
            _die_with(parent)
            payload = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            payload, code = pickle.dumps((False, traceback.format_exc())), 1
        try:
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _die_with(parent: int) -> None:
    """A killed build must not leave a worker writing into its staging folder after the
    next build has cleaned it: on Linux the kernel kills the worker with its parent."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _collect_all(children: list[tuple[int, int]]) -> list:
    """Every child's result; every child is waited for before the first failure is raised."""
    results, failure = [], None
    for pid, read_fd in children:
        try:
            results.append(_collect(pid, read_fd))
        except RuntimeError as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return results


def _collect(pid: int, read_fd: int) -> object:
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            data = pipe.read()
    finally:
        os.waitpid(pid, 0)
    if not data:
        raise RuntimeError("a build worker process died without a result")
    ok, value = pickle.loads(data)
    if not ok:
        raise RuntimeError(f"a build worker process failed:\n{value}")
    return value
