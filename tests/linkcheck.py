"""Find every internal link in a built site and check that it resolves to a file.

Used by the CLI tests (also under a base_url subpath) and by the deploy tests.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src") or (name == "data-index"):
                self.links.append(value)
            if name == "id":
                self.ids.add(value)
            if tag == "meta" and name == "content" and "url=" in value:
                self.links.append(value.split("url=", 1)[1])


def page_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def url_of(site: Path, file: Path, base_path: str) -> str:
    rel = file.relative_to(site).as_posix()
    if rel.endswith("index.html"):
        rel = rel[: -len("index.html")]
    return base_path + rel


def target_file(site: Path, path: str, base_path: str) -> Path | None:
    """The output file an absolute URL path points at, or None when outside the site."""
    if not path.startswith(base_path):
        return None
    rel = unquote(path[len(base_path):])
    candidate = site / rel
    if rel == "" or rel.endswith("/"):
        candidate = candidate / "index.html"
    return candidate


def broken_links(site: Path, base_path: str = "/", host: str | None = None) -> list[str]:
    """Every internal link of every HTML page that names no file, as 'page -> link'."""
    broken: list[str] = []
    for file in sorted(site.rglob("*.html")):
        page_url = url_of(site, file, base_path)
        for link in page_links(file.read_text(encoding="utf-8")):
            parts = urlsplit(urljoin(page_url, link))
            if parts.scheme in ("mailto",) or (parts.netloc and parts.netloc != (host or "")):
                continue
            if not parts.path:
                continue
            target = target_file(site, parts.path, base_path)
            if target is None or not target.is_file():
                broken.append(f"{page_url} -> {link}")
    return broken
