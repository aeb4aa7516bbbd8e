"""The misspelt-thread check compares a thread with its near neighbours only."""

from __future__ import annotations

from types import SimpleNamespace

from briefgen import link
from briefgen.model import Group


def test_a_thousand_numbered_threads_of_one_dispatch_each_cost_a_few_comparisons_each(monkeypatch) -> None:
    threads = {f"story-{i}": Group(f"story-{i}", "", (f"s{i}",)) for i in range(3000)}
    threads |= {f"talks-{i}-round": Group("", "", (f"t{i}",)) for i in range(3000)}
    threads |= {"nato-talks": Group("", "", ("a", "b")), "nato-tlaks": Group("", "", ("c",))}
    ordered = [SimpleNamespace(slug=s, path=f"content/{s}.md", line_of={"thread": 5}) for g in threads.values() for s in g.dispatches]
    calls = []
    slip = link._slip
    monkeypatch.setattr(link, "_slip", lambda a, b: calls.append(a) or slip(a, b))
    problems = link._thread_typos(ordered, threads)
    assert [str(p) for p in problems] == ["content/c.md:5: 'thread' 'nato-tlaks' is used by no other dispatch; did you mean 'nato-talks'?"]
    assert len(calls) < 3 * len(threads)
