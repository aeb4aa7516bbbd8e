"""A large cold build models the site from the files' front matter while other processes
render their Markdown bodies. It must make exactly the site, the errors and the cache
that parsing whole files first makes. The example site is small, so these tests lower
the threshold (`read.PARSE_PER_WORKER`) to take that path with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen import fields, modelling, parallel, read
from briefgen.commands.build import BuildOptions, build, load_site
from briefgen.config import load_config
from briefgen.errors import ContentErrors
from tests.conftest import dispatch, tree_bytes


def _build(root: Path, **options) -> object:
    return build(load_config(root / "config.yaml", {}), BuildOptions(**options))


@pytest.fixture
def ahead(monkeypatch) -> dict[str, int]:
    """Take the modelled-ahead path for any site, on any machine; counts how often the
    site was modelled ahead ("made") and how often that model was used ("used")."""
    counts = {"made": 0, "used": 0}
    model_fronts, with_bodies = modelling.model_fronts, modelling.with_bodies

    def made(*args, **kwargs):
        result = model_fronts(*args, **kwargs)
        counts["made"] += result is not None
        return result

    def used(*args, **kwargs):
        counts["used"] += 1
        return with_bodies(*args, **kwargs)

    monkeypatch.setattr(read, "PARSE_PER_WORKER", 1)
    # two processes on any machine, even with other tests' threads alive in this one (a
    # browser's, a server's): the children forked here only parse, and hold no lock of theirs
    monkeypatch.setattr(parallel, "worker_count", lambda items, per_worker: min(2, max(1, items // per_worker)))
    monkeypatch.setattr(modelling, "model_fronts", made)
    monkeypatch.setattr(modelling, "with_bodies", used)
    return counts


def _whole_files_first(monkeypatch) -> None:
    monkeypatch.setattr(read, "PARSE_PER_WORKER", 10**9)


PLAIN = {  # no summaries given: each is its body's first paragraph
    f"content/d{i}.md": dispatch(f"Dispatch {i}", f"2021-12-{i + 10}", "[NATO, Russia]" if i % 2 else "[OSCE]",
                                 body=f"First paragraph {i} names NATO.\n\nA second one.", thread="talks")
    for i in range(6)
} | {
    "content/actors.yaml": "nato:\n  name: NATO\n  kind: organization\n",
    "content/draft.md": dispatch("Unfinished", "2021-12-20", "[NATO]", body="Half a thought.", draft="true"),
}


@pytest.mark.parametrize("site", ["example", "plain"])
def test_the_site_modelled_ahead_is_the_site(copy_site, make_site, ahead, monkeypatch, site: str) -> None:
    root = copy_site("example") if site == "example" else make_site(PLAIN)
    for drafts in (False, True):
        _build(root, output=root / "ahead", cache=False, drafts=drafts)
        assert ahead == {"made": 1 + drafts, "used": 1 + drafts}
        with monkeypatch.context() as whole:
            _whole_files_first(whole)
            _build(root, output=root / "whole", cache=False, drafts=drafts)
        assert ahead["used"] == 1 + drafts
        assert tree_bytes(root / "ahead") == tree_bytes(root / "whole")


@pytest.mark.parametrize("site", ["example", "plain"])
def test_the_model_made_ahead_equals_the_model(copy_site, make_site, ahead, monkeypatch, site: str) -> None:
    """Every field of every dispatch, the mentions that only `check --strict` shows included."""
    root = copy_site("example") if site == "example" else make_site(PLAIN)
    config = load_config(root / "config.yaml", {})

    modelled_ahead = load_site(config)
    assert ahead == {"made": 1, "used": 1}
    _whole_files_first(monkeypatch)
    whole_files = load_site(config)
    assert modelled_ahead.site == whole_files.site
    assert any(d.mentions for d in whole_files.site.dispatches)


def test_its_cache_holds_validated_dispatches(copy_site, ahead, monkeypatch) -> None:
    """After a build modelled ahead, a rebuild with one body edited validates that file only."""
    root = copy_site("example")
    _build(root)
    assert ahead == {"made": 1, "used": 1}
    _whole_files_first(monkeypatch)
    validated = []
    real = fields.to_dispatch
    monkeypatch.setattr(modelling, "to_dispatch", lambda *a, **k: validated.append(a[0].rel) or real(*a, **k))
    path = root / "content/nato-russia/nato-sends-written-proposals-to-russia.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA late correction to the record.\n", encoding="utf-8")
    edited = _build(root)
    assert edited.parsed == 1 and validated == ["content/nato-russia/nato-sends-written-proposals-to-russia.md"]
    _build(root, output=root / "clean", cache=False)
    assert tree_bytes(root / "site") == tree_bytes(root / "clean")


BROKEN = {
    "content/a.md": dispatch("A", body="Fine.", related="[b]"),
    "content/b.md": dispatch("B", body="Pasted wire text \x07 here."),
    "content/c.md": dispatch("C", date="2021-02-30"),
    "content/e.md": dispatch("E", slug="a"),
}


@pytest.mark.parametrize(
    "names", [["a.md", "b.md"], ["a.md", "c.md"], ["a.md", "b.md", "c.md"], ["a.md", "e.md"]], ids=["body", "front", "both", "one slug twice"],
)
def test_its_errors_are_those_of_whole_files(make_site, ahead, monkeypatch, names: list[str]) -> None:
    """A problem in a body is found only once the bodies are rendered: the site is then
    modelled again from whole files, so every problem is reported as before."""
    root = make_site({f"content/{n}": BROKEN[f"content/{n}"] for n in names})
    with pytest.raises(ContentErrors) as modelled_ahead:
        _build(root, cache=False)
    assert ahead["used"] == 0 and ahead["made"] == (names == ["a.md", "b.md"])  # a body problem is found late
    _whole_files_first(monkeypatch)
    with pytest.raises(ContentErrors) as whole_files:
        _build(root, cache=False)
    assert modelled_ahead.value.problems == whole_files.value.problems
    assert not (root / "site").exists()


def test_files_from_the_cache_and_files_parsed_make_the_site(copy_site, ahead) -> None:
    """Two files edited after a cached build: they are parsed while the others come from
    the cache, and the site is modelled ahead from both."""
    root = copy_site("example")
    _build(root)
    for name in ("nato-russia/nato-sends-written-proposals-to-russia.md", "osce/osce-permanent-council-vienna-january-13.md"):
        path = root / "content" / name
        path.write_text(path.read_text(encoding="utf-8") + "\nA late correction to the record.\n", encoding="utf-8")
    edited = _build(root)
    assert edited.parsed == 2 and ahead == {"made": 2, "used": 2}
    _build(root, output=root / "clean", cache=False)
    assert tree_bytes(root / "site") == tree_bytes(root / "clean")


def test_related_dispatches_are_scored_here_while_bodies_render(copy_site, ahead, monkeypatch) -> None:
    """Modelled ahead, the other processes already keep the cores busy: a process forked
    to score related dispatches would only add its own cost. Modelled from whole files,
    the cores are free, and scoring is shared out."""
    from briefgen import related

    root = copy_site("example")
    scored: list[int] = []
    fork_map = parallel.fork_map

    def recorded(func, items, workers, *rest):
        if getattr(func, "__name__", "") == "score":
            scored.append(workers)
        return fork_map(func, items, workers, *rest)

    monkeypatch.setattr(related, "PER_WORKER", 1)
    monkeypatch.setattr(parallel, "fork_map", recorded)
    _build(root, output=root / "ahead", cache=False)
    assert ahead["used"] == 1 and scored == [1]
    _whole_files_first(monkeypatch)
    _build(root, output=root / "whole", cache=False)
    assert scored == [1, 2]
