"""The preview's HTTP side: what a browser gets from `briefgen serve`.

Kept apart from the command so the part that faces the network — path safety, content
types, the reload script and problem overlay, the event stream — can be read and
changed without the watch and rebuild loop. It only reads `LiveState`; the build loop
in `commands/serve.py` is its one writer.
"""

from __future__ import annotations

import html
import json
import mimetypes
import socket
import sys
import threading
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import unquote, urlsplit

from briefgen.i18n import Catalogue, english
from briefgen.urls import Urls

EVENTS_PATH = "/__briefgen/events"
STATUS_PATH = "/__briefgen/status"
PING = 15.0
"""Seconds between keep-alive comments on an idle event stream."""

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".opml": "application/xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
}

RELOAD_SCRIPT = """<script id="briefgen-live">(function () {
  var epoch = %(epoch)s;
  function overlay(problems) {
    var box = document.getElementById("briefgen-overlay");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) { box = document.createElement("div"); box.id = "briefgen-overlay"; document.body.appendChild(box); }
    box.setAttribute("style", %(style)s);
    box.textContent = "";
    var head = document.createElement("strong");
    head.textContent = %(failed)s;
    var list = document.createElement("ul");
    problems.forEach(function (p) { var li = document.createElement("li"); li.textContent = p; list.appendChild(li); });
    box.appendChild(head); box.appendChild(list);
  }
  var source = null;
  function listen() {
    if (source || document.hidden) return;
    source = new EventSource(%(events)s);
    source.onmessage = function (e) {
      var state = JSON.parse(e.data);
      // The page of a dispatch just saved is served before the rest of its build is done
      // (state.early), marked with the epoch that build will have (state.next): it reloads
      // then, and a page that already carries that epoch waits for the build to finish.
      var ahead = state.next !== "" && state.next === epoch;
      if (!ahead && (state.epoch !== epoch || state.early.indexOf(location.pathname) >= 0)) { source.close(); location.reload(); return; }
      overlay(state.problems);
    };
  }
  // Only visible tabs keep a connection open (browsers allow six per server); a tab
  // shown again reconnects, learns the current epoch and reloads if it missed a build.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && source) { source.close(); source = null; } else { listen(); }
  });
  listen();
})();</script>"""
OVERLAY_STYLE = (
    "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;"
    "background:rgba(24,24,27,.94);color:#fecaca;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap"
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What pages are told: the epoch of the build they should show, and current problems."""

    version: int = 0
    epoch: str = ""
    problems: tuple[str, ...] = ()
    has_site: bool = False
    building: bool = False
    builds: int = 0
    base_path: str = "/"
    early: Mapping[str, bytes] = field(default_factory=dict)
    """Pages of the build under way, served before it finishes (output path → bytes)."""
    next_epoch: str = ""
    """The epoch that build will publish; the early pages carry it."""
    words: Catalogue = field(default_factory=english)
    """The site's interface catalogue: the preview's own notices are in its language."""


class LiveState:
    """The one thing the build loop writes and the HTTP threads read, under a Condition."""

    def __init__(self, base_path: str, words: Catalogue | None = None) -> None:
        self._cond = threading.Condition()
        self._snap = Snapshot(base_path=base_path, words=words or english())
        self.closed = False

    def get(self) -> Snapshot:
        with self._cond:
            return self._snap

    def publish(self, **changes: Any) -> None:
        with self._cond:
            self._snap = replace(self._snap, version=self._snap.version + 1, **changes)
            self._cond.notify_all()

    def wait_newer(self, version: int, timeout: float) -> Snapshot | None:
        """The snapshot once it is newer than `version` (or after `timeout`); None once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self._snap.version != version, timeout)
            return None if self.closed else self._snap

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class Refused(Exception):
    """A request path that tries to leave the output folder: answered 400."""


def locate(root: Path, rel: str) -> Path | None:
    """The file or folder a URL path (below base_url) names, never outside `root`."""
    parts: list[str] = []
    for raw in rel.split("/"):
        if "\\" in raw or "\0" in raw or "%5c" in raw.lower():
            raise Refused(rel)
        try:
            name = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            raise Refused(rel) from None
        if name in ("", "."):
            continue
        if name == ".." or any(c in name for c in "/\\\0"):
            raise Refused(rel)
        parts.append(name)
    target = root.joinpath(*parts)
    try:
        if not target.resolve().is_relative_to(root.resolve()):
            return None
    except (OSError, ValueError):
        return None
    return target if target.exists() else None


def content_type(path: Path) -> str:
    """A fixed type for the files a site is made of (with charset); the system's guess otherwise."""
    suffix = path.suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def inject(page: bytes, snap: Snapshot, epoch: str | None = None) -> bytes:
    """Add the reload script, and the problem overlay when the last build failed, before
    </body>. The page belongs to the build of `epoch` (by default the last one)."""
    epoch = snap.epoch if epoch is None else epoch
    failed = snap.words.text("serve.failed")
    script = RELOAD_SCRIPT % {"epoch": json.dumps(epoch), "style": json.dumps(OVERLAY_STYLE), "events": json.dumps(EVENTS_PATH), "failed": json.dumps(failed)}
    extra = _overlay_html(snap.problems, failed) + script
    at = page.lower().rfind(b"</body>")
    data = extra.encode("utf-8")
    return page + data if at < 0 else page[:at] + data + page[at:]


def early_urls(snap: Snapshot) -> list[str]:
    """The URL paths of the early pages, as a page's `location.pathname` shows them."""
    return [snap.base_path + (p[: -len("index.html")] if p.endswith("index.html") else p) for p in snap.early]


def _overlay_html(problems: tuple[str, ...], failed: str) -> str:
    if not problems:
        return ""
    items = "".join(f'<li dir="ltr">{html.escape(p)}</li>' for p in problems)  # PATH:LINE: message, in English
    return f'<div id="briefgen-overlay" style="{OVERLAY_STYLE}"><strong>{html.escape(failed)}</strong><ul>{items}</ul></div>'


def _placeholder(snap: Snapshot) -> bytes:
    """The page served before any build has succeeded."""
    words = snap.words
    notice = words.text("serve.broken" if snap.problems else "serve.building")
    return (
        f'<!doctype html><html lang="{html.escape(words.language)}" dir="{words.direction}"><meta charset="utf-8"><title>briefgen</title>'
        f"<body><p>{html.escape(notice)}</p></body></html>"
    ).encode()


def make_handler(state: LiveState, output: Path, busy: Callable[[], bool]) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one server's state (no module-level globals).

    `busy` tells whether file changes are waiting to be built, for the status endpoint.
    """

    class PreviewHandler(BaseHTTPRequestHandler):
        server_version = "briefgen"

        def do_GET(self) -> None:
            self._respond(body=True)

        def do_HEAD(self) -> None:
            self._respond(body=False)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a preview's request log is noise; problems are printed by the build loop

        def _respond(self, body: bool) -> None:
            path = urlsplit(self.path).path
            if not path.startswith("/"):
                return self._send(400, "text/plain; charset=utf-8", b"bad request\n", body)
            if path == EVENTS_PATH:
                return self._events() if body else self._send(200, "text/event-stream", b"", False)
            snap = state.get()
            if path == STATUS_PATH:
                status = {"epoch": snap.epoch, "problems": list(snap.problems), "builds": snap.builds, "busy": snap.building or busy()}
                return self._send(200, "application/json", json.dumps(status).encode(), body)
            if not snap.has_site:
                return self._send(503, TYPES[".html"], inject(_placeholder(snap), snap), body)
            if not path.startswith(snap.base_path):
                if path + "/" == snap.base_path or path == "/":
                    return self._redirect(snap.base_path)
                return self._not_found(snap, body)
            if snap.early:  # the pages of dispatches just saved, before the rest is rebuilt
                wanted = Urls.output(unquote(path[len(snap.base_path):]))
                if wanted in snap.early:
                    return self._send(200, TYPES[".html"], inject(snap.early[wanted], snap, snap.next_epoch), body)
                if wanted + "/index.html" in snap.early:
                    return self._redirect("/" + path.lstrip("/") + "/")
            try:
                target = locate(output, path[len(snap.base_path):])
            except Refused:
                return self._send(400, "text/plain; charset=utf-8", b"bad request\n", body)
            if target is not None and target.is_dir():
                if not path.endswith("/"):
                    return self._redirect("/" + path.lstrip("/") + "/")  # never `//host/`: no open redirect
                target = target / "index.html"
            self._serve_file(target, snap, body)

        def _serve_file(self, target: Path | None, snap: Snapshot, body: bool) -> None:
            try:
                data = target.read_bytes() if target is not None and target.is_file() else None
            except OSError:
                data = None  # swapped out by a rebuild between the check and the read
            if data is None:
                return self._not_found(snap, body)
            ctype = content_type(target)
            if ctype.startswith("text/html"):
                data = inject(data, snap)
            self._send(200, ctype, data, body)

        def _not_found(self, snap: Snapshot, body: bool) -> None:
            try:
                page = (output / "404.html").read_bytes()
            except OSError:
                missing = html.escape(snap.words.text("serve.not_found"))
                page = f"<!doctype html><title>{missing}</title><body><h1>{missing}</h1></body>".encode()
            self._send(404, TYPES[".html"], inject(page, snap), body)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _send(self, status: int, ctype: str, data: bytes, body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if body:
                self.wfile.write(data)

        def _events(self) -> None:
            """Stream the state to one page: a message per change, a comment to keep alive."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            version = -1
            try:
                while (snap := state.wait_newer(version, PING)) is not None:
                    if snap.version == version:
                        self.wfile.write(b": ping\n\n")
                    else:
                        message = {"epoch": snap.epoch, "problems": list(snap.problems), "next": snap.next_epoch, "early": early_urls(snap)}
                        self.wfile.write(f"data: {json.dumps(message)}\n\n".encode())
                        version = snap.version
                    self.wfile.flush()
            except OSError:
                pass  # the page went away

    return PreviewHandler


class PreviewServer(ThreadingHTTPServer):
    """A thread per request, so open event streams never hold up page loads; IPv4 or IPv6."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family
        super().__init__(address, BaseHTTPRequestHandler)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-response is normal; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

