"""The build cache in `.briefgen-cache/` beside config.yaml: safe to delete at any time.

`docs-0.bin` … `docs-f.bin` keep each dispatch's parsed front matter and rendered
Markdown, and the dispatch validated from them (every declared field, by `records`),
keyed by a hash of the file's bytes and split by its first digit, so an edit rewrites
two small files, not one large one;
`stamps.bin` keeps each file's (size, mtime) → hash, so an unchanged file is not even
read, and a build with nothing changed never loads the parses.
`pages-<output>.bin` keeps, per output folder, what each page and file was made from (its
view and what it read, see `reads.Freshness`), so an unchanged one is reused, not made
again. Beside them: related links (`related.bin`), compiled templates, the site before
last (`spare-*`) and replaced sites being deleted.

Every file carries a magic line, a format number, the key it was made under (briefgen's
code, Python, and whatever else its contents depend on) and a checksum: a file that is
foreign, stale or corrupt is ignored and rebuilt, never trusted. `marshal` holds only
plain values (no code runs on loading, unlike pickle) and loads 100 MB in a blink.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import briefgen
from briefgen import records, related
from briefgen.frontmatter import FrontMatter
from briefgen.markdown import Rendered
from briefgen.model import Dispatch, RelatedLink
from briefgen.read import LoadedDoc, Source

MAGIC = b"briefgen-cache\n"
FORMAT = 5
DOCS_FILE_PATTERN = "docs-{}.bin"
SHARDS = "0123456789abcdef"
"""Parses are kept in one file per first hex digit of their content hash."""
LEGACY_DOCS_FILE = "docs.bin"
"""Where versions before the split kept every parse: removed when the split files are written."""
STAMPS_FILE = "stamps.bin"
RELATED_FILE = "related.bin"
RACY_NS = 2_000_000_000
"""A file modified this close to the moment it was looked at may change again within the
file system's timestamp granularity: its stamp is not trusted, its bytes are hashed."""
KEEP_PAGE_FILES = 8
"""Page records kept for this many folders (site/ and its spare, serve's preview folder …)."""


NOT_OUTPUT = ("commands/", "cli.py", "__main__.py", "watch.py", "lock.py", "quality.py")
"""Code that never shapes a parsed file or a page (other verbs, the command line, the
watcher, editorial checks): editing it keeps the cache."""


def code_fingerprint() -> str:
    """briefgen's version and the bytes of the code and theme that make the output: a change
    to any of them empties the cache. (A build asks several times: `os.walk` takes half
    the time of `Path.rglob`.)"""
    root = os.path.dirname(briefgen.__file__)
    h = hashlib.blake2b(f"{briefgen.__version__}|{sys.version}".encode(), digest_size=16)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        inside = os.path.relpath(folder, root).replace(os.sep, "/")
        found += [name if inside == "." else f"{inside}/{name}" for name in files]
    for rel in sorted(found):
        if rel.startswith(NOT_OUTPUT):
            continue
        try:
            with open(os.path.join(root, rel), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue  # an editor's temporary file, gone since the folder was listed
        h.update(rel.encode() + b"\0" + data + b"\0")
    return h.hexdigest()


def read_blob(path: Path, key: str) -> Any:
    """The value stored under key, or None when the file is missing, foreign, stale or corrupt."""
    try:
        data = path.read_bytes()
        key_at = data.index(b"\n") + 1
        checksum_at = data.index(b"\n", key_at) + 1
        payload_at = data.index(b"\n", checksum_at) + 1
        if data[:key_at] != MAGIC or data[key_at : checksum_at - 1].decode() != f"{FORMAT}:{key}":
            return None
        with memoryview(data)[payload_at:] as payload:  # not a copy: the parses are 57 MB at 10,000 dispatches
            if int(data[checksum_at : payload_at - 1]) != zlib.crc32(payload):
                return None
            return marshal.loads(payload)
    except (OSError, ValueError, EOFError, TypeError, UnicodeDecodeError):
        return None


def write_blob(path: Path, key: str, value: Any) -> None:
    """Write atomically (temp file + rename): a killed build leaves the old file or the new."""
    payload = marshal.dumps(value)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(MAGIC + f"{FORMAT}:{key}\n{zlib.crc32(payload)}\n".encode() + payload)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a cache that cannot be written only costs time


def _doc_entry(doc: LoadedDoc) -> tuple | None:
    """A parsed file as plain values (`records`: every field, none listed by hand), or
    None when it holds something marshal cannot keep. The last value is its validated
    dispatch, once `DocCache.remember` has it."""
    if doc.front is None or doc.body is None or doc.problems:
        return None
    try:
        entry = (records.to_plain(doc.front), records.to_plain(doc.body), None)
        marshal.dumps(entry)  # YAML can nest anything
    except (TypeError, ValueError):
        return None
    return entry


def _doc_from(rel: str, digest: str, entry: Any) -> LoadedDoc | None:
    """Rebuild a LoadedDoc; anything of the wrong shape counts as a miss."""
    try:
        front, body, _ = entry
    except (TypeError, ValueError):
        return None
    front, body = records.from_plain(front, FrontMatter), records.from_plain(body, Rendered)
    return LoadedDoc(rel, digest, front, body) if front is not None and body is not None else None


@dataclass
class DocCache:
    """Parsed dispatches by content hash, and file stamps → hash. Opened by a build and
    saved at its end; serve's session keeps one open from build to build.

    The parses are loaded on first use: a build that finds every stamp unchanged needs
    only the stamps."""

    folder: Path
    key: str
    stamps: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    stamped_ns: int = 0
    loaded: dict[str, tuple] | None = None
    changed_shards: set[str] = field(default_factory=set)
    """First digits of the hashes whose file must be written again."""
    stamps_changed: bool = False
    used: set[str] = field(default_factory=set)
    given_out: dict[tuple[str, str], LoadedDoc] | None = None
    """(file, hash) → the LoadedDoc the last build was given; None unless a session keeps
    the cache (`keep_docs_between_builds`): the next build takes the same object instead
    of making it again from the entry."""
    given_out_now: dict[tuple[str, str], LoadedDoc] = field(default_factory=dict)
    """What this build was given, filled only while `given_out` is kept."""
    pending: list[LoadedDoc] = field(default_factory=list)
    """Parses to `put` when the entries are next read or saved (`put_later`)."""

    @classmethod
    def open(cls, folder: Path, key: str) -> "DocCache":
        stored = read_blob(folder / STAMPS_FILE, key)
        cache = cls(folder, key)
        if isinstance(stored, dict) and isinstance(stored.get("stamps"), dict):
            cache.stamps = stored["stamps"]
            cache.stamped_ns = stored.get("stamped_ns", 0) if isinstance(stored.get("stamped_ns"), int) else 0
        return cache

    @property
    def entries(self) -> dict[str, tuple]:
        if self.loaded is None:
            self.loaded = {}
            for shard in SHARDS:
                stored = read_blob(self.folder / DOCS_FILE_PATTERN.format(shard), self.key)
                if isinstance(stored, dict) and isinstance(stored.get("docs"), dict):
                    self.loaded.update((d, e) for d, e in stored["docs"].items() if isinstance(d, str) and d[:1] == shard)
        if self.pending:
            self._put_pending()
        return self.loaded

    def known_digest(self, source: Source) -> str | None:
        """The hash of a file whose size and mtime are as recorded, long enough ago to trust."""
        stamp = self.stamps.get(source.rel)
        if not isinstance(stamp, tuple) or len(stamp) != 3:
            return None
        size, mtime_ns, digest = stamp
        if size != source.size or mtime_ns != source.mtime_ns or mtime_ns >= self.stamped_ns - RACY_NS:
            return None
        return digest if isinstance(digest, str) else None

    def keep_docs_between_builds(self) -> None:
        """Give the next build the same LoadedDoc objects as this one (a session's cache)."""
        if self.given_out is None:
            self.given_out = {}

    def get(self, source: Source, digest: str) -> LoadedDoc | None:
        doc = self.given_out.get((source.rel, digest)) if self.given_out is not None else None
        if doc is None:
            entry = self.entries.get(digest)
            doc = _doc_from(source.rel, digest, entry) if entry is not None else None
        if doc is not None:
            self.used.add(digest)
            if self.given_out is not None:
                self.given_out_now[(source.rel, digest)] = doc
        return doc

    def put_later(self, docs: Sequence[LoadedDoc]) -> None:
        """`put` these parses when the entries are next read, or at `save`: a cold build
        first needs them when it saves the cache, while other processes render."""
        self.pending.extend(docs)

    def _put_pending(self) -> None:
        pending, self.pending = self.pending, []
        for doc in pending:
            self.put(doc)

    def put(self, doc: LoadedDoc) -> None:
        entry = _doc_entry(doc)
        if entry is not None:
            self.entries[doc.digest] = entry
            self.used.add(doc.digest)
            self.changed_shards.add(doc.digest[:1])
            if self.given_out is not None:
                self.given_out_now[(doc.rel, doc.digest)] = doc

    def validated(self, doc: LoadedDoc, tag: str) -> Dispatch | None:
        """The dispatch validated from this file before, under the same `tag` (the time
        zone and the registry, which validation also reads): rebuilt from plain values
        in about half the time validating takes."""
        kept = self._kept(doc, tag)
        return records.from_plain(kept, Dispatch) if kept is not None else None

    def knows(self, doc: LoadedDoc, tag: str) -> bool:
        """Whether `validated` has a dispatch for this file under `tag`."""
        return self._kept(doc, tag) is not None

    def _kept(self, doc: LoadedDoc, tag: str) -> Any:
        """The plain values of the file's dispatch kept under `tag`, if any."""
        entry = self.entries.get(doc.digest)
        kept = entry[-1].get(doc.rel) if entry is not None and isinstance(entry[-1], dict) else None
        return kept[1] if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == tag else None

    def remember(self, doc: LoadedDoc, tag: str, dispatch: Dispatch) -> None:
        """Keep a file's validated dispatch beside its parse, for `validated`, by file name:
        two files with the same bytes are two dispatches. What was kept under another tag goes."""
        entry = self.entries.get(doc.digest)
        try:
            plain = records.to_plain(dispatch) if entry is not None else None
        except TypeError:
            return  # a value marshal cannot keep: the file is validated again next time
        if entry is not None:
            before = entry[-1] if isinstance(entry[-1], dict) else {}
            kept = {rel: value for rel, value in before.items() if isinstance(value, tuple) and value[:1] == (tag,)}
            kept[doc.rel] = (tag, plain)
            self.entries[doc.digest] = (*entry[:-1], kept)
            self.changed_shards.add(doc.digest[:1])

    def stamp(self, sources: list[Source], digests: dict[str, str], now_ns: int, force: bool = False) -> None:
        """Record each file's stamp → hash as seen at the start of this build; `force`
        when a file was too fresh to trust, so the next build can trust it."""
        stamps = {s.rel: (s.size, s.mtime_ns, digests[s.rel]) for s in sources if s.rel in digests}
        if stamps != self.stamps or force:
            self.stamps, self.stamped_ns, self.stamps_changed = stamps, now_ns, True

    def save(self, write: bool = True) -> None:
        """Keep only what this build used; write the files unless told not to, and only
        what changed. Then the cache is ready for another build in this process."""
        self._put_pending()
        if self.loaded is not None and len(self.used) != len(self.loaded):
            self.changed_shards.update(d[:1] for d in self.loaded if d not in self.used)
            self.loaded = {d: e for d, e in self.loaded.items() if d in self.used}
        if write and self.changed_shards and self.loaded is not None:
            shards: dict[str, dict[str, tuple]] = {shard: {} for shard in self.changed_shards}
            for digest, entry in self.loaded.items():
                if digest[:1] in shards:
                    shards[digest[:1]][digest] = entry
            for shard, entries in sorted(shards.items()):
                write_blob(self.folder / DOCS_FILE_PATTERN.format(shard), self.key, {"docs": entries})
            self.changed_shards = set()
            (self.folder / LEGACY_DOCS_FILE).unlink(missing_ok=True)
        if write and self.stamps_changed:  # after the parses: a stamp never names a parse not yet saved
            write_blob(self.folder / STAMPS_FILE, self.key, {"stamps": self.stamps, "stamped_ns": self.stamped_ns})
            self.stamps_changed = False
        self.used = set()
        if self.given_out is not None:
            self.given_out, self.given_out_now = self.given_out_now, {}


def _pages_path(folder: Path, output: Path) -> Path:
    return folder / f"pages-{hashlib.blake2b(str(output).encode(), digest_size=8).hexdigest()}.bin"


def load_pages(folder: Path, key: str, output: Path) -> dict[str, Any]:
    """The record of the last build into `output`: output path → what each page was made
    from, and under keys starting with \\0 its files, static files, counts and the
    fingerprints of what its pages read."""
    stored = read_blob(_pages_path(folder, output), key)
    if not isinstance(stored, dict) or stored.get("output") != str(output) or not isinstance(stored.get("pages"), dict):
        return {}
    return stored["pages"]


def save_pages(folder: Path, key: str, output: Path, pages: dict[str, Any]) -> None:
    path = _pages_path(folder, output)
    write_blob(path, key, {"output": str(output), "pages": pages})
    records = sorted(folder.glob("pages-*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in records[KEEP_PAGE_FILES:]:
        old.unlink(missing_ok=True)


def related_memo(
    folder: Path, key: str, remembered: Callable[[str, str, Callable[[], Any]], Any] | None = None, fork: bool = True,
) -> Callable[[Sequence[Dispatch], int], Mapping[str, tuple[RelatedLink, ...]]]:
    """`related.compute`, remembered in `related.bin` for the last set of inputs: an edit
    that leaves every dispatch's date, actors, topics and thread alone (most edits are to
    a body or a title) keeps the related links, and they cost a second at 10,000 dispatches.
    `remembered` (a session's `value`) keeps them in memory too; `fork` as for `related.compute`."""

    def compute(ordered: Sequence[Dispatch], limit: int) -> Mapping[str, tuple[RelatedLink, ...]]:
        features = "\n".join(  # ids and keys are slugs, so neither separator occurs in them
            f"{d.slug}\x1f{d.moment.isoformat()}\x1f{d.date}\x1f{'|'.join(d.actors)}\x1f{'|'.join(t.key for t in d.topics)}\x1f{d.thread}"
            for d in ordered
        )
        inputs = hashlib.blake2b(f"{limit}\n{features}".encode(), digest_size=16).hexdigest()
        if remembered is not None:
            return remembered("related", inputs, lambda: _stored_or_computed(ordered, limit, inputs))
        return _stored_or_computed(ordered, limit, inputs)

    def _stored_or_computed(ordered: Sequence[Dispatch], limit: int, inputs: str) -> Mapping[str, tuple[RelatedLink, ...]]:
        path = folder / RELATED_FILE
        stored = read_blob(path, key)
        if isinstance(stored, dict) and stored.get("inputs") == inputs:
            try:
                return {slug: tuple(map(RelatedLink._make, links)) for slug, links in stored["links"].items()}
            except (TypeError, AttributeError):
                pass  # the wrong shape: computed afresh
        result = related.compute(ordered, limit, fork)
        plain = {slug: tuple(map(tuple, links)) for slug, links in result.items()}
        write_blob(path, key, {"inputs": inputs, "links": plain})
        return result

    return compute
