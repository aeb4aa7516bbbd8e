"""`briefgen deploy` against a local bare repository, as a user runs it from a site project."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests.conftest import dispatch, run_cli, tree_bytes, write_site
from tests.deploy.conftest import IDENTITY, SITE, branch_files, git, init_repo, refs


def built(root: Path, dest: Path, *args: str) -> dict[str, bytes]:
    """What `briefgen build` makes of the project, as GitHub Pages should serve it."""
    assert run_cli("build", "--output", str(dest), *args, cwd=root).code == 0
    files = tree_bytes(dest)
    assert not any(name.startswith(".briefgen") for name in files)  # nothing of briefgen's own
    return {**files, ".nojekyll": b""}


def user_state(repo: Path) -> dict[str, object]:
    """Everything of the user's checkout a deploy must leave alone (read without refreshing the index).

    The build's own cache folder is left out: SPEC lets a build write there, and it is git-ignored.
    """
    index = (repo / ".git" / "index").read_bytes()
    files = {k: v for k, v in tree_bytes(repo).items() if not k.startswith((".git/", ".briefgen-cache/"))}
    return {
        "index": hashlib.sha256(index).hexdigest(),
        "status": git("--no-optional-locks", "status", "--porcelain", "--untracked-files=all", cwd=repo),
        "head": git("symbolic-ref", "HEAD", cwd=repo),
        "commit": git("rev-parse", "HEAD", cwd=repo),
        "files": files,
        "stash": git("stash", "list", cwd=repo),
    }


def test_the_branch_holds_exactly_the_built_site(project: Path, remote: Path, tmp_path: Path) -> None:
    result = run_cli("deploy", cwd=project)
    assert result.code == 0, result.err
    assert re.fullmatch(r"committed \d+ files to gh-pages \([0-9a-f]{12}\); pushed to origin\n", result.out)
    published = branch_files(remote)
    assert published == built(project, tmp_path / "expected")
    assert ".briefgen-output" not in published and "CNAME" not in published
    assert "dispatches/russia-replies/index.html" in published
    assert git("rev-parse", "gh-pages", cwd=project) == git("rev-parse", "gh-pages", cwd=remote)
    assert git("rev-parse", "origin/gh-pages", cwd=project) == git("rev-parse", "gh-pages", cwd=remote)


def test_cname_is_published_when_configured(project: Path, remote: Path) -> None:
    (project / "config.yaml").write_text("title: Test Briefing\nbase_url: https://briefing.example.org/\ncname: briefing.example.org\n")
    assert run_cli("deploy", cwd=project).code == 0
    published = branch_files(remote)
    assert published["CNAME"] == b"briefing.example.org\n"
    assert published[".nojekyll"] == b""
    assert b'href="/actors/' in published["index.html"]


def test_history_is_kept_and_each_deploy_replaces_the_whole_site(project: Path, remote: Path, tmp_path: Path) -> None:
    assert run_cli("deploy", "--message", "First edition", cwd=project).code == 0
    first = git("rev-parse", "gh-pages", cwd=remote)
    (project / "content" / "russia-replies.md").unlink()
    (project / "content" / "us-statement.md").write_text(dispatch("US issues a statement", "2021-12-28", "[United States]"))
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Replace a dispatch", cwd=project)

    result = run_cli("deploy", "--message", "Second edition", cwd=project)
    assert result.code == 0, result.err
    log = git("log", "--format=%H %P %s", "gh-pages", cwd=remote).splitlines()
    second = log[0].split()[0]
    assert log == [f"{second} {first} Second edition", f"{first}  First edition"]
    published = branch_files(remote)
    assert published == built(project, tmp_path / "expected")
    assert "dispatches/us-statement/index.html" in published
    assert not any(name.startswith("dispatches/russia-replies/") for name in published)


def test_a_deploy_with_nothing_new_adds_no_commit(project: Path, remote: Path) -> None:
    assert run_cli("deploy", cwd=project).code == 0
    tip = git("rev-parse", "gh-pages", cwd=remote)
    again = run_cli("deploy", cwd=project)
    assert again.code == 0
    assert "already holds this site" in again.out
    assert git("rev-parse", "gh-pages", cwd=remote) == tip


def test_default_message_names_the_source_commit(project: Path, remote: Path) -> None:
    assert run_cli("deploy", cwd=project).code == 0
    source = git("rev-parse", "--short", "HEAD", cwd=project)
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=remote) == f"Publish Test Briefing built from {source}"


def test_working_tree_index_and_current_branch_are_untouched(project: Path) -> None:
    (project / "content" / "nato-proposal.md").write_text(dispatch("NATO proposes a session (edited, not committed)", "2021-12-26", "[NATO]"))
    (project / "content" / "staged.md").write_text(dispatch("Staged, not committed", "2021-12-29", "[NATO]"))
    git("add", "content/staged.md", cwd=project)
    (project / "notes.txt").write_text("untracked notes\n")
    before = user_state(project)

    result = run_cli("deploy", cwd=project)
    assert result.code == 0, result.err
    assert user_state(project) == before
    assert not (project / "site").exists()
    assert {r for r in refs(project)} == {"refs/heads/main", "refs/heads/gh-pages", "refs/remotes/origin/gh-pages"}


def test_no_push_commits_locally_and_a_later_deploy_pushes_on_top(project: Path, remote: Path) -> None:
    result = run_cli("deploy", "--no-push", cwd=project)
    assert result.code == 0, result.err
    assert result.out.endswith("; not pushed\n")
    local = git("rev-parse", "gh-pages", cwd=project)
    assert git("rev-parse", "--verify", "-q", "gh-pages", cwd=remote, check=False) == ""
    (project / "content" / "later.md").write_text(dispatch("A later dispatch", "2021-12-30", "[NATO]"))

    assert run_cli("deploy", cwd=project).code == 0
    assert git("rev-parse", "gh-pages^", cwd=remote) == local


def test_builds_on_the_remote_branch_when_there_is_no_local_one(project: Path, remote: Path, tmp_path: Path) -> None:
    assert run_cli("deploy", cwd=project).code == 0
    first = git("rev-parse", "gh-pages", cwd=remote)
    clone = tmp_path / "clone"
    git("clone", "-q", str(remote), str(clone), cwd=tmp_path)
    write_site(clone, {**SITE, "content/from-clone.md": dispatch("Written in the clone", "2021-12-31", "[NATO]")})

    result = run_cli("deploy", cwd=clone)
    assert result.code == 0, result.err
    assert git("rev-parse", "gh-pages^", cwd=remote) == first
    assert "dispatches/from-clone/index.html" in branch_files(remote)


def test_the_site_may_be_a_sub_folder_of_the_repository(tmp_path: Path, remote: Path) -> None:
    repo = tmp_path / "repo"
    site = write_site(repo / "docs" / "briefing", SITE)
    (repo / "README").parent.mkdir(exist_ok=True)
    (repo / "README").write_text("the repository\n")
    init_repo(repo)
    git("remote", "add", "origin", str(remote), cwd=repo)

    result = run_cli("deploy", cwd=site)
    assert result.code == 0, result.err
    published = branch_files(remote)
    assert "index.html" in published and "README" not in published
    assert not any(name.startswith("docs/") for name in published)


def test_config_option_from_another_folder(project: Path, remote: Path, tmp_path: Path) -> None:
    result = run_cli("deploy", "--config", str(project / "config.yaml"), cwd=tmp_path)
    assert result.code == 0, result.err
    assert "index.html" in branch_files(remote)


def test_base_url_override(project: Path, remote: Path) -> None:
    assert run_cli("deploy", "--base-url", "https://user.github.io/repo/", cwd=project).code == 0
    assert b'href="/repo/actors/"' in branch_files(remote)["index.html"]


def test_falls_back_to_a_briefgen_identity_only_when_git_has_none(project: Path, remote: Path, monkeypatch) -> None:
    for var in IDENTITY:
        monkeypatch.delenv(var)
    assert run_cli("deploy", "--no-push", cwd=project).code == 0
    assert git("log", "-1", "--format=%an <%ae> / %cn <%ce>", "gh-pages", cwd=project) == "briefgen <briefgen@localhost> / briefgen <briefgen@localhost>"

    git("config", "user.name", "Repo Editor", cwd=project)
    git("config", "user.email", "repo.editor@example.org", cwd=project)
    (project / "content" / "later.md").write_text(dispatch("A later dispatch", "2021-12-30", "[NATO]"))
    assert run_cli("deploy", "--no-push", cwd=project).code == 0
    assert git("log", "-1", "--format=%an <%ae> / %cn <%ce>", "gh-pages", cwd=project) == "Repo Editor <repo.editor@example.org> / Repo Editor <repo.editor@example.org>"


def test_uses_the_identity_git_is_given(project: Path) -> None:
    assert run_cli("deploy", "--no-push", cwd=project).code == 0
    assert git("log", "-1", "--format=%an <%ae>", "gh-pages", cwd=project) == "Test Editor <editor@example.org>"


# Errors: a clear message, exit 1, nothing changed locally.


def test_not_a_git_repository(tmp_path: Path) -> None:
    root = write_site(tmp_path / "plain", SITE)
    result = run_cli("deploy", cwd=root)
    assert result.code == 1
    assert "is not in a git repository" in result.err and "git init" in result.err
    assert "Traceback" not in result.err
    assert not (root / ".git").exists() and not (root / "site").exists()


def test_no_such_remote(project: Path) -> None:
    before = refs(project)
    result = run_cli("deploy", "--remote", "upstream", cwd=project)
    assert result.code == 1
    assert "no git remote named 'upstream'" in result.err
    assert refs(project) == before
    assert not (project / "site").exists()


def test_a_rejected_push_changes_nothing_locally(project: Path, remote: Path, tmp_path: Path) -> None:
    colleague = tmp_path / "colleague"
    git("clone", "-q", str(remote), str(colleague), cwd=tmp_path)
    write_site(colleague, {**SITE, "content/theirs.md": dispatch("The colleague's dispatch", "2021-12-31", "[NATO]")})
    assert run_cli("deploy", "--message", "Colleague's edition", cwd=colleague).code == 0
    theirs = git("rev-parse", "gh-pages", cwd=remote)
    before = refs(project)

    result = run_cli("deploy", cwd=project)
    assert result.code == 1
    assert "the push to origin failed: [rejected] (fetch first); nothing was changed locally" in result.err
    assert "git fetch origin" in result.err and "hint:" not in result.err
    assert refs(project) == before
    assert git("rev-parse", "gh-pages", cwd=remote) == theirs

    git("fetch", "-q", "origin", cwd=project)
    again = run_cli("deploy", cwd=project)
    assert again.code == 0, again.err
    assert git("rev-parse", "gh-pages^", cwd=remote) == theirs
    assert "dispatches/theirs/index.html" not in branch_files(remote)


def test_a_push_refused_by_the_remote(project: Path, remote: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes to this repository are closed' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = refs(project)
    result = run_cli("deploy", cwd=project)
    assert result.code == 1
    assert "pushes to this repository are closed" in result.err
    assert "git fetch" not in result.err
    assert refs(project) == before


def test_an_unreachable_remote(project: Path, tmp_path: Path) -> None:
    git("remote", "set-url", "origin", str(tmp_path / "nowhere.git"), cwd=project)
    before = refs(project)
    result = run_cli("deploy", cwd=project)
    assert result.code == 1
    assert "the push to origin failed; nothing was changed locally" in result.err
    assert "does not appear to be a git repository" in result.err
    assert refs(project) == before


def test_refuses_the_checked_out_branch(project: Path) -> None:
    before = refs(project)
    result = run_cli("deploy", "--branch", "main", "--no-push", cwd=project)
    assert result.code == 1
    assert "branch 'main' is checked out" in result.err
    assert refs(project) == before


def test_refuses_an_invalid_branch_name(project: Path) -> None:
    for name in ("bad..name", "@{-1}", "-x"):
        result = run_cli("deploy", f"--branch={name}", "--no-push", cwd=project)
        assert result.code == 1, name
        assert f"'{name}' is not a valid branch name" in result.err


def test_content_errors_deploy_nothing(project: Path, remote: Path) -> None:
    (project / "content" / "broken.md").write_text("---\ntitle: Broken\nactors: [NATO]\n---\nNo date.\n")
    before = refs(project)
    result = run_cli("deploy", cwd=project)
    assert result.code == 1
    assert re.search(r"^content/broken\.md:\d+: .*date", result.err, re.M)
    assert refs(project) == before
    assert git("rev-parse", "--verify", "-q", "gh-pages", cwd=remote, check=False) == ""


def test_git_missing(project: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(project / "no-such-bin"))
    result = run_cli("deploy", cwd=project)
    assert result.code == 1
    assert "git is not installed" in result.err


def test_usage_errors_exit_2(project: Path) -> None:
    assert run_cli("deploy", "--no-such-option", cwd=project).code == 2


def test_a_deploy_leaves_no_record_or_spare_of_its_throwaway_build(project: Path, monkeypatch) -> None:
    """The cache keeps the records (and spares) of a few outputs, so the sites built again
    rebuild only what changed: the temporary folders deploys build into must not take
    their places. The parses are still shared: a deploy after a build parses nothing."""
    from briefgen import read

    assert run_cli("build", cwd=project).code == 0
    cache = project / ".briefgen-cache"
    kept = sorted(p.name for p in cache.iterdir() if p.name.startswith(("pages-", "spare-")))
    assert kept
    parses = {p.name: p.stat().st_mtime_ns for p in cache.glob("docs-*.bin")}
    parsed: list[str] = []
    real_body_of = read.body_of
    monkeypatch.setattr(read, "body_of", lambda rel, *a: parsed.append(rel) or real_body_of(rel, *a))
    for _ in range(2):
        assert run_cli("deploy", "--no-push", cwd=project).code == 0
    assert parsed == []
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith(("pages-", "spare-"))) == kept
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("docs-*.bin")} == parses
