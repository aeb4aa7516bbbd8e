"""Any dispatch, actors.yaml or config.yaml builds, or fails with located problems and exit 1.

Each property builds a small project per example with the real command line, in-process.
"""

from __future__ import annotations

import os

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import dispatch
from tests.hardening import fuzzing as fz

SCALE = float(os.environ.get("BRIEFGEN_FUZZ_SCALE", "1"))
"""Multiply the example counts, e.g. BRIEFGEN_FUZZ_SCALE=20 for a long run before a release."""


def fuzz(examples: int) -> settings:
    return settings(max_examples=int(examples * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


FUZZ = fuzz(100)
OTHER = dispatch(title="Other", actors="[NATO, Russia]", topics="[security]")


@FUZZ
@given(st.one_of(st.binary(max_size=600), st.text(max_size=600), st.text(max_size=600).map(lambda t: "---\n" + t)))
@example(b"---\n---\n")
@example("---\n\n---\n---\n")
@example("---\r---")
@example("\ufeff---\ntitle: x\n---")
def test_arbitrary_file_contents(data):
    fz.check_build({"content/a.md": data, "content/b.md": OTHER})


@fuzz(40)
@given(fz.dispatch_text(hostile=0), fz.dispatch_text(hostile=0))
def test_plausible_dispatches_with_any_text(first, second):
    fz.check_build({"content/a.md": first, "content/sub/b.md": second, "content/c.md": OTHER})


@fuzz(50)
@given(fz.dispatch_text(hostile=1), fz.dispatch_text(hostile=2))
def test_any_value_in_any_field(first, second):
    fz.check_build({"content/a.md": first, "content/sub/b.md": second, "content/c.md": OTHER})


@fuzz(60)
@given(st.data())
def test_odd_encodings_and_truncated_files(data):
    text = data.draw(fz.dispatch_text(hostile=0))
    fz.check_build({"content/a.md": data.draw(fz.encoded(text)), "content/b.md": OTHER})


@fuzz(60)
@given(fz.actors_yaml(), st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3), st.data())
def test_any_actor_registry(registry, names, data):
    actors = fz.dump(names).strip()
    raw = data.draw(st.one_of(st.just(registry.encode()), fz.encoded(registry)))
    files = {"content/actors.yaml": raw, "content/a.md": dispatch(actors=actors, body="NATO and Russia met."), "content/b.md": OTHER}
    fz.check_build(files)


@fuzz(60)
@given(fz.config_yaml(), st.data())
def test_any_config(config, data):
    raw = data.draw(st.one_of(st.just(config.encode()), fz.encoded(config)))
    files = {"config.yaml": raw, "content/a.md": dispatch(), "content/b.md": OTHER}
    fz.check_build(files, output=_output_of(raw))


def _output_of(config: bytes) -> str:
    try:
        value = yaml.safe_load(config.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return "site"
    output = value.get("output_dir") if isinstance(value, dict) else None
    return output if isinstance(output, str) else "site"
