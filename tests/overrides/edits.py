"""Hypothesis strategies for the edits of `briefing.py`: to the content and to the templates."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.overrides import briefing as b

_n = st.integers(0, 40)
"""Which dispatch (modulo how many there are), template, topic, thread …"""
_serial = st.integers(0, 10**6)
_actors = st.lists(st.integers(0, len(b.ACTOR_REFS) - 1), min_size=1, max_size=4).map(tuple)

content_edits = st.one_of(
    st.builds(b.EditBody, _n, _serial),
    st.builds(b.Retitle, _n, _serial),
    st.builds(b.AddTopic, _n, _n),
    st.builds(b.RemoveTopic, _n),
    st.builds(b.AddDispatch, _n, _actors, _n, _n, st.booleans()),
    st.builds(b.DeleteDispatch, _n),
    st.builds(b.ToggleExtra, _n, st.sampled_from(["classification", "classification", "desk"])),
    st.builds(b.SetThread, _n, _n),
    st.builds(b.SetActors, _n, _actors),
    st.builds(b.DescribeActor, _n),
    st.builds(b.RewordLede, _n, _serial),
    st.builds(b.ToggleSelection, _n),
)
template_edits = st.one_of(
    st.builds(b.ToggleFeature, _n, _n),
    st.builds(b.ToggleOverride, _n),
    st.builds(b.Reword, _n),
    st.builds(b.EditPartial, _n),
    st.builds(b.EditMacro, _n),
)
edits = st.one_of(content_edits, template_edits)
"""One edit, a content edit as likely as a template edit."""
