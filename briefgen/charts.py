"""Pictures drawn at build time (inline SVG), offered to templates as globals.

The builders are pure functions of small plain inputs (counts, names, links), so they
can be golden-tested; `chart_globals` adapts the read-only `Site` to them. Colours come
from CSS classes of the page stylesheet, so the pictures follow dark mode and print.
Every picture carries `<title>`/`<desc>` and works without JavaScript.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
from collections import Counter
from itertools import combinations
from typing import Any, Callable, Sequence

from markupsafe import Markup, escape

from briefgen.i18n import Catalogue, english
from briefgen.model import RelatedLink, Site
from briefgen.urls import Urls

NETWORK_SIZE = 10


def _num(value: float) -> str:
    """Coordinates with at most one decimal, so output is stable and short."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _open(ident: str, width: float, height: float, title: str, desc: str, cls: str, role: str = "img") -> str:
    """An SVG opening tag labelled by its own title and description."""
    return (
        f'<svg class="chart {cls}" viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" '
        f'height="{_num(height)}" role="{role}" aria-labelledby="{ident}-t {ident}-d" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )


def month_series(per_month: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Counts per `YYYY/MM` from the first to the last month, quiet months included as 0."""
    if not per_month:
        return []
    counts = dict(per_month)
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    series = []
    while True:
        key = f"{year:04d}/{month:02d}"
        series.append((key, counts.get(key, 0)))
        if key >= last:
            return series
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_of(words: Catalogue, key: str) -> str:
    """`December 2021` for `2021/12`."""
    return words.month_year(int(key[:4]), int(key[5:7]))


def sparkline(ident: str, series: Sequence[tuple[str, int]], subject: str, words: Catalogue | None = None) -> Markup:
    """Bars of dispatches per month; the text alternative names the peak and the span."""
    words = words or english()
    if not series:
        return Markup("")
    bar, gap, height = max(6, min(24, 160 // len(series))), 2, 40
    width = max(len(series) * (bar + gap) - gap, 1)
    peak = max(n for _, n in series)
    peak_month = next(m for m, n in series if n == peak)
    total = sum(n for _, n in series)
    rtl = words.direction == "rtl"  # months run the way the page reads
    desc = words.text(
        "chart.spark.desc", count=words.text("count.dispatches", n=total), first=_month_of(words, series[0][0]),
        last=_month_of(words, series[-1][0]), peak_month=_month_of(words, peak_month), peak=peak,
    )
    parts = [_open(ident, width, height + 2, words.text("chart.spark.title", name=subject), desc, "sparkline")]
    parts.append(f'<line class="axis" x1="0" y1="{height + 1}" x2="{width}" y2="{height + 1}"/>')
    for i, (month, n) in enumerate(series):
        h = max(height * n / peak, 1.5) if n else 0
        if h:
            parts.append(
                f'<rect class="bar" x="{width - bar - i * (bar + gap) if rtl else i * (bar + gap)}" y="{_num(height - h)}" width="{bar}" '
                f'height="{_num(h)}"><title>{escape(_month_of(words, month))}: {escape(words.number(n))}</title></rect>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def heat_level(n: int, peak: int) -> int:
    """0 for none, then 1–4 by share of the busiest day, so one busy day never hides the rest."""
    if n <= 0 or peak <= 0:
        return 0
    return min(4, 1 + int(3 * (n - 1) / max(peak - 1, 1) + 0.5)) if peak > 1 else 1


def month_calendar(year: int, month: int, counts: dict[int, int], href: Callable[[int], str], peak: int, words: Catalogue | None = None) -> Markup:
    """One month as a grid of weeks starting on the locale's first day (Monday in most of
    Europe, Sunday in the US); each day with dispatches links to its day page."""
    words = words or english()
    cell, gap, head = 20, 2, 16
    week = words.week()
    weeks = calendar.Calendar(firstweekday=week[0][0]).monthdayscalendar(year, month)
    width, height = 7 * (cell + gap) - gap, head + len(weeks) * (cell + gap) - gap
    name = words.month_year(year, month)
    busy = {d: n for d, n in counts.items() if n}
    total = sum(busy.values())
    desc = words.text("chart.calendar.desc", count=words.text("count.dispatches", n=total), days=words.text("count.days", n=len(busy))) if busy else words.text("chart.calendar.none")
    parts = [_open(f"cal-{year:04d}-{month:02d}", width, height, name, desc, "calendar", role="group")]
    rtl = words.direction == "rtl"  # the first day of the week on the right, as the page reads
    column = (lambda i: 6 - i) if rtl else (lambda i: i)
    for i, (_, letter) in enumerate(week):
        parts.append(f'<text class="wd" x="{column(i) * (cell + gap) + cell / 2:g}" y="11" aria-hidden="true">{escape(letter)}</text>')
    for row, week in enumerate(weeks):
        for col, day in enumerate(week):
            if not day:
                continue
            x, y = column(col) * (cell + gap), head + row * (cell + gap)
            n = busy.get(day, 0)
            label = escape(words.text("chart.calendar.day", date=words.long_date(dt.date(year, month, day)), count=words.text("count.dispatches", n=n)))
            rect = f'<rect class="h{heat_level(n, peak)}" x="{x}" y="{y}" width="{cell}" height="{cell}" rx="3"/>'
            text = f'<text x="{x + cell / 2:g}" y="{y + 14}" aria-hidden="true">{day}</text>'
            if n:
                parts.append(f'<a href="{escape(href(day))}" aria-label="{label}"><title>{label}</title>{rect}{text}</a>')
            else:
                parts.append(f"<g>{rect}{text}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def thread_strip(ident: str, name: str, points: Sequence[tuple[dt.date, str, str, bool]], words: Catalogue | None = None) -> Markup:
    """A thread as dots on a time line (spacing follows the calendar); the current one filled.

    `points` are (date, title, href, is_current), oldest first. Time runs the way the
    page's text does: right to left on a right-to-left page, as the stylesheet mirrors it.
    """
    words = words or english()
    if not points:
        return Markup("")
    width, height, pad = 480, 44, 10
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    rtl = words.direction == "rtl"
    desc = words.text("chart.strip.desc", count=words.text("count.dispatches", n=len(points)), first=words.long_date(first), last=words.long_date(last))
    parts = [_open(ident, width, height, words.text("chart.strip.title", name=name), desc, "strip", role="group")]
    parts.append(f'<line class="axis" x1="{pad}" y1="16" x2="{width - pad}" y2="16"/>')
    for when, title, link, current in points:
        x = pad + (width - 2 * pad) * (when - first).days / span if len(points) > 1 else width / 2
        x = width - x if rtl else x
        label = f"{when.isoformat()}: {title}"
        dot = f'<circle class="{"dot current" if current else "dot"}" cx="{_num(x)}" cy="16" r="{7 if current else 5}"/>'
        parts.append(f'<a href="{escape(link)}" aria-label="{escape(label)}"><title>{escape(label)}</title>{dot}</a>')
    start, end = (("lab end", width - pad), ("lab", pad)) if rtl else (("lab", pad), ("lab end", width - pad))
    parts.append(f'<text class="{start[0]}" x="{start[1]}" y="40">{first.isoformat()}</text>')
    if len(points) > 1:
        parts.append(f'<text class="{end[0]}" x="{end[1]}" y="40">{last.isoformat()}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(name: str, limit: int = 20) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def network(
    ident: str,
    center: tuple[str, str, str],
    others: Sequence[tuple[str, str, str, int]],
    edges: Sequence[tuple[int, int, int]],
    words: Catalogue | None = None,
) -> Markup:
    """A star of co-appearances: the actor in the middle, the actors it appears with around it.

    `center` is (name, kind, href); `others` are (name, kind, href, shared dispatches), most
    first; `edges` are (i, j, count) between others, drawn faintly behind.
    """
    words = words or english()
    if not others:
        return Markup("")
    width, height, cx, cy, radius = 560, 380, 280, 190, 140
    peak = max(n for *_, n in others)
    listed = words.text("reasons.separator").join(f"{name} {words.number(n)}" for name, _, _, n in others)
    desc = words.text("chart.network.desc", name=center[0], list=listed)
    parts = [_open(ident, width, height, words.text("chart.network.title", name=center[0]), desc, "network", role="group")]
    spots = []
    for i in range(len(others)):
        angle = -math.pi / 2 + 2 * math.pi * i / len(others)
        spots.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    for i, j, n in edges:
        (x1, y1), (x2, y2) = spots[i], spots[j]
        parts.append(f'<line class="edge faint" x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke-width="{_num(0.5 + n / peak * 2)}"/>')
    for (x, y), (_, _, _, n) in zip(spots, others):
        parts.append(f'<line class="edge" x1="{cx}" y1="{cy}" x2="{_num(x)}" y2="{_num(y)}" stroke-width="{_num(1 + 5 * n / peak)}"/>')
    parts.append(f'<circle class="node k-{center[1]}" cx="{cx}" cy="{cy}" r="14"/>')
    parts.append(f'<text class="name centre" x="{cx}" y="{cy + 30}">{escape(_short(center[0], 28))}</text>')
    for (x, y), (name, kind, link, n) in zip(spots, others):
        anchor = "start" if x > cx + 1 else "end" if x < cx - 1 else "middle"
        tx = x + (12 if anchor == "start" else -12 if anchor == "end" else 0)
        ty = y + (4 if anchor != "middle" else (-14 if y < cy else 24))
        label = words.text("chart.network.together", name=name, n=n)
        parts.append(
            f'<a href="{escape(link)}" aria-label="{escape(label)}"><title>{escape(label)}</title>'
            f'<circle class="node k-{kind}" cx="{_num(x)}" cy="{_num(y)}" r="{_num(5 + 5 * n / peak)}"/>'
            f'<text class="name" x="{_num(tx)}" y="{_num(ty)}" text-anchor="{anchor}">{escape(_short(name))} ({n})</text></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def relation_text(actors: Sequence[str], topics: Sequence[str], same_thread: bool, days: int, words: Catalogue | None = None) -> str:
    """Why two dispatches belong together: `shared: A, B; 2 days apart`."""
    words = words or english()
    shared = [*actors, *topics] + ([words.text("why.same_thread")] if same_thread else [])
    apart = words.text("why.same_day") if days == 0 else words.text("why.apart", n=days)
    if not shared:
        return apart
    return words.text("reasons.separator").join([words.text("why.shared", items=words.text("list.separator").join(shared)), apart])


def period_name(key: str, words: Catalogue) -> str:
    """`2021`, `December 2021` or `26 December 2021` for a date-page key, in `words`' language."""
    parts = [int(p) for p in key.split("/")]
    if len(parts) == 1:
        return key
    if len(parts) == 2:
        return words.month_year(parts[0], parts[1])
    return words.long_date(dt.date(*parts))


def _co_edges(site: Site, actor_id: str, ids: Sequence[str]) -> list[tuple[int, int, int]]:
    """How often pairs of co-actors appear together in this actor's own dispatches."""
    position = {a: i for i, a in enumerate(ids)}
    pairs: Counter[tuple[int, int]] = Counter()
    for slug in site.actor_stats[actor_id].dispatches:
        present = sorted(position[a] for a in site.by_slug[slug].actors if a in position)
        pairs.update(combinations(present, 2))
    return [(i, j, n) for (i, j), n in sorted(pairs.items())]


def chart_globals(site: Any, urls: Urls, derived: Callable[[Any, Callable[[], Any]], Any], words: Catalogue | None = None) -> dict[str, Callable[..., Any]]:
    """Template globals that draw the pictures from the site as templates see it (see
    `reads.ReadSite`). `derived` makes a value once per build and notes what it read on
    every page using it: a month or an actor recurs on many pages. Their words are
    `words`' (the site's language)."""
    words = words or english()

    def day_counts() -> tuple[dict[str, dict[int, int]], int]:
        """Dispatches per day, by month, and the busiest day's count (calendars are shaded against it)."""
        days: dict[str, dict[int, int]] = {}
        for k, v in site.dates.items():
            if len(k) == 10:
                days.setdefault(k[:7], {})[int(k[8:])] = len(v)
        return days, max((n for month in days.values() for n in month.values()), default=0)

    def mentions_sparkline(actor_id: str) -> Markup:
        stats, actor = site.actor_stats[actor_id], site.actors[actor_id]
        return sparkline(f"spark-{actor_id}", month_series(stats.per_month), actor.name, words)

    def month_grid(month_key: str) -> Markup:
        year, month = int(month_key[:4]), int(month_key[5:7])
        href = lambda d: urls.href("date", f"{month_key}/{d:02d}")  # noqa: E731

        def draw() -> Markup:
            days, peak = derived("day_counts", day_counts)
            return month_calendar(year, month, days.get(month_key, {}), href, peak, words)

        return derived(("month", month_key), draw)

    def months_of(year: str) -> list[str]:
        """Every month of a year from its first to its last dispatch, quiet months too."""
        present = [k for k in site.dates if len(k) == 7 and k.startswith(year + "/")]
        return [m for m, _ in month_series([(k, 1) for k in present])]

    def timeline(thread_id: str, current: str | None = None) -> Markup:
        group = site.threads[thread_id]
        points = [
            (d.date, d.title, urls.href("dispatch", d.slug), d.slug == current)
            for d in (site.by_slug[s] for s in group.dispatches)
        ]
        return thread_strip(f"strip-{thread_id}", group.name, points, words)

    def co_network(actor_id: str) -> Markup:
        actor = site.actors[actor_id]
        top = site.actor_stats[actor_id].co_actors[:NETWORK_SIZE]
        ids = [a for a, _ in top]
        others = [(site.actors[a].name, site.actors[a].kind, urls.href("actor", a), n) for a, n in top]
        centre = (actor.name, actor.kind, urls.href("actor", actor_id))
        return network(f"net-{actor_id}", centre, others, _co_edges(site, actor_id, ids), words)

    def relation(slug: str, other: str) -> str:
        a, b = site.by_slug[slug], site.by_slug[other]
        shared_actors = [site.actors[x].name for x in a.actors if x in set(b.actors)]
        other_topics = {t.key for t in b.topics}
        shared_topics = [t.name for t in a.topics if t.key in other_topics]
        same = a.thread is not None and a.thread == b.thread
        return relation_text(shared_actors, shared_topics, same, abs((a.date - b.date).days), words)

    def related_why(link: RelatedLink) -> str:
        """Why a computed related dispatch is listed, in the words `relation` uses."""
        actors = [site.actors[a].name for a in link.actors]
        topics = [site.topics[t].name for t in link.topics]
        return relation_text(actors, topics, link.same_thread, link.days_apart, words)

    def month_label(month_key: str) -> str:
        return words.month_name(int(month_key[5:7]))

    def period_label(key: str) -> str:
        return period_name(key, words)

    def days_between(earlier: dt.date, later: dt.date) -> int:
        return (later - earlier).days

    return {
        "mentions_sparkline": mentions_sparkline,
        "month_grid": month_grid,
        "months_of": months_of,
        "thread_timeline": timeline,
        "co_network": co_network,
        "relation": relation,
        "relation_text": functools.partial(relation_text, words=words),  # for sites' own templates: the theme uses related_why
        "related_why": related_why,
        "days_between": days_between,
        "month_label": month_label,
        "period_label": period_label,
    }
