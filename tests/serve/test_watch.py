"""watch.classify: which file events make which kind of rebuild, and which make none."""

from __future__ import annotations

from pathlib import PurePath

import pytest

from briefgen.watch import ChangeKind, Event, Layout, classify

ROOT = PurePath("/p")
LAYOUT = Layout(ROOT / "config.yaml", ROOT / "content", ROOT / "templates", ROOT / "static", editions_dir=ROOT / "editions")
C, A, T, S, CFG = ChangeKind.CONTENT, ChangeKind.ACTORS, ChangeKind.TEMPLATES, ChangeKind.STATIC, ChangeKind.CONFIG
E = ChangeKind.EDITIONS


@pytest.mark.parametrize(
    ("events", "kinds"),
    [
        ([Event("modified", "/p/content/a.md")], {C}),
        ([Event("created", "/p/content/deep/er/b.md")], {C}),
        ([Event("deleted", "/p/content/a.md")], {C}),
        ([Event("modified", "/p/content/actors.yaml")], {A}),
        ([Event("modified", "/p/content/sub/actors.yaml")], {C}),  # only content/actors.yaml is the registry
        ([Event("modified", "/p/content/talks/map.png")], {C}),  # a file a dispatch may show
        ([Event("modified", "/p/config.yaml")], {CFG}),
        ([Event("created", "/p/templates/dispatch.html")], {T}),
        ([Event("modified", "/p/static/css/x.css")], {S}),
        ([Event("created", "/p/templates", is_directory=True)], {T}),
        ([Event("modified", "/p/editions/2022-01-14.md")], {E}),
        ([Event("created", "/p/editions/2022/week-3.md")], {E}),
        ([Event("moved", "/p/editions/.2022-01-14.md.tmp", "/p/editions/2022-01-14.md")], {E}),
        # an editor's save: write a temp file, rename it over the dispatch
        ([Event("created", "/p/content/.a.md.tmp1"), Event("modified", "/p/content/.a.md.tmp1"), Event("moved", "/p/content/.a.md.tmp1", "/p/content/a.md")], {C}),
        # vim: a probe file, a backup by rename, a swap file
        ([Event("created", "/p/content/4913"), Event("deleted", "/p/content/4913"), Event("created", "/p/content/.a.md.swp"), Event("moved", "/p/content/a.md", "/p/content/a.md~")], {C}),
        # a dispatch moved out of content/ disappears; a folder moved in brings dispatches
        ([Event("moved", "/p/content/a.md", "/elsewhere/a.md")], {C}),
        ([Event("moved", "/tmp/new", "/p/content/new", is_directory=True)], {C}),
        ([Event("deleted", "/p/content/old", is_directory=True)], {C}),
    ],
)
def test_changes_that_rebuild(events: list[Event], kinds: set[ChangeKind]) -> None:
    assert classify(events, LAYOUT) == kinds


@pytest.mark.parametrize(
    "event",
    [
        Event("opened", "/p/content/a.md"),
        Event("closed_no_write", "/p/content/a.md"),
        Event("modified", "/p/content", is_directory=True),
        Event("modified", "/p/content/sub", is_directory=True),
        Event("created", "/p/content/.a.md.swp"),
        Event("modified", "/p/content/a.md~"),
        Event("created", "/p/content/#a.md#"),
        Event("created", "/p/content/.#a.md"),
        Event("modified", "/p/content/.hidden/a.md"),
        Event("modified", "/p/editions/.drafts/next.md"),
        Event("created", "/p/editions/.2022-01-14.md.swp"),
        Event("modified", "/p/templates/.dispatch.html.swp"),
        Event("modified", "/p/site/index.html"),
        Event("created", "/p/.briefgen-cache/docs.db"),
        Event("modified", "/p/README.md"),
        Event("modified", "/p/config.yaml~"),
        Event("created", "/p/contents/a.md"),
    ],
)
def test_changes_no_build_sees(event: Event) -> None:
    assert classify([event], LAYOUT) == frozenset()


def test_every_kind_of_a_batch_is_reported() -> None:
    batch = [Event("modified", "/p/config.yaml"), Event("modified", "/p/content/a.md"), Event("created", "/p/static/x.png"), Event("opened", "/p/templates/base.html")]
    assert classify(batch, LAYOUT) == {CFG, C, S}


def test_folders_configured_elsewhere() -> None:
    layout = Layout(ROOT / "config.yaml", PurePath("/data/dispatches"), ROOT / "layouts", ROOT / "public")
    assert classify([Event("modified", "/data/dispatches/x.md")], layout) == {C}
    assert classify([Event("modified", "/p/content/x.md")], layout) == frozenset()
    assert classify([Event("modified", "/p/layouts/base.html")], layout) == {T}


def test_watchdog_events_are_read_as_they_come() -> None:
    from watchdog.events import DirModifiedEvent, FileMovedEvent

    moved = Event.of(FileMovedEvent("/p/content/.x.tmp", "/p/content/x.md"))
    assert moved == Event("moved", "/p/content/.x.tmp", "/p/content/x.md", False)
    assert Event.of(DirModifiedEvent(b"/p/content")) == Event("modified", "/p/content", "", True)
    assert classify([moved, Event.of(DirModifiedEvent("/p/content"))], LAYOUT) == {C}
