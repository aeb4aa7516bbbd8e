"""Links and images in dispatch bodies: the files they bring along, and whether each one
points at something the built site has.

A relative link or image names a file beside its dispatch (`![map](map.png)` next to
`content/talks/proposal.md`); a dispatch written as a folder (`SLUG/index.md`) brings
every file of its folder. Such files are copied into the dispatch's own URL folder, so
the relative link works on the page. Every link and image on the site is then looked
for in the folder about to become the site: one that points at nothing is an error at
its line, as a typo must not pass silently.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Iterable, Mapping, Sequence
from urllib.parse import unquote

from briefgen.errors import Problem
from briefgen.markdown import on_site
from briefgen.model import Dispatch, Edition
from briefgen.read import LoadedDoc, Source
from briefgen.urls import Urls

Copy = tuple[Path, str]
"""A file to copy: its source, and its path in the site."""


def files_beside(
    dispatches: Iterable[Dispatch], docs: Mapping[str, LoadedDoc], others: Sequence[Source], urls: Urls, content: str,
) -> tuple[list[Copy], list[Problem]]:
    """What each dispatch brings: the files its relative links and images name, and
    every file of a dispatch folder. `others` are content/'s files that are not
    dispatches, by path relative to the project (`content` is content/'s)."""
    present = {source.rel: source for source in others}
    bundled = _bundles(present, docs, content)
    copies: dict[str, Copy] = {}
    problems: list[Problem] = []
    for d in dispatches:
        folder = posixpath.dirname(d.path)
        page = urls.path("dispatch", d.slug)
        wanted = [_path_of(target) for _, target, _ in _links(d, docs.get(d.path))]
        names = {posixpath.normpath(posixpath.join(folder, name)) for name in wanted if _beside(name)}
        if posixpath.basename(d.path) == "index.md":
            names.update(bundled.get(folder, ()))
        for rel in sorted(names & present.keys()):
            inside = rel[len(folder) + 1 :]
            if inside == "index.html":
                problems.append(Problem(rel, None, f"would replace the page of dispatch '{d.slug}'; rename it"))
                continue
            copies[page + inside] = (Path(present[rel].path), page + inside)
    return list(copies.values()), problems


def _bundles(present: Iterable[str], docs: Mapping[str, LoadedDoc], content: str) -> dict[str, list[str]]:
    """The files of each dispatch folder (one holding an `index.md`, below content/'s
    own), by folder: a file belongs to the nearest such folder above it, once."""
    bundled: dict[str, list[str]] = {}
    for rel in present:
        parent = posixpath.dirname(rel)
        while parent.startswith(content + "/") and f"{parent}/index.md" not in docs:
            parent = posixpath.dirname(parent)
        if parent.startswith(content + "/"):
            bundled.setdefault(parent, []).append(rel)
    return bundled


def _path_of(target: str) -> str:
    """The path part of a link's target, as the file system names it."""
    return unquote(target.split("#", 1)[0].split("?", 1)[0])


def _beside(path: str) -> bool:
    """Whether a relative path names a file beside the dispatch: not from the root, not
    climbing out of the dispatch's folder."""
    return bool(path) and not path.startswith("/") and not posixpath.normpath(path).startswith("..")


def _links(d: Dispatch, doc: LoadedDoc | None) -> tuple[tuple[str, str, int], ...]:
    """The links and images of a dispatch's body, and its front matter's `image`."""
    found = doc.body.links if doc is not None and doc.body is not None else ()
    if d.image is not None and on_site(d.image):
        found = (*found, ("image", d.image, d.line_of.get("image", 1)))
    return found


def broken(dispatches: Iterable[Dispatch], docs: Mapping[str, LoadedDoc], urls: Urls, site: Path) -> list[Problem]:
    """A problem at its line for each link or image that points at nothing in `site`,
    the folder holding the whole site."""
    problems: list[Problem] = []
    for d in dispatches:
        problems += _pointing_nowhere(d.path, urls.path("dispatch", d.slug), _links(d, docs.get(d.path)), site)
    return problems


def broken_in_editions(editions: Iterable[Edition], urls: Urls, site: Path) -> list[Problem]:
    """As `broken`, for the links and images of the editions' ledes."""
    return [p for e in editions for p in _pointing_nowhere(e.path, urls.path("edition", e.key), e.links, site)]


def _pointing_nowhere(where: str, page: str, links: Iterable[tuple[str, str, int]], site: Path) -> list[Problem]:
    problems = []
    for kind, target, line in links:
        path = _path_of(target)
        if not path:
            continue  # `?query` alone: this very page
        found = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(page, path))
        if found.startswith("..") or not _exists(site, found, path.endswith("/")):
            what = "image" if kind == "image" else "link"
            problems.append(Problem(where, line, f"{what} '{target}' points at nothing the site has"))
    return problems


def _exists(site: Path, path: str, folder: bool) -> bool:
    """Whether the site serves `path`: a file, or a folder's index.html."""
    target = site / path if path != "." else site
    if folder or target.is_dir():
        return (target / "index.html").is_file()
    return target.is_file()
