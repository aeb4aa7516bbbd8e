"""`briefgen serve`: build, serve the last complete build, rebuild on change, reload pages.

Three parts, as in MkDocs' live reload: an HTTP thread serving the output folder from
a temporary folder of its own (so `site/` stays as `briefgen build` left it); a
watchdog observer whose callback only records events; and the main loop, which waits
for the events of one save to settle, builds with `commands.build.build`, and publishes
the outcome: a new reload epoch on success, the list of problems on failure. Pages
learn of both by Server-Sent Events through a script added to served HTML only.
"""

from __future__ import annotations

import errno
import html
import ipaddress
import json
import mimetypes
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from briefgen.commands.build import BuildOptions, build
from briefgen.config import Config, load_config
from briefgen.errors import ContentErrors, Problem
from briefgen.watch import ChangeKind, Event, Layout, classify

EVENTS_PATH = "/__briefgen/events"
STATUS_PATH = "/__briefgen/status"
QUIET = 0.1
"""Seconds without a new event before a batch is built: an editor's save is one batch."""
MAX_WAIT = 1.0
"""A stream of events (a `git checkout`) still rebuilds this often."""
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
    head.textContent = "briefgen: the last build failed; showing the previous one";
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
      if (state.epoch !== epoch) { source.close(); location.reload(); return; }
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


class LiveState:
    """The one thing the build loop writes and the HTTP threads read, under a Condition."""

    def __init__(self, base_path: str) -> None:
        self._cond = threading.Condition()
        self._snap = Snapshot(base_path=base_path)
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


class Inbox(FileSystemEventHandler):
    """Watchdog's callback: record the event and wake the loop, nothing more."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._events: list[Event] = []

    def on_any_event(self, event) -> None:
        recorded = Event.of(event)
        if recorded.changes:
            with self._cond:
                self._events.append(recorded)
                self._cond.notify_all()

    def pending(self) -> bool:
        with self._cond:
            return bool(self._events)

    def take(self, stop: threading.Event) -> list[Event]:
        """The next batch: wait for a first event, then until QUIET seconds pass without one."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._events or stop.is_set(), 0.25) or stop.is_set():
                return []
            first = time.monotonic()
            while time.monotonic() - first < MAX_WAIT:
                count = len(self._events)
                self._cond.wait(QUIET)
                if len(self._events) == count:
                    break
            batch, self._events = self._events, []
            return batch


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
    suffix = path.suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def inject(page: bytes, snap: Snapshot) -> bytes:
    """Add the reload script, and the problem overlay when the last build failed, before </body>."""
    script = RELOAD_SCRIPT % {"epoch": json.dumps(snap.epoch), "style": json.dumps(OVERLAY_STYLE), "events": json.dumps(EVENTS_PATH)}
    extra = _overlay_html(snap.problems) + script
    at = page.lower().rfind(b"</body>")
    data = extra.encode("utf-8")
    return page + data if at < 0 else page[:at] + data + page[at:]


def _overlay_html(problems: tuple[str, ...]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return (
        f'<div id="briefgen-overlay" style="{OVERLAY_STYLE}"><strong>briefgen: the last build failed; '
        f"showing the previous one</strong><ul>{items}</ul></div>"
    )


def _placeholder(snap: Snapshot) -> bytes:
    """The page served before any build has succeeded."""
    word = "could not be built" if snap.problems else "is being built"
    return f'<!doctype html><html lang="en"><meta charset="utf-8"><title>briefgen</title><body><p>The site {word}.</p></body></html>'.encode()


def make_handler(state: LiveState, output: Path, inbox: Inbox) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one server's state (no module-level globals)."""

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
                status = {"epoch": snap.epoch, "problems": list(snap.problems), "builds": snap.builds, "busy": snap.building or inbox.pending()}
                return self._send(200, "application/json", json.dumps(status).encode(), body)
            if not snap.has_site:
                return self._send(503, TYPES[".html"], inject(_placeholder(snap), snap), body)
            if not path.startswith(snap.base_path):
                if path + "/" == snap.base_path or path == "/":
                    return self._redirect(snap.base_path)
                return self._not_found(snap, body)
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
                page = b"<!doctype html><title>Not found</title><body><h1>Not found</h1></body>"
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
                        message = {"epoch": snap.epoch, "problems": list(snap.problems)}
                        self.wfile.write(f"data: {json.dumps(message)}\n\n".encode())
                        version = snap.version
                    self.wfile.flush()
            except OSError:
                pass  # the page went away

    return PreviewHandler


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family
        super().__init__(address, BaseHTTPRequestHandler)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-response is normal; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass(frozen=True, slots=True)
class ServeOptions:
    config_path: Path
    overrides: dict[str, Any]
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False


def layout_of(config: Config, config_path: Path) -> Layout:
    return Layout(config_path.resolve(), config.content_dir, config.templates_dir, config.static_dir)


class Watches:
    """Keeps the observer watching config.yaml's folder and whichever input folders exist."""

    def __init__(self, observer: BaseObserver, handler: Inbox) -> None:
        self._observer, self._handler = observer, handler
        self._watched: dict[tuple[Path, bool], Any] = {}

    def sync(self, layout: Layout) -> None:
        """Watch folders that appeared, stop watching ones that went; cheap when nothing moved."""
        wanted = {(Path(layout.config_file).parent, False)}
        wanted |= {(Path(folder), True) for folder in layout.folders().values() if Path(folder).is_dir()}
        for key in [k for k in self._watched if k not in wanted or not k[0].is_dir()]:
            try:
                self._observer.unschedule(self._watched.pop(key))
            except (KeyError, OSError):
                pass
        for folder, recursive in wanted - self._watched.keys():
            try:
                self._watched[(folder, recursive)] = self._observer.schedule(self._handler, str(folder), recursive=recursive)
            except OSError as exc:
                print(f"briefgen: cannot watch {folder}: {exc.strerror or exc}", file=sys.stderr)


class Preview:
    """One `serve` run: config, output folder, state, and the rebuild step."""

    def __init__(self, options: ServeOptions, config: Config, output: Path, state: LiveState) -> None:
        self.options, self.config, self.output, self.state = options, config, output, state
        self.config_stale = False

    def rebuild(self, kinds: frozenset[ChangeKind], say: Callable[[str], None]) -> None:
        """Build once; publish a new epoch on success or the problems on failure."""
        started = time.perf_counter()
        self.state.publish(building=True)
        try:
            if ChangeKind.CONFIG in kinds or self.config_stale:
                self.config_stale = True
                self.config = load_config(self.options.config_path, self.options.overrides)
                self.config_stale = False
            result = build(self.config, BuildOptions(drafts=self.options.drafts, output=self.output))
        except ContentErrors as exc:
            return self._failed(exc.problems)
        except Exception as exc:  # a bug must not take the preview down with it
            traceback.print_exc()
            return self._failed((Problem("briefgen", None, f"internal error: {type(exc).__name__}: {exc}"),))
        snap = self.state.get()
        self.state.publish(
            epoch=f"{time.time_ns():x}", problems=(), has_site=True, building=False, builds=snap.builds + 1, base_path=self.config.base_path
        )
        what = ", ".join(sorted(k.value for k in kinds)) or "start"
        say(
            f"built in {time.perf_counter() - started:.2f} s ({what}): {result.parsed} files read, "
            f"{result.rendered} pages rendered, {result.reused} unchanged"
        )

    def _failed(self, problems: tuple[Problem, ...]) -> None:
        for problem in problems:
            print(problem, file=sys.stderr)
        count = len(problems)
        kept = "still serving the last good build" if self.state.get().has_site else "nothing to serve yet"
        print(f"briefgen: {count} problem{'s' if count != 1 else ''}; {kept}", file=sys.stderr, flush=True)
        snap = self.state.get()
        self.state.publish(problems=tuple(str(p) for p in problems), building=False, builds=snap.builds + 1)


def bind(host: str, port: int) -> PreviewServer | str:
    """Bind before building anything, so a busy port fails at once: the server, or why not."""
    try:
        return PreviewServer((host, port), socket.AF_INET6 if ":" in host else socket.AF_INET)
    except (OSError, OverflowError) as exc:
        if getattr(exc, "errno", None) == errno.EADDRINUSE:
            return f"port {port} is already in use on {host}; stop the other server or choose another with --port"
        if getattr(exc, "errno", None) == errno.EACCES:
            return f"not allowed to listen on port {port}; choose a port above 1023 with --port"
        return f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}"


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(options: ServeOptions, stop: threading.Event, ready: Callable[[str, Path], None] | None = None) -> int:
    """Run until `stop` is set (or Ctrl-C); the temporary output folder is removed on the way out."""
    config = load_config(options.config_path, options.overrides)
    server = bind(options.host, options.port)
    if isinstance(server, str):
        print(f"briefgen: {server}", file=sys.stderr)
        return 1
    if not is_loopback(options.host):
        print(f"briefgen: warning: listening on {options.host}: anyone who can reach this machine can read the preview", file=sys.stderr)
    tmp = Path(tempfile.mkdtemp(prefix="briefgen-serve-"))
    output = tmp / "site"
    state = LiveState(config.base_path)
    inbox = Inbox()
    server.RequestHandlerClass = make_handler(state, output, inbox)
    preview = Preview(options, config, output, state)
    observer, watches = _watch(inbox, layout_of(config, options.config_path))
    http = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="briefgen-http", daemon=True)
    try:
        http.start()
        url = _url(server, config.base_path)
        say(f"serving {url} (Ctrl-C to stop)")
        preview.rebuild(frozenset(), say)
        if ready is not None:
            ready(url, output)
        _loop(preview, inbox, watches, stop, say)
    except KeyboardInterrupt:
        pass
    finally:
        state.close()
        if http.is_alive():
            server.shutdown()
        server.server_close()
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=2)
        shutil.rmtree(tmp, ignore_errors=True)
    print("briefgen: stopped", flush=True)
    return 0


def _watch(inbox: Inbox, layout: Layout) -> tuple[BaseObserver, Watches]:
    """inotify where it can, polling where the system's watch limits are used up."""
    observer: BaseObserver = Observer()
    watches = Watches(observer, inbox)
    watches.sync(layout)
    try:
        observer.start()
    except OSError as exc:
        print(f"briefgen: watching files by polling ({exc.strerror or exc})", file=sys.stderr)
        observer = PollingObserver(timeout=0.5)
        watches = Watches(observer, inbox)
        watches.sync(layout)
        observer.start()
    return observer, watches


def _loop(preview: Preview, inbox: Inbox, watches: Watches, stop: threading.Event, say: Callable[[str], None]) -> None:
    while not stop.is_set():
        batch = inbox.take(stop)
        if not batch:
            continue
        layout = layout_of(preview.config, preview.options.config_path)
        kinds = classify(batch, layout)
        if kinds:
            watches.sync(layout)  # a templates/ or static/ folder may have just appeared
            preview.rebuild(kinds, say)
            watches.sync(layout_of(preview.config, preview.options.config_path))


def _url(server: PreviewServer, base_path: str) -> str:
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{base_path}"


def say(line: str) -> None:
    print(line, flush=True)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM stops at once, even mid-build, the way Ctrl-C does."""
    raise KeyboardInterrupt


def main(args) -> int:
    """The `serve` verb; SIGTERM stops it as cleanly as Ctrl-C."""
    if not 0 <= args.port <= 65535:
        print(f"briefgen serve: error: --port must be between 0 and 65535, not {args.port}", file=sys.stderr)
        return 2
    options = ServeOptions(args.config, {"base_url": getattr(args, "base_url", None)}, args.host, args.port, args.drafts)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return serve(options, threading.Event())
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
