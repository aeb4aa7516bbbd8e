"""Random sequences of content and template edits to a briefing whose own templates read
everything a template can reach (see `briefing.py`): after every step the cached build
equals a clean build of the same files byte for byte, and the classification banner is on
exactly the dispatch pages whose front matter carries the key.

Seeded (`derandomize`), so every run tries the same sequences. Hypothesis does not shrink
a failing sequence (each step is two builds): the failure names the first step that went
wrong, every step before it, the differing files and a diff of the first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from briefgen.commands.build import BuildOptions, build
from briefgen.config import load_config
from tests.conftest import tree_bytes
from tests.overrides.briefing import (
    AddTopic, Briefing, DeleteDispatch, EditBody, Retitle, RewordLede, ToggleExtra, ToggleFeature, ToggleSelection, check_step, clean_build, write,
)
from tests.overrides.edits import content_edits, edits, template_edits

SEEDED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _uncached(project: Path, out: Path) -> None:
    build(load_config(project / "config.yaml", {}), BuildOptions(output=out, cache=False))


def run_sequence(steps: list) -> None:
    """Build the briefing, then after each edit build it with the cache and check it."""
    with tempfile.TemporaryDirectory(prefix="briefgen-overrides-") as tmp:
        root, scratch = Path(tmp) / "project", Path(tmp) / "clean"
        briefing = Briefing()
        write(root, briefing.files())
        log = ["first build"]
        for edit in [None, *steps]:
            if edit is not None:
                log.append(edit.apply(briefing))
                if not write(root, briefing.files()):
                    continue  # nothing changed on disk
            build(load_config(root / "config.yaml", {}), BuildOptions())
            check_step(briefing, tree_bytes(root / "site"), clean_build(root, scratch, _uncached), log)


@settings(SEEDED, max_examples=4)
@given(st.lists(edits, min_size=4, max_size=8))
@example([ToggleExtra(0, "classification"), AddTopic(2, 0), ToggleFeature(0, 0), Retitle(1, 3)])
def test_mixed_edits_build_like_a_clean_build(steps: list) -> None:
    run_sequence(steps)


@settings(SEEDED, max_examples=3)
@given(st.lists(content_edits, min_size=4, max_size=8))
@example([RewordLede(0, 1), Retitle(2, 5), ToggleSelection(1), EditBody(0, 2), DeleteDispatch(2), ToggleSelection(0)])
def test_content_edits_under_fixed_overrides_build_like_a_clean_build(steps: list) -> None:
    run_sequence(steps)


@settings(SEEDED, max_examples=2)
@given(st.lists(template_edits, min_size=4, max_size=8))
def test_template_edits_build_like_a_clean_build(steps: list) -> None:
    run_sequence(steps)
