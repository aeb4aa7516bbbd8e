"""Random sequences of edits: after each, a cached build equals a clean build, byte for byte.

Page digests cover only what each kind of page shows, so an edit to one field of one
dispatch must reach every page that shows that field and no stale page may survive.
Each round changes a few dispatches at random (date, actors, topics, thread, title,
body, related links, events, source), sometimes adds or deletes one or rewrites the actor
registry, then builds with the cache.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
from pathlib import Path

import pytest

from briefgen.commands.build import BuildOptions, build
from briefgen.config import load_config
from briefgen.session import Session
from tests.conftest import tree_bytes
from tests.hardening.sitegen import ACTORS, generated_site

ROUNDS = 10


def _field(text: str, name: str, value: str) -> str:
    return re.sub(rf"^{name}: .*$", f"{name}: {value}", text, count=1, flags=re.M)


def _mutate(rng: random.Random, text: str, slugs: list[str]) -> str:
    kind = rng.choice(["date", "actors", "topics", "thread", "title", "body", "related", "events", "source"])
    if kind == "date":
        return _field(text, "date", str(dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(400))))
    if kind == "actors":
        return _field(text, "actors", "[" + ", ".join(rng.sample(ACTORS, rng.randint(1, 4))) + "]")
    if kind == "topics":
        return _field(text, "topics", f"[topic {rng.randrange(14)}]")
    if kind == "thread":
        return _field(text, "thread", f"thread-{rng.randrange(16)}")
    if kind == "title":
        return _field(text, "title", f"Retitled {rng.randrange(10**6)}")
    if kind == "related":
        if "\nrelated: " in text:
            return _field(text, "related", f"[{rng.choice(slugs)}]")
        return text.replace("\n---\n", f"\nrelated: [{rng.choice(slugs)}]\n---\n", 1)
    if kind == "source":  # a dispatch page shows how many dispatches cite its source
        source = f"Source {rng.randrange(3)}"
        if "\nsource: " in text:
            return _field(text, "source", source)
        return text.replace("\n---\n", f"\nsource: {source}\n---\n", 1)
    if kind == "events":
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(2000))
        return re.sub(r"  - \{date: [^,]+,", f"  - {{date: {day},", text, count=1)
    return text + f"\nAn added sentence {rng.randrange(10**6)}.\n"


def _registry(rng: random.Random) -> str:
    """An actor registry for some of the names dispatches use; an id other than the name's
    slug changes what every dispatch naming it resolves to."""
    records = []
    for name in rng.sample(ACTORS, rng.randint(1, 4)):
        actor_id = rng.choice([name.lower().replace(" ", "-"), name.split()[-1].lower()])
        kind = rng.choice(["person", "organization", "state", "other"])
        records.append(f"{actor_id}:\n  name: {name}\n  kind: {kind}\n")
    return "".join(dict.fromkeys(records))


def _clean(root: Path) -> dict[str, bytes]:
    out = root.parent / "clean-out"
    build(load_config(root / "config.yaml", {}), BuildOptions(output=out, cache=False))
    files = tree_bytes(out)
    shutil.rmtree(out)
    return files


@pytest.mark.parametrize("kept", [False, True], ids=["cli", "session"])
def test_random_edit_sequences_build_like_a_clean_build(tmp_path: Path, kept: bool) -> None:
    """`session`: the builds share a Session, as serve's rebuilds do."""
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    root = generated_site(tmp_path / "project", 60)
    config = load_config(root / "config.yaml", {})
    session = Session() if kept else None
    build(config, BuildOptions(session=session))
    serial = 1000
    for round_no in range(ROUNDS):
        files = sorted((root / "content").rglob("d*.md"))
        changed = rng.sample(files, 3)
        for path in changed:
            path.write_text(_mutate(rng, path.read_text(encoding="utf-8"), [f.stem for f in files if f != path]), encoding="utf-8")
        shape = rng.random()  # most rounds only edit: an addition or deletion re-renders a lot
        if shape < 0.15:
            gone = rng.choice([f for f in files if f not in changed])
            gone.unlink()
            for path in (root / "content").rglob("*.md"):  # references to it go too
                text = path.read_text(encoding="utf-8")
                if f"related: [{gone.stem}]" in text:
                    path.write_text(text.replace(f"\nrelated: [{gone.stem}]\n", "\n"), encoding="utf-8")
        elif shape < 0.3:
            serial += 1
            (root / f"content/part0/d{serial}.md").write_text(
                f"---\ntitle: Added {serial}\ndate: 2021-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n"
                f"actors: [{rng.choice(ACTORS)}]\ntopics: [security]\n---\nNew body.\n", encoding="utf-8")
        if rng.random() < 0.25:
            (root / "content/actors.yaml").write_text(_registry(rng), encoding="utf-8")
        build(config, BuildOptions(session=session))
        built, clean = tree_bytes(root / "site"), _clean(root)
        differing = sorted(k for k in built.keys() | clean.keys() if built.get(k) != clean.get(k))
        assert not differing, f"round {round_no} (seed {seed}): {differing[:10]}"


@pytest.mark.parametrize("kept", [False, True], ids=["cli", "session"])
def test_random_body_edits_render_only_the_pages_showing_them(tmp_path: Path, kept: bool) -> None:
    """Edits to bodies alone (an added sentence, a new first paragraph, which listings
    show as the summary) leave every front matter as it was: the build renders again only
    the pages that show what changed, and still builds what a clean build builds."""
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    root = generated_site(tmp_path / "project", 60)
    config = load_config(root / "config.yaml", {})
    session = Session() if kept else None
    first = build(config, BuildOptions(session=session))
    for round_no in range(ROUNDS):
        for path in rng.sample(sorted((root / "content").rglob("d*.md")), rng.randint(1, 2)):
            text = path.read_text(encoding="utf-8")
            if rng.random() < 0.5:
                text += f"\nAn added sentence {rng.randrange(10**6)}.\n"
            else:
                text = text.replace("\n---\n", f"\n---\nA new opening {rng.randrange(10**6)}.\n\n", 1)  # the closing fence
            path.write_text(text, encoding="utf-8")
        rendered = build(config, BuildOptions(session=session)).rendered
        assert 0 < rendered < first.rendered / 2, f"round {round_no} (seed {seed}): {rendered} pages rendered"
        built, clean = tree_bytes(root / "site"), _clean(root)
        differing = sorted(k for k in built.keys() | clean.keys() if built.get(k) != clean.get(k))
        assert not differing, f"round {round_no} (seed {seed}): {differing[:10]}"
