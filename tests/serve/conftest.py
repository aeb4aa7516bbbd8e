"""A running `briefgen serve` for tests: started in a thread on a free port, stopped after.

Tests talk to it over HTTP as a browser would; `settle()` waits, through the server's
own status endpoint, until the build for the last file change has been published.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

from briefgen import render
from briefgen.commands.serve import ServeOptions, serve
from briefgen.preview import STATUS_PATH
from tests.conftest import dispatch, write_site


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Live:
    """One server: its root URL, the project it watches and the folder it serves."""

    root: Path
    url: str
    output: Path
    port: int
    stop: threading.Event = field(default_factory=threading.Event)

    def get(self, target: str, method: str = "GET") -> Response:
        """One request with the target sent exactly as given (no client-side normalising)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
            conn.endheaders()
            res = conn.getresponse()
            return Response(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
        finally:
            conn.close()

    def raw(self, request: bytes) -> bytes:
        """Bytes on the wire, for requests http.client refuses to send (a NUL in the path)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def status(self) -> dict:
        return json.loads(self.get(STATUS_PATH).body)

    def settle(self, builds_before: int, timeout: float = 15.0) -> dict:
        """Wait until a build after `builds_before` has finished and no change is pending."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.status()
            if state["builds"] > builds_before and not state["busy"]:
                time.sleep(0.3)  # a late event from the same save would show up as busy here
                again = self.status()
                if not again["busy"] and again["builds"] == state["builds"]:
                    return again
            time.sleep(0.03)
        raise AssertionError(f"no rebuild within {timeout} s: {self.status()}")

    def change(self, action: Callable[[], object], timeout: float = 15.0) -> dict:
        """Do a file change and wait for the rebuild it causes."""
        before = self.status()["builds"]
        action()
        return self.settle(before, timeout)


def start(root: Path, host: str = "127.0.0.1", drafts: bool = False) -> tuple[Live, threading.Thread]:
    """Serve `root` in a thread; returns once the first build has been published."""
    ready = threading.Event()
    found: dict[str, object] = {}

    def on_ready(url: str, output: Path) -> None:
        found.update(url=url, output=output)
        ready.set()

    stop = threading.Event()
    options = ServeOptions(root / "config.yaml", {}, host, 0, drafts)
    thread = threading.Thread(target=serve, args=(options, stop, on_ready), daemon=True)
    thread.start()
    if not ready.wait(30):
        stop.set()
        raise AssertionError("the server did not start")
    url = str(found["url"])
    port = int(url.split(":")[2].split("/")[0])
    return Live(root, url, Path(str(found["output"])), port, stop), thread


@pytest.fixture
def serve_site(tmp_path: Path) -> Iterator[Callable[..., Live]]:
    """Factory: write a project from strings (or take a folder) and serve it."""
    running: list[tuple[Live, threading.Thread]] = []

    def make(files: dict[str, str | bytes] | Path, **kwargs) -> Live:
        root = files if isinstance(files, Path) else write_site(tmp_path / "project", files)
        live, thread = start(root, **kwargs)
        running.append((live, thread))
        return live

    yield make
    for live, thread in running:
        live.stop.set()
        thread.join(10)
        assert not thread.is_alive(), "the server did not stop"


def hold_rendering(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Make the next build wait once it has rendered the site, before it swaps it in (after
    the model and the early pages): `held` is set then, and it goes on once `release` is set."""
    held, release = threading.Event(), threading.Event()
    real_gathered = render.gathered

    def held_gathered(*args, **kwargs):
        held.set()
        release.wait(10)
        return real_gathered(*args, **kwargs)

    monkeypatch.setattr(render, "gathered", held_gathered)
    return held, release


SMALL_SITE = {
    "content/alpha.md": dispatch("Alpha proposal", "2021-12-26", "[NATO, Russia]", "Alpha body.", topics="[european security]"),
    "content/beta.md": dispatch("Beta reply", "2021-12-27", "[Russia]", "Beta body.", related="[alpha]"),
    "static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    "static/pixel.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 16,
    "static/photo.jpg": b"\xff\xd8\xff\xe0" + b"\0" * 16,
}
