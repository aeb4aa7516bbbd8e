"""A site project inside a git repository, with a bare repository beside it as `origin`.

Git runs with an empty global configuration and a fixed identity in the environment, so
the tests behave the same on a machine where git knows no one.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import dispatch, write_site

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Editor",
    "GIT_AUTHOR_EMAIL": "editor@example.org",
    "GIT_COMMITTER_NAME": "Test Editor",
    "GIT_COMMITTER_EMAIL": "editor@example.org",
}

SITE = {
    "content/nato-proposal.md": dispatch("NATO proposes a council session", "2021-12-26", "[NATO, Russia]", topics="[european security]", thread="talks"),
    "content/russia-replies.md": dispatch("Russia replies", "2021-12-27", "[Russia]", thread="talks"),
    "content/actors.yaml": "nato:\n  name: NATO\n  kind: organization\nrussia:\n  name: Russia\n  kind: state\n",
}


def git(*args: str, cwd: Path, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


@pytest.fixture(autouse=True)
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration, no repository above tmp_path, a known identity."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    for var, value in IDENTITY.items():
        monkeypatch.setenv(var, value)


def init_repo(folder: Path) -> None:
    """A repository on `main` whose current files are committed; site/ is ignored."""
    git("init", "-q", "-b", "main", cwd=folder)
    (folder / ".gitignore").write_text("site/\n.briefgen-cache/\n")
    git("add", "-A", cwd=folder)
    git("commit", "-q", "-m", "Briefing sources", cwd=folder)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(bare), cwd=tmp_path)
    return bare


@pytest.fixture
def project(tmp_path: Path, remote: Path) -> Path:
    """A committed site project whose `origin` is the bare repository."""
    root = write_site(tmp_path / "project", SITE)
    init_repo(root)
    git("remote", "add", "origin", str(remote), cwd=root)
    return root


def branch_files(bare: Path, branch: str = "gh-pages") -> dict[str, bytes]:
    """Every file a branch holds, with its bytes, read from a repository without a checkout."""
    archive = subprocess.run(["git", "--git-dir", str(bare), "archive", "--format=tar", branch], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def refs(repo: Path) -> dict[str, str]:
    lines = git("for-each-ref", "--format=%(refname) %(objectname)", cwd=repo).splitlines()
    return dict(line.split(" ", 1) for line in lines)
