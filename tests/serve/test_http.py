"""`briefgen serve` over HTTP: pages, content types, HEAD, redirects, 404s and traversal."""

from __future__ import annotations

import re
import socket

import pytest

from tests.conftest import run_cli, write_site
from tests.serve.conftest import SMALL_SITE, start

SECRET = "top-secret-do-not-serve"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One server for the read-only tests of this module."""
    root = write_site(tmp_path_factory.mktemp("http") / "project", {**SMALL_SITE, "config.yaml": f"title: Test Briefing\n# {SECRET}\n"})
    server, thread = start(root)
    yield server
    server.stop.set()
    thread.join(10)


def test_pages_are_served_with_the_reload_script_which_built_files_lack(live) -> None:
    page = live.get("/dispatches/alpha/")
    assert page.status == 200
    assert "Alpha proposal" in page.text
    assert page.text.count('id="briefgen-live"') == 1
    assert page.text.rstrip().endswith("</html>"), "the script goes inside the body"
    built = (live.output / "dispatches" / "alpha" / "index.html").read_bytes()
    assert b"briefgen-live" not in built and b"__briefgen" not in built
    injected = re.search(rb'<script id="briefgen-live">.*?</script>', page.body, re.S).group(0)
    assert page.body.replace(injected, b"") == built, "apart from the script, the built page as it is"
    assert not (live.root / "site").exists(), "serve never writes the project's site/"


def test_home_and_folders_without_a_slash(live) -> None:
    assert "Beta reply" in live.get("/").text
    moved = live.get("/dispatches/beta")
    assert (moved.status, moved.headers["location"]) == (302, "/dispatches/beta/")
    assert live.get("/dispatches/beta/?utm=x").status == 200
    doubled = live.get("//dispatches")
    assert (doubled.status, doubled.headers["location"]) == (302, "/dispatches/"), "never a redirect to another host"


def test_missing_pages_get_the_sites_404_page_with_the_script(live) -> None:
    page = live.get("/dispatches/nope/")
    assert page.status == 404
    assert "briefgen-live" in page.text
    assert page.body.startswith((live.output / "404.html").read_bytes()[:40])


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/assets/search.js", "text/javascript; charset=utf-8"),
        ("/feed.xml", "application/xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/search-index.json", "application/json"),
        ("/data/actors.json", "application/json"),
        ("/events.ics", "text/calendar; charset=utf-8"),
        ("/assets/favicon.svg", "image/svg+xml"),
        ("/logo.svg", "image/svg+xml"),
        ("/pixel.png", "image/png"),
        ("/photo.jpg", "image/jpeg"),
    ],
)
def test_content_types(live, path: str, expected: str) -> None:
    res = live.get(path)
    assert res.status == 200, path
    assert res.headers["content-type"] == expected
    assert res.headers["x-content-type-options"] == "nosniff"


def test_only_html_gets_the_script(live) -> None:
    for path in ("/feed.xml", "/assets/style.css", "/search-index.json", "/logo.svg"):
        res = live.get(path)
        rel = path.lstrip("/").replace("assets/", "assets/", 1)
        assert res.body == (live.output / rel).read_bytes(), path


@pytest.mark.parametrize("path", ["/dispatches/alpha/", "/feed.xml", "/pixel.png", "/nope/"])
def test_head_has_the_headers_of_get_and_no_body(live, path: str) -> None:
    got, head = live.get(path), live.get(path, "HEAD")
    assert head.status == got.status
    assert head.body == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.body)


@pytest.mark.parametrize(
    "target",
    [
        "/../config.yaml",
        "/../../../../etc/passwd",
        "/%2e%2e/config.yaml",
        "/%2E%2E/%2E%2E/config.yaml",
        "/..%2fconfig.yaml",
        "/%2e%2e%2fconfig.yaml",
        "/dispatches/..%2f..%2f..%2fconfig.yaml",
        "/..\\config.yaml",
        "/%5c..%5cconfig.yaml",
        "/dispatches/%5C..%5C..%5Cconfig.yaml",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/index.html%00.txt",
        "/%c0%ae%c0%ae/config.yaml",
        "http://127.0.0.1/../config.yaml",
        "config.yaml",
        "*",
    ],
)
def test_no_request_leaves_the_output_folder(live, target: str) -> None:
    res = live.get(target)
    assert res.status in (400, 404), target
    assert SECRET not in res.text
    assert "/etc/passwd" not in target or "root:" not in res.text


def test_absolute_paths_and_nul_bytes(live) -> None:
    absolute = live.get(str(live.root / "config.yaml"))
    assert absolute.status == 404 and SECRET not in absolute.text
    for request in (b"GET /\x00/../config.yaml HTTP/1.0\r\n\r\n", b"GET /config.yaml\x00 HTTP/1.0\r\n\r\n"):
        answer = live.raw(request)
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 400
        assert status in (400, 404) and SECRET.encode() not in answer


def test_a_file_beside_the_output_is_not_reachable(live) -> None:
    outside = live.output.parent / "outside.txt"
    outside.write_text(SECRET)
    try:
        for target in ("/../outside.txt", "/%2e%2e/outside.txt", "/..%2foutside.txt"):
            assert SECRET not in live.get(target).text
    finally:
        outside.unlink()


def test_a_subpath_base_url_is_served_under_its_prefix(serve_site) -> None:
    live = serve_site({**SMALL_SITE, "config.yaml": "title: Sub\nbase_url: https://user.github.io/repo/\n"})
    assert live.url.endswith("/repo/")
    root = live.get("/")
    assert (root.status, root.headers["location"]) == (302, "/repo/")
    assert live.get("/repo").headers["location"] == "/repo/"
    home = live.get("/repo/")
    assert home.status == 200 and "Beta reply" in home.text
    links = set(re.findall(r'href="(/[^"]*)"', home.text))
    assert links and all(link.startswith("/repo/") for link in links)
    for link in sorted(links)[:30]:
        assert live.get(link).status == 200, link
    assert live.get("/dispatches/alpha/").status == 404
    assert live.get("/repo/../config.yaml").status in (400, 404)


def test_a_busy_port_is_one_clear_line_and_exit_1(tmp_path, make_site) -> None:
    root = make_site(SMALL_SITE)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), "--config", str(root / "config.yaml"))
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and f"port {port} is already in use" in lines[0], result.err
    assert "Traceback" not in result.err


def test_listening_beyond_loopback_warns(serve_site, capsys) -> None:
    live = serve_site(SMALL_SITE, host="0.0.0.0")
    assert live.get("/").status == 200
    assert "warning: listening on 0.0.0.0" in capsys.readouterr().err


def test_loopback_is_the_default_and_does_not_warn(serve_site, capsys) -> None:
    live = serve_site(SMALL_SITE)
    assert live.url.startswith("http://127.0.0.1:")
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--port", "70000"), 2, "--port must be between 0 and 65535"),
    (("--host", "no-such-host.invalid"), 1, "cannot listen on no-such-host.invalid:"),
])
def test_bad_ports_and_hosts_are_one_line_errors(make_site, args, code: int, message: str) -> None:
    root = make_site(SMALL_SITE)
    result = run_cli("serve", *args, "--config", str(root / "config.yaml"))
    assert result.code == code
    assert message in result.err and len(result.err.strip().splitlines()) == 1, result.err
