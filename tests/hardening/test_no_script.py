"""A hostile corpus builds, and no page of it runs a script or shows an injected element.

Every field a user writes carries script and event-handler payloads; bodies carry
`javascript:`, `data:` and `vbscript:` links and images in every disguise, and raw HTML.
Each built page is opened in headless Chromium (Debian's, driven by Playwright) served
over HTTP; a dialog or an element with id `pwned` means a payload ran or was injected.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import serve_folder, run_cli, write_site

ATOM = "{http://www.w3.org/2005/Atom}"

IMG = "<img id=pwned src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
SVG = "<svg id=pwned onload=alert(1)>"
QUOTES = "\" onmouseover=\"alert(1)\" x=\"' onfocus='alert(1)' autofocus x='"
BREAKOUT = "</title></textarea></script>" + SCRIPT + IMG
ALL = f"{SCRIPT}{IMG}{SVG}{QUOTES}{BREAKOUT}"

TITLE = f"Talks {ALL} resume"
EVENT = f"Vote {IMG}{SCRIPT}"


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


BODY = f"""\
First paragraph {IMG} with {SCRIPT} and {SVG} inline.

<div onclick="alert(1)"><img id=pwned src=x onerror=alert(1)></div>

<script>alert(1)</script>

<iframe src="javascript:alert(1)"></iframe>

[plain](javascript:alert(1)) [mixed](JaVaScRiPt:alert(1)) [spaced]( javascript:alert(1))
[entity](&#106;avascript:alert(1)) [hex](&#x6A;avascript&#x3A;alert(1)) [tab](java&#9;script:alert(1))
[newline](java&#10;script:alert(1)) [vb](vbscript:msgbox(1)) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[datahtml](data:text/html,<script>alert(1)</script>) [ref][r] <javascript:alert(1)> <JAVASCRIPT:alert(1)>

![img](javascript:alert(1)) ![svg](data:image/svg+xml,<svg onload=alert(1)>) ![vb](VBScript:msgbox(1))
![ok](https://example.org/x.png "{QUOTES}") [title](https://example.org "{QUOTES}")

| head {IMG} | <b onmouseover=alert(1)>x</b> |
|---|---|
| {SCRIPT} | [cell](javascript:alert(1)) |

Footnote[^1].

[^1]: Note {IMG} [x](javascript:alert(1))

[r]: javascript:alert(1)
"""

ACTORS = f"""\
nato:
  name: {_q("NATO " + IMG)}
  kind: organization
  aliases: [{_q(SCRIPT + "Alliance")}, {_q(SVG)}]
  description: {_q("Desc " + ALL)}
evil:
  name: {_q(QUOTES + SCRIPT)}
  affiliations: [nato]
"""

FILES = {
    "config.yaml": f"title: {_q('Brief ' + SCRIPT)}\ndescription: {_q(IMG)}\nbase_url: /\n",
    "content/actors.yaml": ACTORS,
    "content/a.md": f"""\
---
title: {_q(TITLE)}
date: 2021-12-26
actors: [nato, evil, {_q("Implicit " + IMG)}]
summary: {_q("Summary " + ALL)}
topics: [{_q("topic " + SCRIPT)}, {_q(IMG)}]
thread: t
location: {_q("Brussels " + SVG)}
source: {{name: {_q("TASS " + IMG)}, url: "https://tass.com/?q=<script>alert(1)</script>&x=\\"'"}}
events:
  - {{date: 2030-01-12, title: {_q(EVENT)}}}
  - {{date: 2020-01-12, title: {_q("Past " + SVG)}}}
{_q("extra " + SCRIPT)}: {_q(IMG)}
onload: {_q("alert(1)")}
---
{BODY}""",
    "content/b.md": f"""\
---
title: Second {SCRIPT.replace('<', '&lt;')}
date: 2021-12-27
actors: [NATO, {_q(SCRIPT + "Alliance")}]
related: [a]
thread: t
---
Mentions NATO {IMG} and {SCRIPT}Alliance.
""",
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_site(tmp_path_factory.mktemp("hostile"), FILES)
    result = run_cli("build", cwd=root)
    assert result.code == 0, result.err
    return root / "site"


@pytest.fixture(scope="module")
def served(hostile_site: Path) -> Iterator[str]:
    with serve_folder(hostile_site) as origin:
        yield origin


def page_urls(site: Path) -> list[str]:
    return sorted("/" + p.relative_to(site).as_posix().removesuffix("index.html") for p in site.rglob("*.html"))


INSPECT = """() => {
  const bad = [];
  if (document.getElementById('pwned')) bad.push('element #pwned exists');
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) bad.push(el.tagName + ' has ' + attr.name);
      if (['href', 'src', 'action', 'formaction', 'data'].includes(attr.name.toLowerCase())) {
        const v = attr.value.replace(/[\\x00-\\x20]/g, '').toLowerCase();
        if (/^(javascript|vbscript|data):/.test(v)) bad.push(el.tagName + ' ' + attr.name + '=' + attr.value);
      }
    }
  }
  for (const tag of ['iframe', 'object', 'embed', 'main svg[id]', 'main svg[onload]']) {
    for (const el of document.querySelectorAll(tag)) bad.push('injected <' + tag + '>');
  }
  for (const s of document.scripts) {
    if (s.type === 'application/ld+json') {  // data for search engines, never run: it must stay one JSON value
      try { JSON.parse(s.textContent); } catch (e) { bad.push('JSON-LD that is not JSON: ' + s.textContent.slice(0, 80)); }
      continue;
    }
    if (!s.src || s.textContent.includes('alert')) bad.push('inline script: ' + s.outerHTML.slice(0, 80));
  }
  return bad;
}"""


def test_no_page_runs_a_payload(hostile_site: Path, served: str, browser):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    urls = page_urls(hostile_site)
    assert len(urls) > 20
    findings: list[str] = []
    page = browser.new_page()  # the session's one browser
    page.on("dialog", lambda d: (findings.append(f"dialog on {page.url}: {d.message}"), d.dismiss()))
    for url in urls + ["/search/?q=talks", "/search/?q=" + "%3Cimg%20id%3Dpwned%20src%3Dx%20onerror%3Dalert(1)%3E"]:
        page.goto(served + url, wait_until="load")
        if url.startswith("/search/?q="):
            try:  # let the script run the query and show its results
                page.wait_for_function("/found|unavailable/.test(document.getElementById('search-status').textContent)", timeout=5000)
            except PlaywrightTimeout:
                findings.append(f"{url}: the search never finished")
            status = page.text_content("#search-status") or ""
            if "talks" in url and "found" in status:  # the hostile title is among the results
                assert page.locator("#search-results li").count() >= 1
        page.mouse.move(200, 200)
        page.keyboard.press("Tab")
        findings += [f"{url}: {b}" for b in page.evaluate(INSPECT)]
    page.close()
    assert findings == []


def test_payloads_are_shown_as_text(hostile_site: Path):
    """The reader sees exactly what the editor wrote, escaped rather than dropped."""
    html = (hostile_site / "dispatches/a/index.html").read_text(encoding="utf-8")
    assert "Talks &lt;script&gt;alert(1)&lt;/script&gt;&lt;img id=pwned" in html
    assert "<script>alert" not in html and "<img id=pwned" not in html
    assert 'href="javascript' not in html.lower() and "vbscript:" not in html.lower().replace("vbscript:msgbox(1))", "")


def test_a_javascript_source_url_is_refused(make_site):
    for url in ("javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,x", "vbscript:x", "//evil.example/"):
        root = make_site({"content/a.md": f"---\ntitle: t\ndate: 2021-12-26\nactors: [x]\nsource: {{name: n, url: {_q(url)}}}\n---\n"})
        result = run_cli("build", cwd=root)
        assert result.code == 1 and "content/a.md:5: 'source'" in result.err and "must be an http(s) URL" in result.err, url


def _xml_files(site: Path) -> list[Path]:
    return sorted([*site.rglob("*.xml"), *site.rglob("*.opml")])


def test_feeds_and_sitemap_are_well_formed_and_keep_the_text(hostile_site: Path):
    files = _xml_files(hostile_site)
    assert len(files) > 5
    for path in files:
        ET.parse(path)  # raises on anything malformed
    feed = ET.parse(hostile_site / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert TITLE in titles
    assert feed.findtext(f"{ATOM}title") == "Brief " + SCRIPT
    opml = ET.parse(hostile_site / "actors.opml").getroot()
    assert any(o.get("text", "").endswith("NATO " + IMG) or o.get("title", "").endswith("NATO " + IMG) for o in opml.iter("outline"))


def _unfold(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def _ics_unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_calendar_lines_are_crlf_folded_and_keep_the_text(hostile_site: Path):
    data = (hostile_site / "events.ics").read_bytes()
    assert data.endswith(b"\r\n")
    raw_lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in raw_lines)
    assert all(len(line) <= 75 for line in raw_lines), max(raw_lines, key=len)
    summaries = [_ics_unescape(line.removeprefix("SUMMARY:")) for line in _unfold(data) if line.startswith("SUMMARY:")]
    assert EVENT in summaries and "Past " + SVG in summaries
    descriptions = [_ics_unescape(line.removeprefix("DESCRIPTION:")) for line in _unfold(data) if line.startswith("DESCRIPTION:")]
    assert "Reported in: " + TITLE in descriptions
