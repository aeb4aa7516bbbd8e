"""Every Atom feed and actors.opml as the W3C Feed Validation Service reads them.

The service's validator is not on PyPI: its package is carried under tests/vendor/ (see
the README there) and run offline, each file checked as if fetched from its own URL, so
that the validator also compares each feed's `rel="self"` link with where it is.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.validators.conftest import BASE, missing

VENDOR = ROOT / "tests" / "vendor"

JUSTIFIED = {
    "DuplicateUpdated": "dispatches dated by their day alone are stamped at noon UTC of it "
                        "(SPEC: so every reader shows that day), so dispatches of one day share "
                        "an <updated>; the validator notes it for readers that sort by it alone",
}
"""Warnings left as they are, and why. Any other warning, and every error, fails."""
JUSTIFIED_IN = {
    "editions/feed.xml": {
        "DangerousStyleAttr": "an edition's entry is its email, every element styled inline for mail "
                              "clients: max-width keeps it to 600 px, overflow-wrap breaks a long word "
                              "on a phone, and the hidden preheader needs max-height, opacity and mso-hide. "
                              "The validator's list of safe properties is a 2006 sanitiser's, and a reader "
                              "that distrusts one drops it (tests/cli/test_editions.py pins which ones)",
    },
}
"""Warnings left as they are in one feed, and why."""

ATOM_BROKEN = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><updated>yesterday</updated>
<entry><title>E</title></entry></feed>
"""


@pytest.fixture(scope="module")
def feedvalidator() -> ModuleType:
    """The vendored validator (its import sets a default socket timeout for the whole
    process, for the web service's fetching; the previous one is put back)."""
    try:
        import html5lib  # noqa: F401 - the validator checks feeds' HTML with it
    except ImportError:
        missing("html5lib is not installed (pip install -e '.[test]')")
    timeout = socket.getdefaulttimeout()
    sys.path.insert(0, str(VENDOR))
    try:
        import feedvalidator
        import feedvalidator.i18n.en  # noqa: F401 - the messages
    finally:
        sys.path.remove(str(VENDOR))
        socket.setdefaulttimeout(timeout)
    return feedvalidator


def validate(feedvalidator: ModuleType, data: bytes, url: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) of one file, each as 'line N: KIND: message'."""
    from feedvalidator.i18n.en import messages
    from feedvalidator.logging import Error, Warning

    def say(event: Any) -> str:
        kind = type(event).__name__
        text = next((messages[c] for c in type(event).__mro__ if c in messages), kind)
        try:
            text = text % event.params
        except (KeyError, TypeError, ValueError):
            pass
        return f"line {event.params.get('line', '?')}: {kind}: {text}"

    events = feedvalidator.validateString(data, firstOccurrenceOnly=0, base=url)["loggedEvents"]
    return [say(e) for e in events if isinstance(e, Error)], [say(e) for e in events if isinstance(e, Warning)]


def feeds(site: Path) -> list[Path]:
    return sorted(site.rglob("feed.xml")) + [site / "actors.opml"]


def test_the_validator_finds_the_errors_of_a_broken_feed(feedvalidator: ModuleType) -> None:
    errors, _ = validate(feedvalidator, ATOM_BROKEN, BASE + "feed.xml")
    assert any("MissingElement" in e for e in errors) and any("InvalidRFC3339Date" in e for e in errors), errors


def test_every_feed_and_the_opml_are_valid(feedvalidator: ModuleType, project_site: Path) -> None:
    files = feeds(project_site)
    kinds = {f.relative_to(project_site).parts[0] for f in files}
    assert {"feed.xml", "actors", "topics", "threads", "regions", "actors.opml"} <= kinds, kinds
    report = []
    for file in files:
        rel = file.relative_to(project_site).as_posix()
        errors, warnings = validate(feedvalidator, file.read_bytes(), BASE + rel)
        report += [f"{rel}: {e}" for e in errors]
        report += [f"{rel}: {w}" for w in warnings if w.split(": ")[1] not in {**JUSTIFIED, **JUSTIFIED_IN.get(rel, {})}]
    assert not report, "\n".join(report[:50])


def test_a_feed_whose_self_link_is_elsewhere_is_caught(feedvalidator: ModuleType, project_site: Path) -> None:
    """The check above compares each feed's self link with the URL it is read from."""
    data = (project_site / "feed.xml").read_bytes()
    errors, warnings = validate(feedvalidator, data, "https://elsewhere.example/feed.xml")
    assert any("SelfDoesntMatchLocation" in m for m in errors + warnings), errors + warnings
