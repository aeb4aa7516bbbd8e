"""`briefgen serve`: build, serve the last complete build, rebuild on change, reload pages.

Three parts, as in MkDocs' live reload: an HTTP thread serving the output folder from
a temporary folder of its own (so `site/` stays as `briefgen build` left it); a
watchdog observer whose callback only records events; and the main loop, which waits
for the events of one save to settle, builds with `commands.build.build`, and publishes
the outcome: a new reload epoch on success, the list of problems on failure. This
module is the command (options, binding, watching, rebuilding, cleanup); what the HTTP
thread answers, and how pages learn of each outcome, is `briefgen.preview`.
"""

from __future__ import annotations

import errno
import functools
import ipaddress
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from briefgen.commands.build import BuildOptions, build
from briefgen.config import CONFIG_NAME, Config, language_warning, load_config
from briefgen.errors import ContentErrors, Problem
from briefgen.i18n import SITE_DIR as I18N_DIR
from briefgen.preview import LiveState, PreviewServer, make_handler
from briefgen.session import Session
from briefgen.watch import ChangeKind, Event, Layout, classify
from briefgen.write import spare_for

QUIET = 0.1
"""Seconds without a new event before a batch is built: an editor's save is one batch."""
MAX_WAIT = 1.0
"""A stream of events (a `git checkout`) still rebuilds this often."""
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C and `kill` stop the server at once, even mid-build."""


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



@dataclass(frozen=True, slots=True)
class ServeOptions:
    config_path: Path
    overrides: dict[str, Any]
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False


def layout_of(config: Config, config_path: Path) -> Layout:
    return Layout(config_path.resolve(), config.content_dir, config.templates_dir, config.static_dir, config.root / I18N_DIR)


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
        self.session = Session()

    def rebuild(self, kinds: frozenset[ChangeKind], say: Callable[[str], None]) -> None:
        """Build once; publish a new epoch on success or the problems on failure. The pages
        of the dispatches just saved are published as soon as they are made."""
        started = time.perf_counter()
        epoch = f"{time.time_ns():x}"  # chosen now: the pages shown early carry it
        self.state.publish(building=True)
        try:
            if ChangeKind.CONFIG in kinds or self.config_stale:
                self.config_stale = True
                self.config = load_config(self.options.config_path, self.options.overrides)
                self.config_stale = False
            early = functools.partial(self._show_early, epoch=epoch)
            options = BuildOptions(drafts=self.options.drafts, output=self.output, session=self.session, early=early)
            result = build(self.config, options)
        except ContentErrors as exc:
            return self._failed(exc.problems)
        except Exception as exc:  # a bug must not take the preview down with it
            traceback.print_exc()
            return self._failed((Problem("briefgen", None, f"internal error: {type(exc).__name__}: {exc}"),))
        snap = self.state.get()
        self.state.publish(
            epoch=epoch, problems=(), has_site=True, building=False, builds=snap.builds + 1, base_path=self.config.base_path,
            words=self.config.catalogue,
            early={}, next_epoch="",
        )
        what = ", ".join(sorted(k.value for k in kinds)) or "start"
        say(
            f"built in {time.perf_counter() - started:.2f} s ({what}): {result.parsed} files read, "
            f"{result.rendered} pages rendered, {result.reused} unchanged"
        )

    def _show_early(self, pages: dict[str, bytes], epoch: str) -> None:
        """Serve the pages of the dispatches just saved until the build of `epoch` is done.
        Only over a good build: before the first one there is no site to show them in, and
        after a failed one every page says it shows the last good build."""
        snap = self.state.get()
        if snap.has_site and not snap.problems:
            self.state.publish(early=pages, next_epoch=epoch)

    def _failed(self, problems: tuple[Problem, ...]) -> None:
        for problem in problems:
            print(problem, file=sys.stderr)
        count = len(problems)
        kept = "still serving the last good build" if self.state.get().has_site else "nothing to serve yet"
        print(f"briefgen: {count} problem{'s' if count != 1 else ''}; {kept}", file=sys.stderr, flush=True)
        snap = self.state.get()
        self.state.publish(problems=tuple(str(p) for p in problems), building=False, builds=snap.builds + 1, early={}, next_epoch="")


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
    warning = language_warning(config)
    if warning is not None:
        print(f"{CONFIG_NAME}: warning: {warning}", file=sys.stderr)
    if not is_loopback(options.host):
        print(f"briefgen: warning: listening on {options.host}: anyone who can reach this machine can read the preview", file=sys.stderr)
    tmp = Path(tempfile.mkdtemp(prefix="briefgen-serve-"))
    output = tmp / "site"
    state = LiveState(config.base_path, config.catalogue)
    inbox = Inbox()
    server.RequestHandlerClass = make_handler(state, output, inbox.pending)
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
        spare = spare_for(preview.config.cache_dir, output)  # the preview's own spare, if kept in the cache
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(spare, ignore_errors=True)
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
    """Stop the way Ctrl-C does in any Python program: the build in progress, if any, is
    abandoned and `serve` cleans up on its way out."""
    raise KeyboardInterrupt


def _stop_on_signals() -> dict[int, Any]:
    """Make SIGINT and SIGTERM stop the server; return the handlers they had. SIGINT too,
    not left to Python: a process started by a shell without job control (`briefgen
    serve &` in a script, or under a test run started that way) inherits SIGINT ignored,
    and Python then installs no Ctrl-C handler, so the server would never stop."""
    previous = {signum: signal.signal(signum, _terminate) for signum in STOP_SIGNALS}
    return {signum: handler for signum, handler in previous.items() if handler is not None}


def main(args) -> int:
    """The `serve` verb; SIGINT and SIGTERM stop it cleanly, however it was started."""
    if not 0 <= args.port <= 65535:
        print(f"briefgen serve: error: --port must be between 0 and 65535, not {args.port}", file=sys.stderr)
        return 2
    options = ServeOptions(args.config, {"base_url": getattr(args, "base_url", None)}, args.host, args.port, args.drafts)
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        previous = _stop_on_signals()
    try:
        return serve(options, threading.Event())
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
