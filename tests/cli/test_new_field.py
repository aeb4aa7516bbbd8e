"""A field added to the model survives a cached build and a two-process build with no
other change: nothing in briefgen lists the fields of a dispatch by hand.

The field is added as a developer adds one, in the source of a copy of briefgen: a line
after `Dispatch`'s last field, and `to_dispatch` filling it from front matter. The copy
builds a site in a fresh interpreter, so every module sees the wider model from its first
import; monkeypatching this process's modules would reach only the names patched. A
hand-written list of fields where the cache keeps a dispatch, or where a dispatch
modelled ahead is given its body in the main process (while forked children render the
bodies), would drop the field, and a page would show it empty."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, dispatch, write_site

FILL_FROM_FRONT_MATTER = '''

_to_dispatch_without_region = to_dispatch


def to_dispatch(doc, *args, **kwargs):
    """What `to_dispatch` makes, with `region` as written in the front matter."""
    import dataclasses as _dataclasses

    made, problems = _to_dispatch_without_region(doc, *args, **kwargs)
    if made is not None:
        made = _dataclasses.replace(made, region=doc.front.data.get("region"))
    return made, problems
'''

RUN = '''
import json, sys
from pathlib import Path

import briefgen
from briefgen import parallel, read
from briefgen.cli import main
from briefgen import modelling

assert Path(briefgen.__file__).parent == Path(sys.argv[2]), briefgen.__file__
# two processes, on any machine, for a few files: the model is made from the front matter
# here while a forked child renders the bodies (as in tests/cli/test_model_ahead.py)
read.PARSE_PER_WORKER = 1
parallel.worker_count = lambda items, per_worker: min(2, max(1, items // per_worker))
counts = {"validated": 0, "modelled_ahead": 0}
to_dispatch, with_bodies = modelling.to_dispatch, modelling.with_bodies

def validated(*args, **kwargs):
    counts["validated"] += 1
    return to_dispatch(*args, **kwargs)

def modelled_ahead(*args, **kwargs):
    counts["modelled_ahead"] += 1
    return with_bodies(*args, **kwargs)

modelling.to_dispatch, modelling.with_bodies = validated, modelled_ahead
code = main(["build", "--output", sys.argv[1]])
print(json.dumps({"code": code, **counts}))
'''


def _briefgen_with_a_region(dest: Path) -> Path:
    """A copy of the briefgen package whose Dispatch has one more field, `region`."""
    package = dest / "briefgen"
    shutil.copytree(ROOT / "briefgen", package, ignore=shutil.ignore_patterns("__pycache__"))
    model = package / "model.py"
    source = model.read_text(encoding="utf-8")
    cls = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == "Dispatch")
    last_field = [n for n in cls.body if isinstance(n, ast.AnnAssign)][-1]
    lines = source.splitlines(keepends=True)
    lines.insert(last_field.end_lineno, "    region: str | None = None\n")
    model.write_text("".join(lines), encoding="utf-8")
    with (package / "fields.py").open("a", encoding="utf-8") as fields:
        fields.write(FILL_FROM_FRONT_MATTER)
    return package


def _build(root: Path, package: Path, output: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(package.parent)}
    done = subprocess.run([sys.executable, "-c", RUN, output, str(package)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _regions(output: Path) -> dict[str, str]:
    """Each dispatch page's title → the region it shows."""
    shown = {}
    for page in output.rglob("*.html"):
        found = re.search(r"<h1>(.*?)</h1><p class=region>(.*?)</p>", page.read_text(encoding="utf-8"))
        if found:
            shown[found[1]] = found[2]
    return shown


def test_a_new_field_survives_a_two_process_build_and_a_cached_one(tmp_path: Path) -> None:
    package = _briefgen_with_a_region(tmp_path / "code")
    regions = {f"Dispatch {i}": f"region-{i}" for i in range(4)}
    root = write_site(tmp_path / "site", {
        "templates/dispatch.html": "<h1>{{ d.title }}</h1><p class=region>{{ d.region }}</p>",
        **{f"content/d{i}.md": dispatch(title, f"2021-12-1{i}", region=region) for i, (title, region) in enumerate(regions.items())},
    })

    first = _build(root, package, "first")
    assert first == {"code": 0, "validated": 4, "modelled_ahead": 1}  # modelled here while a child rendered
    assert _regions(root / "first") == regions

    second = _build(root, package, "second")  # another folder: every page is made again
    assert second == {"code": 0, "validated": 0, "modelled_ahead": 0}  # every dispatch from the cache
    assert _regions(root / "second") == regions
