"""After any sequence of edits, additions, renames and deletions, what `serve` serves
is byte for byte what a clean `briefgen build` of the same files makes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from tests.conftest import dispatch, run_cli, tree_bytes

NEW = dispatch(
    "Vienna follow-up talks announced",
    "2022-01-20",
    "[OSCE, Russia, New Envoy Person]",
    "The **OSCE** chair names a new envoy.\n\nSecond paragraph.",
    topics="[osce, arms control]",
    thread="vienna-follow-up",
    events="[{date: 2022-02-03, title: Follow-up round}]",
    source='{name: Example Wire, url: "https://example.org/"}',
)


def clean_build(project: Path, into: Path) -> dict[str, bytes]:
    """Copy the project's inputs (no cache, no output) and build them from scratch."""
    copy = into / "project"
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
    result = run_cli("build", "--config", str(copy / "config.yaml"), "--output", str(into / "out"))
    assert result.code == 0, result.err
    return tree_bytes(into / "out")


def edit(path: Path, old: str, new: str) -> Callable[[], None]:
    def change() -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def test_served_output_equals_a_clean_build_after_every_change(serve_site, copy_site, tmp_path: Path) -> None:
    root = copy_site("example")
    content = root / "content"
    nato = content / "nato-russia"
    live = serve_site(root)

    def move(src: str, dest: str) -> Callable[[], None]:
        def change() -> None:
            (content / dest).parent.mkdir(parents=True, exist_ok=True)
            (content / src).rename(content / dest)

        return change

    steps: list[tuple[str, Callable[[], object]]] = [
        ("edit a title and body", edit(nato / "nato-proposes-nrc-meeting-january-12.md", "title: ", "title: Revised ")),
        ("edit a body only", edit(nato / "nato-russia-council-meets-in-brussels.md", "\n---\n", "\n---\nA new opening paragraph.\n\n")),
        ("add a dispatch with new actor, topic, thread, source and event", lambda: (content / "osce" / "vienna-follow-up.md").write_text(NEW)),
        ("rename it: new slug, old URL gone", move("osce/vienna-follow-up.md", "osce/vienna-follow-up-talks.md")),
        ("move a dispatch to another folder", move("osce/osce-permanent-council-vienna-january-13.md", "vienna/osce-permanent-council-vienna-january-13.md")),
        ("delete a dispatch", lambda: (content / "russian-guarantees" / "lavrov-letter-on-indivisibility-of-security.md").unlink()),
        ("delete the added one", lambda: (content / "osce" / "vienna-follow-up-talks.md").unlink()),
        ("edit an actor", edit(content / "actors.yaml", "description: Eurasian state", "description: Edited while serving. Eurasian state")),
        ("change the configuration", edit(root / "config.yaml", "per_page: 10", "per_page: 4")),
        ("add a static file", lambda: ((root / "static").mkdir(exist_ok=True), (root / "static" / "robots.txt").write_text("User-agent: *\n"))),
    ]
    for name, change in steps:
        state = live.change(change)
        assert state["problems"] == [], (name, state["problems"])
        served, clean = tree_bytes(live.output), clean_build(root, tmp_path / "clean")
        assert served.keys() == clean.keys(), (name, sorted(served.keys() ^ clean.keys())[:10])
        differing = [rel for rel in served if served[rel] != clean[rel]]
        assert differing == [], (name, differing[:10])

    assert live.get("/dispatches/vienna-follow-up/").status == 404
    assert live.get("/dispatches/lavrov-letter-on-indivisibility-of-security/").status == 404
    assert "Revised " in live.get("/dispatches/nato-proposes-nrc-meeting-january-12/").text
    assert live.get("/page/2/").status == 200


def test_a_failed_build_in_between_leaves_nothing_behind(serve_site, copy_site, tmp_path: Path) -> None:
    root = copy_site("example")
    target = root / "content" / "nato-russia" / "nato-sends-written-proposals-to-russia.md"
    good = target.read_text(encoding="utf-8")
    live = serve_site(root)
    state = live.change(lambda: target.write_text(good.replace("date: ", "date: 2022-02-30 #", 1)))
    assert state["problems"] and state["problems"][0].startswith("content/nato-russia/nato-sends-written-proposals-to-russia.md:")
    assert live.change(lambda: target.write_text(good.replace("title: ", "title: Fixed ", 1)))["problems"] == []
    assert tree_bytes(live.output) == clean_build(root, tmp_path / "clean")


def test_only_the_pages_of_a_few_changed_dispatches_are_given_early(tmp_path: Path) -> None:
    """`serve` shows the page of a dispatch just saved before the rest of its rebuild: the
    build hands over exactly the changed dispatches' pages, as it then writes them; not on
    a first build, and not for a batch as large as a branch switch."""
    from briefgen.commands.build import EARLY_LIMIT, BuildOptions, build
    from briefgen.config import load_config
    from briefgen.session import Session
    from tests.conftest import write_site

    files = {f"content/d{i}.md": dispatch(f"Dispatch {i}", f"2022-01-{i + 1:02d}", "[NATO]") for i in range(EARLY_LIMIT + 2)}
    root = write_site(tmp_path / "project", files)
    config = load_config(root / "config.yaml")
    given: list[dict[str, bytes]] = []
    options = BuildOptions(output=tmp_path / "out", session=Session(), early=given.append)
    build(config, options)
    assert given == [], "a first build has nothing to show early"

    (root / "content/d3.md").write_text(dispatch("Dispatch three, revised", "2022-01-04", "[NATO]"))
    build(config, options)
    assert [list(pages) for pages in given] == [["dispatches/d3/index.html"]]
    assert given[0]["dispatches/d3/index.html"] == (tmp_path / "out/dispatches/d3/index.html").read_bytes()
    assert b"Dispatch three, revised" in given[0]["dispatches/d3/index.html"]

    for i in range(EARLY_LIMIT):
        (root / f"content/d{i}.md").write_text(dispatch(f"Dispatch {i}, revised", f"2022-01-{i + 1:02d}", "[NATO]"))
    build(config, options)
    assert len(given) == 2 and sorted(given[1]) == sorted(f"dispatches/d{i}/index.html" for i in range(EARLY_LIMIT))

    for i in range(EARLY_LIMIT + 1):
        (root / f"content/d{i}.md").write_text(dispatch(f"Dispatch {i}, all revised", f"2022-01-{i + 1:02d}", "[NATO]"))
    build(config, options)
    assert len(given) == 2, "a batch larger than EARLY_LIMIT is built in one go"
