"""Stage 5: write the whole site into a staging folder, then swap it in at once.

A failed or killed build never leaves a half-written site: until the swap the old
output is untouched, and the swap itself is one atomic rename on Linux (renameat2
with RENAME_EXCHANGE), falling back to two renames elsewhere.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterable

from briefgen.config import Config
from briefgen.errors import ContentErrors, Problem

GENERATOR = b'<meta name="generator" content="briefgen">'
"""In the head of every page of the theme: it names a folder's site as briefgen's, so a
build never replaces a folder it did not make, without a file of briefgen's own in it."""
THEME_ASSETS = Path(__file__).parent / "theme" / "static"
STAGING_PREFIX = ".briefgen-staging-"
TRASH = "trash"
"""The folder of `.briefgen-cache/` where replaced sites wait to be deleted."""


def check_output(config: Config, output: Path, recorded: bool = False) -> None:
    """Refuse an output folder whose replacement would destroy the user's own files: one
    that is neither empty, nor `recorded` in the cache as a build's, nor a site whose home
    page names briefgen as its generator."""
    output = output.resolve()
    guarded = {"the project folder": config.root, "content/": config.content_dir, "editions/": config.editions_dir, "templates/": config.templates_dir, "static/": config.static_dir}
    for name, folder in guarded.items():
        if output == folder or folder.is_relative_to(output) or output.is_relative_to(folder) and name != "the project folder":
            raise ContentErrors([Problem("config.yaml", None, f"output folder {output} is or contains {name}; choose another output_dir")])
    if output.exists() and not output.is_dir():
        raise ContentErrors([Problem(config.rel(output), None, "output path exists and is not a folder")])
    if output.is_dir() and not recorded and not _generated(output) and any(output.iterdir()):
        raise ContentErrors([Problem(config.rel(output), None, "output folder is not empty and was not made by briefgen; remove it or choose another output_dir")])


def _generated(folder: Path) -> bool:
    """Whether the folder's home page names briefgen as its generator, in its head."""
    try:
        with open(folder / "index.html", "rb") as page:
            head = page.read(4096)
    except OSError:
        return False
    return GENERATOR in head.partition(b"</head>")[0]


def staging_dir(output: Path) -> Path:
    """A fresh folder beside the output (same file system, so the swap is a rename)."""
    return output.parent / f"{STAGING_PREFIX}{output.name}-{uuid.uuid4().hex[:12]}"


def clean_stale(output: Path, trash: Path) -> None:
    """Remove staging folders left behind by a build that was killed."""
    if output.parent.is_dir():
        for stale in output.parent.glob(f"{STAGING_PREFIX}{output.name}-*"):
            discard(stale, trash)


def trash_for(cache_dir: Path, output: Path) -> Path:
    """Where a replaced site waits to be deleted: the cache's trash folder when it is on the
    output's file system (so moving there is a rename), else a folder beside the output."""
    return cache_dir / TRASH if _same_device(cache_dir, output) else output.parent / f".briefgen-trash-{output.name}"


def spare_for(cache_dir: Path, output: Path) -> Path:
    """Where the site before last waits to become the next build's staging folder; like
    the trash, in the cache when the swap can be a rename from there."""
    if _same_device(cache_dir, output):
        return cache_dir / f"spare-{hashlib.blake2b(os.fsencode(output), digest_size=8).hexdigest()}"
    return output.parent / f".briefgen-spare-{output.name}"


def _same_device(cache_dir: Path, output: Path) -> bool:
    try:
        return os.stat(cache_dir.parent).st_dev == os.stat(output.parent).st_dev
    except OSError:
        return False


def discard(folder: Path, trash: Path) -> None:
    """Delete a folder without making the build wait: it is moved into `trash`, which a
    detached process then empties. Where it cannot be moved, it is deleted here and now.
    A deletion cut short leaves it in `trash`, for the next one to finish."""
    try:
        trash.mkdir(parents=True, exist_ok=True)
        os.rename(folder, trash / folder.name)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return
    detach("import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)", str(trash))


def detach(code: str, *args: str) -> None:
    """Run Python `code` with `args` in a process of its own that outlives this one and
    says nothing: housekeeping the build does not wait for."""
    subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def write_files(staging: Path, files: Iterable[tuple[str, bytes]]) -> int:
    """Write (relative path, bytes) pairs; two pages claiming one path is an error.

    Each file is a new inode: a name already there (which could be a hard link into the
    live output) is unlinked first, never written through. Plain strings and `os.open`,
    not Path objects and `open`: a site of 20,000 pages took two and a half times longer
    to write the other way."""
    written: set[str] = set()
    made: set[str] = set()
    base = os.fspath(staging)
    for rel, data in files:
        if rel in written:
            raise ContentErrors([Problem(rel, None, "two pages would be written to this path")])
        written.add(rel)
        folder = rel.rpartition("/")[0]
        if folder not in made:
            _make_folder(f"{base}/{folder}")
            made.add(folder)
        _write_new(f"{base}/{rel}", data)
    return len(written)


def _make_folder(path: str) -> None:
    """A folder whose parent is almost always there already (a page of a kind made before): one
    `mkdir`, where `os.makedirs` first looks for the parent (a third of writing a page)."""
    try:
        os.mkdir(path)
    except FileExistsError:
        pass  # made by another process, or a file: writing into it then says so
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _write_new(path: str, data: bytes) -> None:
    """Write data to a new file at path, unlinking whatever had that name."""
    try:
        fd = os.open(path, _NEW_FILE, 0o666)
    except FileExistsError:
        os.unlink(path)
        fd = os.open(path, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def static_files(config: Config) -> list[tuple[Path, str]]:
    """(source, output path) of the theme's assets, then the site's static/ over the root."""
    found = [(src, f"assets/{rel}") for src, rel in _files(THEME_ASSETS)]
    if config.static_dir.is_dir():
        found += _files(config.static_dir)
    return found


def _files(root: Path) -> list[tuple[Path, str]]:
    return sorted((path, path.relative_to(root).as_posix()) for path in root.rglob("*") if path.is_file())


def copy_static(files: list[tuple[Path, str]], staging: Path) -> None:
    """Copy static files in, each to a new inode: the old name may be a hard link into
    the live output, which must not change."""
    for src, rel in files:
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        shutil.copyfile(src, target)


def swap_in(staging: Path, output: Path) -> Path | None:
    """Make staging the output in one step; return where the previous site now is."""
    if not output.exists():
        os.rename(staging, output)
        return None
    if _exchange(staging, output):
        return staging
    old = output.parent / f"{STAGING_PREFIX}{output.name}-old-{uuid.uuid4().hex[:8]}"
    os.rename(output, old)
    os.rename(staging, output)
    return old


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0
