"""events.ics as a calendar holds it: each event links to its dispatch, and an event that
several dispatches declare (the same date and title) is one event, not one per dispatch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefgen.fields import event_uid
from tests.conftest import dispatch, run_cli

SUMMIT = "\n  - {date: 2022-01-12, title: NATO-Russia Council in Brussels}"
SITE = {
    "config.yaml": "title: T\nbase_url: https://brief.example.org/brief/\n",
    "content/announced.md": dispatch("Council announced", "2022-01-02", events=SUMMIT),
    "content/confirmed.md": dispatch("Council confirmed", "2022-01-09", events=SUMMIT + "\n  - {date: 2022-01-13, title: OSCE council}"),
}


def vevents(root: Path) -> list[dict[str, str]]:
    """Each VEVENT of the built events.ics as {property: value}, its folded lines unfolded."""
    text = (root / "site/events.ics").read_bytes().decode("utf-8").replace("\r\n ", "")
    events, current = [], None
    for line in text.split("\r\n"):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
    return events


def test_an_event_two_dispatches_declare_is_one_event(make_site) -> None:
    root = make_site(SITE)
    assert run_cli("build", cwd=root).code == 0
    council, osce = vevents(root)
    assert council["SUMMARY"] == "NATO-Russia Council in Brussels"
    assert council["UID"] == f"{event_uid(dt.date(2022, 1, 12), 'NATO-Russia Council in Brussels')}@briefgen"
    assert council["URL"] == "https://brief.example.org/brief/dispatches/announced/", "the first dispatch's"
    assert council["DESCRIPTION"] == (
        "Reported in: Council announced (https://brief.example.org/brief/dispatches/announced/)\\; "
        "Council confirmed (https://brief.example.org/brief/dispatches/confirmed/)"
    )
    assert council["DTSTAMP"] == "20220109T000000Z", "stamped when last declared"
    assert osce["URL"] == "https://brief.example.org/brief/dispatches/confirmed/"
    assert osce["DESCRIPTION"] == "Reported in: Council confirmed"


def test_an_events_uid_comes_from_its_date_and_title_alone(make_site) -> None:
    """Renaming a dispatch, or a second dispatch declaring the event, keeps its UID, so a
    subscribed calendar updates the event instead of adding another."""
    root = make_site({**SITE, "content/confirmed.md": dispatch("Council confirmed", "2022-01-09")})
    assert run_cli("build", cwd=root).code == 0
    [alone] = vevents(root)
    (root / "content/announced.md").rename(root / "content/council-announced.md")
    (root / "content/confirmed.md").write_text(SITE["content/confirmed.md"], encoding="utf-8")
    assert run_cli("build", cwd=root).code == 0
    assert vevents(root)[0]["UID"] == alone["UID"]


def test_every_event_carries_its_dispatchs_url(copy_site) -> None:
    root = copy_site("example")
    assert run_cli("build", "--base-url", "https://example.github.io/brief/", cwd=root).code == 0
    events = vevents(root)
    assert events and all(e["URL"].startswith("https://example.github.io/brief/dispatches/") for e in events)
    titles = [(e["DTSTART"], e["SUMMARY"]) for e in events]
    assert len(titles) == len(set(titles)), "one VEVENT per date and title"
