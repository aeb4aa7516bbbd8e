"""The SVG builders on small inputs: golden output, plus the rules each must keep."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from briefgen import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def _labelled(root: ET.Element) -> None:
    """Title and description exist and are what the SVG says it is labelled by."""
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_sparkline_golden(golden) -> None:
    svg = charts.sparkline("s", charts.month_series([("2021/11", 2), ("2022/02", 5)]), "NATO")
    _labelled(_parse(svg))
    golden("charts/sparkline.svg", str(svg).encode())


def test_month_calendar_golden(golden) -> None:
    svg = charts.month_calendar(2021, 12, {16: 1, 26: 3}, lambda d: f"/dates/2021/12/{d:02d}/", 3)
    root = _parse(svg)
    _labelled(root)
    links = root.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/dates/2021/12/16/", "/dates/2021/12/26/"]
    assert links[1].get("aria-label") == "26 December 2021: 3 dispatches"
    golden("charts/calendar-2021-12.svg", str(svg).encode())


def test_thread_strip_golden(golden) -> None:
    points = [
        (dt.date(2021, 12, 16), "First", "/dispatches/a/", False),
        (dt.date(2021, 12, 26), "Second", "/dispatches/b/", True),
        (dt.date(2022, 1, 26), "Third & last", "/dispatches/c/", False),
    ]
    svg = charts.thread_strip("t", "Talks", points)
    root = _parse(svg)
    _labelled(root)
    xs = [float(c.get("cx")) for c in root.iter(f"{SVG}circle")]
    assert xs == sorted(xs) and xs[0] == 10 and xs[-1] == 470
    golden("charts/thread-strip.svg", str(svg).encode())


def test_network_golden(golden) -> None:
    others = [("Russia", "state", "/actors/russia/", 4), ("Jens Stoltenberg", "person", "/actors/js/", 2), ("A very long organisation name indeed", "organization", "/actors/x/", 1)]
    svg = charts.network("n", ("NATO", "organization", "/actors/nato/"), others, [(0, 1, 2)])
    root = _parse(svg)
    _labelled(root)
    assert [a.get("href") for a in root.findall(f"{SVG}a")] == ["/actors/russia/", "/actors/js/", "/actors/x/"]
    golden("charts/network.svg", str(svg).encode())


def test_names_are_escaped() -> None:
    svg = charts.network("n", ('<b>"A&B"</b>', "other", "/a/?x=1&y=2"), [("C<D", "person", "/c/", 1)], [])
    root = _parse(svg)  # parses: nothing leaked as markup
    assert 'C<D' in "".join(root.itertext())
    assert "<b>" not in str(svg)


def test_month_series_fills_quiet_months_across_a_year_end() -> None:
    series = charts.month_series([("2021/11", 2), ("2022/02", 5)])
    assert series == [("2021/11", 2), ("2021/12", 0), ("2022/01", 0), ("2022/02", 5)]
    assert charts.month_series([]) == []


@pytest.mark.parametrize(("n", "peak", "level"), [(0, 5, 0), (1, 1, 1), (1, 5, 1), (3, 5, 3), (5, 5, 4), (9, 9, 4)])
def test_heat_levels(n: int, peak: int, level: int) -> None:
    assert charts.heat_level(n, peak) == level


def test_empty_inputs_draw_nothing() -> None:
    assert charts.sparkline("s", [], "X") == ""
    assert charts.thread_strip("t", "X", []) == ""
    assert charts.network("n", ("X", "other", "/x/"), [], []) == ""


def test_relation_text() -> None:
    assert charts.relation_text(["Stoltenberg", "NATO-Russia Council"], [], False, 2) == "shared: Stoltenberg, NATO-Russia Council; 2 days apart"
    assert charts.relation_text([], ["ukraine"], True, 0) == "shared: ukraine, same thread; same day"
    assert charts.relation_text([], [], False, 1) == "1 day apart"
