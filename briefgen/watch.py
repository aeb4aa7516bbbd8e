"""Watchdog events → the kinds of change they make to a site. Pure.

`serve` asks here before it rebuilds, so an editor's swap files and backups, the
output folder and the cache never start a build, and a config.yaml edit is known
to need the configuration read again (Zola's `detect_change_kind`, without the
side effects).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import PurePath
from typing import Iterable

ACTORS_FILE = "actors.yaml"


class ChangeKind(enum.Enum):
    CONFIG = "config"
    CONTENT = "content"
    ACTORS = "actors"
    TEMPLATES = "templates"
    STATIC = "static"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a project's inputs are: config.yaml and its folders, as absolute paths. The
    site's own interface strings (`i18n/`) are settings, like config.yaml: a change to
    them reads the configuration again."""

    config_file: PurePath
    content_dir: PurePath
    templates_dir: PurePath
    static_dir: PurePath
    i18n_dir: PurePath | None = None

    def folders(self) -> dict[ChangeKind, PurePath]:
        found = {ChangeKind.CONTENT: self.content_dir, ChangeKind.TEMPLATES: self.templates_dir, ChangeKind.STATIC: self.static_dir}
        return found | ({ChangeKind.CONFIG: self.i18n_dir} if self.i18n_dir is not None else {})


@dataclass(frozen=True, slots=True)
class Event:
    """What watchdog reports, reduced to what matters: its type and one or two paths."""

    type: str
    src: str
    dest: str = ""
    is_directory: bool = False

    @classmethod
    def of(cls, event) -> "Event":
        """From a watchdog `FileSystemEvent` (paths may be bytes on some platforms)."""
        src, dest = (p.decode() if isinstance(p, bytes) else p for p in (event.src_path, getattr(event, "dest_path", "") or ""))
        return cls(event.event_type, src, dest, event.is_directory)

    @property
    def changes(self) -> bool:
        """Opening or reading a file changes nothing (a build reads every file: such
        events must not start another build), and a folder's own "modified" only
        repeats the events of the files in it."""
        if self.type in ("opened", "closed_no_write"):
            return False
        return not (self.is_directory and self.type == "modified")


def is_scratch(name: str) -> bool:
    """Files editors write beside the real one while saving, which no build reads."""
    return (
        name.startswith((".#", "#"))
        or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp", ".bak", ".part", ".crdownload"))
        or name in {"4913", ".DS_Store", "Thumbs.db"}
    )


def kind_of(path: PurePath, layout: Layout, is_directory: bool = False) -> ChangeKind | None:
    """The kind of change a path makes, or None when no build would notice it."""
    if path == layout.config_file:
        return ChangeKind.CONFIG
    if is_scratch(path.name):
        return None
    for kind, folder in layout.folders().items():
        if path == folder or folder in path.parents:
            return _inside(kind, path.relative_to(folder), is_directory)
    return None


def _inside(kind: ChangeKind, rel: PurePath, is_directory: bool) -> ChangeKind | None:
    """content/ builds from its visible files (dispatches, actors.yaml, the files
    dispatches show); every static or template file counts."""
    if kind is not ChangeKind.CONTENT:
        return kind
    if any(part.startswith(".") for part in rel.parts):
        return None
    if rel.as_posix() == ACTORS_FILE:
        return ChangeKind.ACTORS
    return ChangeKind.CONTENT  # a folder moved or removed takes its dispatches with it


def classify(events: Iterable[Event], layout: Layout) -> frozenset[ChangeKind]:
    """Every kind of change in a batch of events; empty means nothing to rebuild.

    A rename counts at both ends, so an editor's save (write a temp file, rename it
    over the dispatch) is a content change even though the temp file is ignored.
    """
    kinds: set[ChangeKind] = set()
    for event in events:
        if not event.changes:
            continue
        for raw in (event.src, event.dest):
            if raw:
                kind = kind_of(PurePath(raw), layout, event.is_directory)
                if kind is not None:
                    kinds.add(kind)
    return frozenset(kinds)
