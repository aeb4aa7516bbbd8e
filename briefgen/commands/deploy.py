"""`briefgen deploy`: build, then publish the output as the whole content of a branch.

GitHub Pages' "deploy from a branch" serves whatever that branch holds. The commit is
made with git plumbing and a temporary index (as ghp-import does), and the site is built
into a temporary folder, so the user's working tree, index, `site/` and current branch
are never touched.

Unlike ghp-import, which moves the local branch and then pushes, the new commit is pushed
by its id and the local branch moves only once the remote has accepted it: a rejected
push leaves every local ref as it was (the unreferenced commit is left to `git gc`).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from briefgen.commands.build import BuildOptions, build
from briefgen.config import Config

FALLBACK_NAME = "briefgen"
FALLBACK_EMAIL = "briefgen@localhost"


class DeployError(Exception):
    """A git-side failure the user can fix; its text is shown as is, and the exit status is 1."""


@dataclass(frozen=True, slots=True)
class DeployOptions:
    remote: str = "origin"
    branch: str = "gh-pages"
    message: str | None = None
    push: bool = True


@dataclass(frozen=True, slots=True)
class DeployResult:
    branch: str
    commit: str
    files: int
    changed: bool
    remote: str | None

    def summary(self) -> str:
        short = self.commit[:12]
        what = f"committed {self.files} files to {self.branch} ({short})" if self.changed else f"{self.branch} already holds this site ({short})"
        return f"{what}; pushed to {self.remote}" if self.remote else f"{what}; not pushed"


@dataclass(frozen=True, slots=True)
class Repo:
    """One repository, driven only through commands that leave its working tree and index alone."""

    folder: Path
    env: Mapping[str, str]

    def run(self, *args: str, data: bytes | None = None, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run git in the project folder (so relative remote URLs mean what they mean to the user)."""
        merged = {**self.env, **(env or {})}
        return subprocess.run(["git", *args], input=data, capture_output=True, cwd=self.folder, env=merged, check=False)

    def out(self, *args: str, data: bytes | None = None, env: Mapping[str, str] | None = None, failure: str = "") -> str:
        """stdout of a git command that must succeed; DeployError with git's own words otherwise."""
        done = self.run(*args, data=data, env=env)
        if done.returncode != 0:
            raise DeployError(f"{failure or 'git ' + args[0] + ' failed'}: {_text(done.stderr) or 'no message'}")
        return _text(done.stdout)

    def ok(self, *args: str) -> str | None:
        """stdout of a git query, or None when git says no."""
        done = self.run(*args)
        return _text(done.stdout) if done.returncode == 0 else None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").strip()


def open_repo(folder: Path) -> Repo:
    """The repository holding the site project (which may be any sub-folder of it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    repo = Repo(folder, env)
    try:
        inside = repo.run("rev-parse", "--is-inside-work-tree")
    except FileNotFoundError:
        raise DeployError("git is not installed (or not on PATH); deploy needs it") from None
    if inside.returncode != 0 or _text(inside.stdout) != "true":
        raise DeployError(f"{folder} is not in a git repository: deploy commits the site to a branch of "
                          "the repository holding config.yaml (run `git init` there first)")
    return repo


def check_target(repo: Repo, options: DeployOptions) -> None:
    """Refuse what would change the user's checkout or cannot be pushed, before building anything."""
    ref = f"refs/heads/{options.branch}"
    if options.branch.startswith("-") or repo.run("check-ref-format", ref).returncode != 0:
        raise DeployError(f"'{options.branch}' is not a valid branch name")
    listing = repo.ok("worktree", "list", "--porcelain") or ""
    if f"branch {ref}" in listing.splitlines() or repo.ok("symbolic-ref", "-q", "HEAD") == ref:
        raise DeployError(f"branch '{options.branch}' is checked out; deploy never changes a checked-out branch "
                          "(pass --branch with a branch of its own, e.g. gh-pages)")
    if options.push and options.remote not in (repo.ok("remote") or "").split():
        raise DeployError(f"no git remote named '{options.remote}' (see `git remote -v`; add one with "
                          f"`git remote add {options.remote} URL`, or pass --no-push)")


def prepare(output: Path) -> list[Path]:
    """The files to publish: the build, plus `.nojekyll` so Pages serves it as is."""
    (output / ".nojekyll").write_bytes(b"")
    return sorted(p for p in output.rglob("*") if p.is_file())


def write_tree(repo: Repo, output: Path, files: list[Path], index: Path) -> str:
    """Store every file as a blob and the whole folder as one tree, through a private index."""
    odd = [str(p.relative_to(output)) for p in files if "\n" in str(p) or "\r" in str(p)]
    if odd:
        raise DeployError(f"cannot publish file names with line breaks: {odd[0]!r}")
    paths = "".join(f"{p}\n" for p in files).encode("utf-8", "surrogateescape")
    blobs = repo.out("hash-object", "-w", "--no-filters", "--stdin-paths", data=paths, failure="cannot store the built files").split()
    entries = b"".join(
        f"{_mode(p)} {blob}\t".encode() + p.relative_to(output).as_posix().encode("utf-8", "surrogateescape") + b"\0"
        for p, blob in zip(files, blobs, strict=True)
    )
    private = {"GIT_INDEX_FILE": str(index)}
    repo.out("update-index", "--add", "-z", "--index-info", data=entries, env=private, failure="cannot stage the built files")
    return repo.out("write-tree", env=private, failure="cannot write the site's tree")


def _mode(path: Path) -> str:
    return "100755" if path.stat().st_mode & stat.S_IXUSR else "100644"


def parent_of(repo: Repo, options: DeployOptions) -> tuple[str | None, str | None]:
    """(new commit's parent, local branch tip): the local branch, or the remote's copy when that is ahead or alone."""
    local = repo.ok("rev-parse", "--verify", "-q", f"refs/heads/{options.branch}^{{commit}}")
    remote = repo.ok("rev-parse", "--verify", "-q", f"refs/remotes/{options.remote}/{options.branch}^{{commit}}")
    if remote and (local is None or repo.run("merge-base", "--is-ancestor", local, remote).returncode == 0):
        return remote, local
    return local, local


def identity(repo: Repo) -> dict[str, str]:
    """Environment that names briefgen as author and committer, only where git knows no one."""
    env: dict[str, str] = {}
    for role in ("author", "committer"):
        for field, fallback in (("name", FALLBACK_NAME), ("email", FALLBACK_EMAIL)):
            var = f"GIT_{role.upper()}_{field.upper()}"
            known = os.environ.get(var) or repo.ok("config", "--get", f"{role}.{field}") or repo.ok("config", "--get", f"user.{field}")
            if not known and not (field == "email" and os.environ.get("EMAIL")):
                env[var] = fallback
    return env


def default_message(repo: Repo, config: Config) -> str:
    head = repo.ok("rev-parse", "--short", "HEAD")
    return f"Publish {config.title}" + (f" built from {head}" if head else "")


def commit(repo: Repo, tree: str, parent: str | None, message: str) -> str:
    parents = ["-p", parent] if parent else []
    return repo.out("commit-tree", tree, *parents, "-m", message, env=identity(repo), failure="cannot commit the site")


def push(repo: Repo, remote: str, sha: str, branch: str) -> None:
    """Push the commit by id; the caller moves the local branch only when this succeeds."""
    done = repo.run("push", "--porcelain", remote, f"{sha}:refs/heads/{branch}")
    if done.returncode == 0:
        return
    status = next((line.split("\t")[-1] for line in _text(done.stdout).splitlines() if line.startswith("!")), "")
    said = "\n".join(line for line in _text(done.stderr).splitlines() if line.strip() and not line.startswith("hint:"))
    lines = [f"the push to {remote} failed{': ' + status if status else ''}; nothing was changed locally", said]
    if status.startswith("[rejected]"):  # not a fast-forward: someone else deployed meanwhile
        lines.append(f"{remote}'s {branch} has commits this repository has not seen: run `git fetch {remote}` "
                     f"and deploy again (the new commit then builds on {remote}/{branch})")
    raise DeployError("\n".join(line for line in lines if line))


def deploy(config: Config, options: DeployOptions) -> DeployResult:
    """Build into a temporary folder, commit it as the branch's whole content, push, then move the branch."""
    repo = open_repo(config.root)
    check_target(repo, options)
    with tempfile.TemporaryDirectory(prefix="briefgen-deploy-") as tmp:
        output = Path(tmp) / "site"
        build(config, BuildOptions(drafts=False, output=output, one_off=True))
        files = prepare(output)
        tree = write_tree(repo, output, files, Path(tmp) / "index")
    parent, local = parent_of(repo, options)
    if parent is not None and repo.out("rev-parse", f"{parent}^{{tree}}") == tree:
        sha, changed = parent, False
    else:
        sha, changed = commit(repo, tree, parent, options.message or default_message(repo, config)), True
    if options.push:
        push(repo, options.remote, sha, options.branch)
    if sha != local:  # with the old tip as a guard, so a concurrent change to the branch is never lost
        ref = f"refs/heads/{options.branch}"
        repo.out("update-ref", "-m", "briefgen deploy", ref, sha, local or "", failure=f"cannot move branch {options.branch}")
    return DeployResult(options.branch, sha, len(files), changed, options.remote if options.push else None)


def main(args) -> int:
    """The `deploy` verb: one summary line on success, a message on stderr and exit 1 on a git failure."""
    from briefgen.commands import config_for

    config = config_for(args)
    options = DeployOptions(remote=args.remote, branch=args.branch, message=args.message, push=not args.no_push)
    try:
        result = deploy(config, options)
    except DeployError as exc:
        print(f"briefgen deploy: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0
