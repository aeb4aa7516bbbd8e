"""The check every error case makes: a good site builds, an edit makes it bad, and the
next build fails with each expected `PATH:LINE: message`, leaving the site as it was."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliResult, run_cli, tree_bytes


def assert_refused(root: Path, files: dict[str, str | bytes], expected: list[str]) -> CliResult:
    """Build `root`, write `files` into it, build again: exit 1, every line of `expected`
    starting a line of the report, no traceback, the site and no staging folder left."""
    assert run_cli("build", cwd=root).code == 0
    before = tree_bytes(root / "site")
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    result = run_cli("build", cwd=root)
    assert result.code == 1, result.out
    assert "Traceback" not in result.err
    for line in expected:
        assert any(err.startswith(line) for err in result.err.splitlines()), f"{line!r} not in:\n{result.err}"
    assert tree_bytes(root / "site") == before
    assert not list(root.glob(".briefgen-staging-*"))
    return result
