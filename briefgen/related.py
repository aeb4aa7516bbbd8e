"""Computed related dispatches: shared actors, topics and thread, rare ones weighing more.

An inverted index maps each actor, topic and thread to its dispatches in date order.
For each dispatch only a window of the nearest dispatches in each of its lists is
scored, so the work per dispatch is bounded even when one actor is named in half of
them, and the total stays linear. Pure and deterministic.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from typing import Sequence

from briefgen import parallel
from briefgen.model import Dispatch, RelatedLink

WINDOW = 16
"""Neighbours taken on each side in each posting list: bounds the work per dispatch."""
ACTOR_WEIGHT, TOPIC_WEIGHT, THREAD_WEIGHT = 1.0, 0.5, 1.5
DECAY_DAYS = 30.0
"""A dispatch this many days away counts half as much as one on the same day."""
PER_WORKER = 2000
"""Below this many dispatches per process, forking costs more than scoring saves."""


def _features(d: Dispatch) -> list[str]:
    feats = [f"a:{a}" for a in d.actors] + [f"t:{t.key}" for t in d.topics]
    if d.thread:
        feats.append(f"h:{d.thread}")
    return feats


def _weight(feature: str, df: int, n: int) -> float:
    idf = math.log(1.0 + n / df)
    kind = feature[0]
    if kind == "h":
        return THREAD_WEIGHT * idf
    return (ACTOR_WEIGHT if kind == "a" else TOPIC_WEIGHT) * idf


def compute(dispatches: Sequence[Dispatch], limit: int, fork: bool = True) -> dict[str, tuple[RelatedLink, ...]]:
    """Up to `limit` related dispatches for each slug, best first. Without `fork`, in this
    process only: when other processes already keep the cores busy, another one only adds
    the cost of forking and of sending its results back."""
    if limit <= 0 or len(dispatches) < 2:
        return {}
    ordered = sorted(dispatches, key=lambda d: (d.moment, d.slug))
    postings: dict[str, list[int]] = defaultdict(list)
    places: list[list[tuple[str, int]]] = []
    for i, d in enumerate(ordered):
        mine = []
        for f in _features(d):
            mine.append((f, len(postings[f])))
            postings[f].append(i)
        places.append(mine)
    n = len(ordered)
    weights = {f: _weight(f, len(lst), n) for f, lst in postings.items()}
    ordinals = [d.date.toordinal() for d in ordered]
    rank = {slug: r for r, slug in enumerate(sorted(d.slug for d in ordered))}
    ranks = [rank[d.slug] for d in ordered]

    def score(part: Sequence[int]) -> list[tuple[int, tuple[RelatedLink, ...]]]:
        found = []
        for i in part:
            scores: dict[int, float] = {}
            get = scores.get
            for f, pos in places[i]:
                w = weights[f]
                for j in postings[f][max(0, pos - WINDOW) : pos + WINDOW + 1]:
                    scores[j] = get(j, 0.0) + w
            scores.pop(i, None)
            here = ordinals[i]
            values = [s / (1.0 + abs(ordinals[j] - here) / DECAY_DAYS) for j, s in scores.items()]
            # Only a value at least the limit-th largest can be among the best: the tuples
            # that break ties are made for those alone (sorting plain floats is quick).
            least = sorted(values)[-limit] if len(values) > limit else -math.inf
            # best score first; ties go to the nearer dispatch, then to the later slug
            ranked = [
                (value, -gap, ranks[j], j)
                for j, value in zip(scores, values) if value >= least
                for gap in (abs(ordinals[j] - here),)
            ]
            best = heapq.nlargest(limit, ranked)
            found.append((i, tuple(_explain(ordered[i], ordered[j], value) for value, _, _, j in best)))
        return found

    # the scoring is most of the work: spread over processes when there are enough dispatches
    results = parallel.fork_map(score, range(n), parallel.worker_count(n, PER_WORKER) if fork else 1)
    by_index = dict(pair for found in results for pair in found)
    return {d.slug: by_index[i] for i, d in enumerate(ordered)}


def _explain(d: Dispatch, other: Dispatch, score: float) -> RelatedLink:
    """Why two dispatches are related, for the reader."""
    theirs = set(other.actors)
    their_topics = {t.key for t in other.topics}
    return RelatedLink(
        slug=other.slug,
        score=round(score, 6),
        actors=tuple(a for a in d.actors if a in theirs),
        topics=tuple(t.key for t in d.topics if t.key in their_topics),
        same_thread=bool(d.thread) and d.thread == other.thread,
        days_apart=abs((other.date - d.date).days),
    )
