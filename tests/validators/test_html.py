"""Every page as the Nu HTML Checker (the W3C's validator.nu, `vnu.jar`) reads it: no error.

scripts/test installs the checker from npm (`vnu-jar`) into .tools/, and Debian's Java
runtime where there is none. It runs once, in one JVM, over the whole site and a page
with known errors beside it, which shows the checker really reads the pages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import ROOT
from tests.validators.conftest import missing

VNU = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BROKEN = '<!DOCTYPE html>\n<html lang="en"><head></head><body><p><div></p></body></html>\n'


@pytest.fixture(scope="module")
def errors(project_site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[str]]:
    """The checker's errors, by file, over the site and the broken page."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        missing("the Nu HTML checker is not installed (scripts/test installs vnu-jar with npm into .tools/, and a Java runtime)",
                installable=bool(shutil.which("npm")))
    canary = tmp_path_factory.mktemp("canary")
    (canary / "broken.html").write_text(BROKEN, encoding="utf-8")
    done = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json", "--stdout", str(project_site), str(canary)],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert done.stdout.strip(), done.stderr
    found: dict[Path, list[str]] = {}
    for m in json.loads(done.stdout)["messages"]:
        assert m["type"] == "error", m  # anything else with --errors-only is the checker failing
        file = Path(unquote(urlsplit(m["url"]).path))
        found.setdefault(file, []).append(f"{m.get('lastLine', '?')}: {m['message']}")
    return found


def test_the_checker_finds_the_errors_of_a_broken_page(errors: dict[Path, list[str]]) -> None:
    broken = [messages for file, messages in errors.items() if file.name == "broken.html"]
    assert broken and any("“head” is missing" in m for m in broken[0]), errors


EMAIL_ONLY = "CSS: “mso-hide”: Property “mso-hide” doesn't exist."
"""An edition's email hides its preheader from Outlook with Outlook's own property, which
no browser knows: the one message allowed, and only in email.html."""


def test_no_page_has_an_error(errors: dict[Path, list[str]], project_site: Path) -> None:
    assert len(list(project_site.rglob("*.html"))) > 100
    assert list(project_site.glob("editions/*/email.html")), "the example's editions are checked too"
    report = [
        f"{file.relative_to(project_site)}:{m}" for file, ms in errors.items() if project_site in file.parents for m in ms
        if not (file.name == "email.html" and m.endswith(EMAIL_ONLY))
    ]
    assert not report, "\n".join(report[:50])
