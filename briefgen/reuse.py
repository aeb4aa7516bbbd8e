"""Stage 5a: the folder a build writes into, already holding every file that did not change,
and what becomes of the site it replaces.

A build never writes into the live output: it fills a folder beside it and swaps the two
at once. That folder is either fresh, with each unchanged file hard-linked from the
output, or the spare: the site before last, kept from the previous swap and brought up
to date file by file. The spare makes a rebuild's file work the size of the change, not
of the site (21,000 links and as many folders cost seconds on a slow disk).

Every file written goes to a new inode (the old name is unlinked first), so nothing is
ever written through a hard link into the live output.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from briefgen import write
from briefgen.cache import code_fingerprint, load_pages, save_pages
from briefgen.config import Config
from briefgen.errors import ContentErrors
from briefgen.lock import build_lock
from briefgen.feeds import FileJob
from briefgen.pages import PageSpec
from briefgen.urls import Urls

FILE_KEY = "\0file:"
"""Record keys of non-HTML file jobs, whose values are (view, keys read, paths made)."""
MARKER_KEY = "\0marker"
"""Record key of the identity of the folder the record describes (`folder_id`)."""
STATIC_KEY = "\0static"
"""Record key of the files copied from the theme's assets and the site's static/."""

Record = Mapping[str, object]
"""What a folder holds: output path → page digest, job key → (digest, paths), and more."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What is left to make once the folder holds everything reusable."""

    pages: list[PageSpec]
    jobs: list[FileJob]
    kept: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]
    """Record entries of the jobs whose files were reused."""
    reused_pages: int
    reused_files: int
    entries: dict[str, object]
    """Record entries of the pages that were reused."""
    origins: dict[str, Record]
    """The record each reused page's and job's entry was taken from."""


def recorded_files(record: Record) -> set[str]:
    """Every file a record says its folder holds (the marker aside)."""
    files = {key for key in record if not key.startswith("\0")}
    for key, value in record.items():
        if key.startswith(FILE_KEY) and _entry(value):
            files.update(value[2])
    static = record.get(STATIC_KEY)
    if isinstance(static, tuple):
        files.update(static)
    return files


def fill(
    folder: Path,
    have: Record,
    output: Path,
    previous: Record,
    specs: Iterable[PageSpec],
    unchanged: Callable[[Record, str], bool],
    jobs: Iterable[FileJob],
    static: Iterable[str],
) -> Plan:
    """Make `folder` (which holds what `have` records; {} for a fresh one) hold every page
    and job file that a record says is `unchanged`, taking it from `output` (which holds what
    `previous` records) where `folder` lacks it; remove every other file it holds."""
    old, new = os.fspath(output), os.fspath(folder)
    made: set[str] = set()
    fresh = not have  # an empty folder: nothing in it to unlink before linking
    stale = recorded_files(have) - set(static)
    todo: list[PageSpec] = []
    entries: dict[str, object] = {}
    origins: dict[str, Record] = {}
    for spec in specs:
        rel = Urls.output(spec.path)
        stale.discard(rel)
        if unchanged(have, rel):
            entries[rel], origins[rel] = have[rel], have
        elif unchanged(previous, rel) and _link(old, new, rel, made, fresh):
            entries[rel], origins[rel] = previous[rel], previous
        else:
            _remove(new, rel)
            todo.append(spec)
    todo_jobs: list[FileJob] = []
    kept: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    for job in jobs:
        key = FILE_KEY + job.name
        mine, theirs = _entry(have.get(key)), _entry(previous.get(key))
        if mine and unchanged(have, key):
            kept[key], origins[key] = mine, have
        elif theirs and unchanged(previous, key) and _link_all(old, new, theirs[2], made, fresh):
            kept[key], origins[key] = theirs, previous
        else:
            todo_jobs.append(job)
            continue
        stale.difference_update(kept[key][2])
    for rel in stale:  # pages and files of the folder's site that this one lacks or makes anew
        _remove(new, rel, prune=True)
    return Plan(todo, todo_jobs, kept, len(entries), sum(len(entry[2]) for entry in kept.values()), entries, origins)


def _entry(value: object) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """A job's record entry, or None for anything of another shape."""
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[2], tuple):
        return value
    return None


def _link_all(old: str, new: str, paths: tuple[str, ...], made: set[str], fresh: bool) -> bool:
    """All of a job's files or none."""
    linked = []
    for rel in paths:
        if not _link(old, new, rel, made, fresh):
            for done in linked:
                _remove(new, done)
            return False
        linked.append(rel)
    return True


def _link(old: str, new: str, rel: str, made: set[str], fresh: bool) -> bool:
    """Hard-link (or copy) one file from the output, in place of any file of that name
    unless the folder is `fresh`. Plain strings, not Path objects: this runs for every
    file of a rebuild into a fresh folder."""
    folder = rel.rpartition("/")[0]
    if folder not in made:
        os.makedirs(f"{new}/{folder}", exist_ok=True)
        made.add(folder)
    if not fresh:
        _remove(new, rel)
    try:
        os.link(f"{old}/{rel}", f"{new}/{rel}")
    except FileNotFoundError:
        return False
    except OSError:  # a file system without hard links
        try:
            shutil.copyfile(f"{old}/{rel}", f"{new}/{rel}")
        except OSError:
            return False
    return True


def _remove(folder: str, rel: str, prune: bool = False) -> None:
    """Unlink a file if it is there; with `prune`, then the folders it leaves empty."""
    try:
        os.unlink(f"{folder}/{rel}")
    except FileNotFoundError:
        return
    while prune and "/" in rel:
        rel = rel.rpartition("/")[0]
        try:
            os.rmdir(f"{folder}/{rel}")
        except OSError:
            return


# The spare: which folder a build writes into, and what becomes of the one it replaced.


def folder_id(folder: Path) -> str | None:
    """Which folder this is, as its record knows it: its inode, and the time a file was
    last added to or removed from it (so a reused inode number, or a folder changed by
    hand, is not taken for the one recorded). Taken once the folder is complete; a
    rename within the same parent, as the swap is, keeps it."""
    try:
        st = folder.stat()
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}:{st.st_mtime_ns}"


def open_spare(config: Config, output: Path) -> tuple[Path, dict]:
    """The spare folder and its record, or a fresh staging folder and an empty record."""
    spare = write.spare_for(config.cache_dir, output)
    record = load_pages(config.cache_dir, code_fingerprint(), spare)
    if spare.is_dir() and record.get(MARKER_KEY) is not None and record.get(MARKER_KEY) == folder_id(spare):
        save_pages(config.cache_dir, code_fingerprint(), spare, {})  # until it is complete again, it is nobody's site
        return spare, record
    if spare.exists():
        write.discard(spare, write.trash_for(config.cache_dir, output))
    return fresh(output), {}


def keep_spare(config: Config, output: Path, old: Path | None, record: dict) -> None:
    """After the swap, the previous site becomes the spare, with its record; one with no
    valid record is of no use as a spare and is deleted."""
    if old is None:
        return
    trash, spare = write.trash_for(config.cache_dir, output), write.spare_for(config.cache_dir, output)
    if not record or record.get(MARKER_KEY) != folder_id(old):  # no record, or not this folder's
        write.discard(old, trash)
        return
    if old != spare:
        if spare.exists():
            write.discard(spare, trash)
        try:
            os.rename(old, spare)
        except OSError:
            write.discard(old, trash)
            return
    save_pages(config.cache_dir, code_fingerprint(), spare, {**record, MARKER_KEY: folder_id(spare)})  # moved: taken anew


SPARE_AHEAD_FILES = 5000
"""From this many files, a site with no spare gets one made in the background."""


def spare_ahead(config: Config, output: Path, files: int) -> None:
    """After a build that left no spare (the first into `output`), start a detached process
    that makes one (`make_spare`), so the next build changes only what it must instead of
    linking every file into a fresh folder (0.2 s of a 2 s rebuild at 10,000 dispatches).
    Small sites link fast enough: none is made for them."""
    if files < SPARE_AHEAD_FILES or write.spare_for(config.cache_dir, output).exists():
        return
    code = "import sys; from pathlib import Path; from briefgen import reuse; reuse.make_spare(Path(sys.argv[1]), Path(sys.argv[2]))"
    write.detach(code, str(config.root), str(output))


def make_spare(root: Path, output: Path) -> None:
    """The spare of `output`: every file of its site hard-linked into a new folder, which
    becomes the spare, with the site's record, if the output is still that site. The
    files are linked without the project's lock (a live site's files never change; if it
    is replaced meanwhile, its identity says so); only the check and the rename hold it."""
    config = Config(root=root)
    spare, record = write.spare_for(config.cache_dir, output), load_pages(config.cache_dir, code_fingerprint(), output)
    marker = record.get(MARKER_KEY)
    clear_unfinished(config, output)
    if spare.exists() or marker is None or marker != folder_id(output):
        return
    folder = spare.with_name(f"{spare.name}.{os.getpid()}.tmp")
    made: set[str] = set()
    try:
        os.makedirs(folder)
        if not all(_link(os.fspath(output), os.fspath(folder), rel, made, True) for rel in sorted(recorded_files(record))):
            raise OSError("a file of the site went away")
        with build_lock(config, wait=SPARE_LOCK_WAIT):
            if spare.exists() or folder_id(output) != marker:
                raise OSError("a build came first")
            mark(config, spare, folder, record)
            os.rename(folder, spare)
    except (ContentErrors, OSError):
        shutil.rmtree(folder, ignore_errors=True)  # the next build links the files itself


def clear_unfinished(config: Config, output: Path) -> None:
    """Discard spares of `output` left half-linked by a `make_spare` that was killed: the
    process named in the folder's name is gone. One still at work is left alone. Every
    build does this, as does the next `make_spare`."""
    spare, trash = write.spare_for(config.cache_dir, output), write.trash_for(config.cache_dir, output)
    for folder in spare.parent.glob(f"{spare.name}.*.tmp"):
        pid = folder.name[len(spare.name) + 1 : -len(".tmp")]
        if pid.isdigit() and not _running(int(pid)):
            write.discard(folder, trash)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process
        return True
    return True


SPARE_LOCK_WAIT = 2.0
"""How long `make_spare` waits for a build to finish before it gives up."""


def mark(config: Config, output: Path, folder: Path, record: dict) -> None:
    """Save the complete folder's record for `output`, with the folder's identity, before
    the swap: a build killed before or after it never pairs a record with the wrong files."""
    save_pages(config.cache_dir, code_fingerprint(), output, {**record, MARKER_KEY: folder_id(folder)})


def drop(config: Config, output: Path, folder: Path | None) -> None:
    """A build that failed while writing deletes what it wrote (a spare included)."""
    if folder is not None and folder.exists():
        write.discard(folder, write.trash_for(config.cache_dir, output))


def fresh(output: Path) -> Path:
    """A new, empty staging folder beside the output."""
    staging = write.staging_dir(output)
    staging.mkdir(parents=True)
    return staging
