"""The random edits of test_random_edits.py, through a running `briefgen serve`: after the
rebuild each save causes, the folder it serves is byte for byte what a clean build of the
same files makes, and the banner is on exactly the classified dispatches' pages.

Shorter sequences than the build tests: each step also waits for the server to settle.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli, tree_bytes
from tests.overrides.briefing import AddTopic, Briefing, Retitle, ToggleExtra, check_step, clean_build, write
from tests.overrides.edits import content_edits, edits
from tests.serve.conftest import start


def _cli_build(project: Path, out: Path) -> None:
    result = run_cli("build", "--config", str(project / "config.yaml"), "--output", str(out))
    assert result.code == 0, result.err


@settings(derandomize=True, database=None, deadline=None, max_examples=2, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.one_of(edits, content_edits), min_size=3, max_size=6))
@example([ToggleExtra(0, "classification"), AddTopic(2, 0), Retitle(1, 7)])  # the banner moves, a topic grows, d02 is retitled
def test_serve_rebuilds_like_a_clean_build(steps: list) -> None:
    with tempfile.TemporaryDirectory(prefix="briefgen-overrides-serve-") as tmp:
        root, scratch = Path(tmp) / "project", Path(tmp) / "clean"
        briefing = Briefing()
        write(root, briefing.files())
        live, thread = start(root)
        try:
            log = ["first build"]
            check_step(briefing, tree_bytes(live.output), clean_build(root, scratch, _cli_build), log)
            for edit in steps:
                log.append(edit.apply(briefing))
                files = briefing.files()
                if not write(root, files, dry_run=True):
                    continue  # nothing changed on disk, nothing to rebuild
                state = live.change(lambda: write(root, files))
                assert state["problems"] == [], (log, state["problems"])
                check_step(briefing, tree_bytes(live.output), clean_build(root, scratch, _cli_build), log)
        finally:
            live.stop.set()
            thread.join(10)
        assert not thread.is_alive(), "the server did not stop"
