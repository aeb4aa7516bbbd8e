"""A small briefing whose own templates override the theme and read everything a template
can reach, kept as plain values (`Briefing`), written out as files, and edited.

The overrides start from the theme's own files (briefgen/theme/) with snippets added: the
classification banner after the brand link of base.html, and, switched on or off one by
one (`FEATURES`), front-matter extras in the footer, counts of topics, actors and threads,
another dispatch's title, site-wide lists, a partial (`_partial.html`) included from several
templates, and macros (`_mymacros.html`) imported without context and with it.

Every edit is a small frozen record with `apply(briefing) -> description`; an edit that
names a dispatch does so by a number taken modulo the dispatches there are, so any
sequence of edits applies to any briefing. `check_step` builds with the cache, builds a
fresh copy of the project without it, and fails on the first file that differs or on a
banner where no `classification` key is (or none where one is).
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from briefgen.render import THEME_DIR
from tests.conftest import tree_bytes

BANNER = '<p class="classification-banner">RESTRICTED</p>'
BANNER_SNIPPET = "{% if d is defined and d.extra.classification %}" + BANNER + "{% endif %}"
OTHER = "d02"
"""The dispatch whose title other pages show (`dispatch('d02').title`); it may be deleted."""

CONFIG = "title: Override Briefing\nbase_url: https://override.example.org/\nper_page: 4\nrelated_limit: 0\n"
"""With a host: editions' emails link by full URL."""

REGISTRY = {
    "nato": ("NATO", "organization", "[North Atlantic Alliance]", ""),
    "russia": ("Russia", "state", "[Russian Federation]", ""),
    "united-states": ("United States", "state", "[US, USA]", ""),
    "osce": ("OSCE", "organization", "[]", ""),
    "jens-stoltenberg": ("Jens Stoltenberg", "person", "[Stoltenberg]", "[nato]"),
    "sergey-lavrov": ("Sergey Lavrov", "person", "[Lavrov]", "[russia]"),
}
ACTOR_REFS = ["NATO", "Russia", "US", "OSCE", "Stoltenberg", "Sergey Lavrov", "Ukraine", "Antony Blinken"]
"""Ids, names and aliases of registered actors, and two actors the registry does not know."""
TOPICS = ["security", "arms control", "sanctions", "diplomacy", "energy"]
THREADS = ["talks", "treaty-drafts", "council", None]
SOURCES = {"TASS": "https://tass.com/", "Reuters": "https://www.reuters.com/", "OSCE Press": "https://www.osce.org/"}


@dataclass
class Doc:
    """One dispatch file's front matter and body."""

    slug: str
    title: str
    date: str
    actors: list[str]
    topics: list[str] = field(default_factory=list)
    thread: str | None = None
    source: str | None = None
    related: list[str] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    body: str = "Body."

    def text(self) -> str:
        lines = [f"title: {self.title}", f"date: {self.date}", f"actors: [{', '.join(self.actors)}]"]
        if self.topics:
            lines.append(f"topics: [{', '.join(self.topics)}]")
        if self.thread:
            lines.append(f"thread: {self.thread}")
        if self.source:
            lines.append(f'source: {{name: {self.source}, url: "{SOURCES[self.source]}"}}')
        if self.related:
            lines.append(f"related: [{', '.join(self.related)}]")
        if self.events:
            lines.append("events:")
            lines += [f"  - {{date: {day}, title: {title}}}" for day, title in self.events]
        lines += [f"{key}: {value}" for key, value in self.extra.items()]
        return "---\n" + "\n".join(lines) + "\n---\n" + self.body + "\n"


@dataclass
class EditionDoc:
    """One edition file: the editor's list (None: every dispatch since the last edition)."""

    date: str
    title: str
    slugs: list[str] | None = None
    lede: str = "The lede."

    def text(self, docs: list[Doc], since: str | None) -> str | None:
        """The file, listing only dispatches there are and not after its date; None when
        it would carry nothing (such an edition is an error, and left out)."""
        window = [d.slug for d in sorted(docs, key=lambda d: d.date) if (since is None or d.date > since) and d.date <= self.date]
        slugs = [s for s in self.slugs if any(d.slug == s and d.date <= self.date for d in docs)] if self.slugs is not None else None
        if not (slugs or window):
            return None
        listed = f"dispatches: [{', '.join(slugs)}]\n" if slugs else ""
        return f"---\ndate: {self.date}\ntitle: {self.title}\n{listed}---\n{self.lede}\n"


def initial_editions() -> list[EditionDoc]:
    return [EditionDoc("2022-01-04", "First week", ["d03", "d01", "d04"]), EditionDoc("2022-02-05", "Since then")]


FEATURES: dict[str, tuple[str, ...]] = {
    "base.html": ("desk", "partial", "totals", "macros_ctx"),
    "dispatch.html": ("topic_sizes", "thread_size", "actor_counts", "other_title", "all_threads", "partial", "macros", "macros_ctx", "from_ctx"),
    "topic.html": ("all_threads", "actor_total", "other_title", "partial", "macros", "macros_ctx"),
    "thread.html": ("all_topics", "other_title", "dispatch_list", "partial", "from_ctx"),
    "home.html": ("all_topics", "other_title", "partial", "macros"),
}
"""What each override may add to its theme file, by snippet name (`SNIPPETS`)."""

SNIPPETS = {
    # front-matter extras (footer)
    "desk": '{% if d is defined and d.extra.desk %}<p class="desk">Desk: {{ d.extra.desk }}</p>{% endif %}',
    # site-wide counts and lists
    "totals": '<p class="totals">{{ site.dispatches|length }} dispatches, {{ site.actors|length }} actors, {{ site.threads|length }} threads</p>',
    "topic_sizes": '<ul class="topic-sizes">{% for t in d.topics %}<li>{{ t.name }}: {{ site.topics[t.key].dispatches|length }}</li>{% endfor %}</ul>',
    "thread_size": '{% if d.thread %}<p class="thread-size">{{ site.threads[d.thread].dispatches|length }} in this thread</p>{% endif %}',
    "actor_counts": '<ul class="actor-counts">{% for a in d.actors %}<li>{{ actor(a).name }}: {{ site.actor_stats[a].dispatches|length }}</li>{% endfor %}</ul>',
    "actor_total": '<p class="actor-total">{{ site.actors|length }} actors</p>',
    "all_threads": '<ul class="all-threads">{% for g in site.threads.values() %}<li>{{ g.name }}: {{ g.dispatches|length }}</li>{% endfor %}</ul>',
    "all_topics": '<ul class="all-topics">{% for key, g in site.topics.items() %}<li>{{ g.name }}: {{ g.dispatches|length }}, latest {{ dispatch(g.dispatches[0]).title }}</li>{% endfor %}</ul>',
    "dispatch_list": '<ol class="everything">{% for x in site.dispatches %}<li>{{ x.title }}</li>{% endfor %}</ol>',
    # another dispatch's title
    "other_title": "{% set other = dispatch('" + OTHER + "') %}<p class=\"other\">Also: {% if other %}{{ other.title }}{% else %}gone{% endif %}</p>",
    # a partial, and macros imported without and with context
    "partial": "{% include '_partial.html' %}",
    "macros": "{% import '_mymacros.html' as m %}<p class=\"badges\">{{ m.badge(title) }} {{ m.topic_size('security') }}</p>",
    "macros_ctx": "{% import '_mymacros.html' as mc with context %}<p class=\"ctx-line\">{{ mc.context_line() }}</p>",
    "from_ctx": "{% from '_mymacros.html' import context_line with context %}<p class=\"ctx-from\">{{ context_line() }}</p>",
}

PARTIAL_READS = {
    "kind": "on {{ kind }}",
    "threads": "{{ site.threads|length }} threads",
    "security": "{% if 'security' in site.topics %}security {{ site.topics['security'].dispatches|length }}{% endif %}",
    "title": "{% if d is defined %}{{ d.title }}{% endif %}",
    "other": "{% set o = dispatch('" + OTHER + "') %}{% if o %}{{ o.title }}{% endif %}",
}
MACRO_READS = {
    "extra": "{{ d.extra.classification or 'open' }}",
    "thread": "{% if d.thread %}{{ site.threads[d.thread].dispatches|length }}{% endif %}",
    "other": "{% set o = dispatch('" + OTHER + "') %}{% if o %}{{ o.title }}{% endif %}",
    "topics": "{{ d.topics|map(attribute='name')|join(', ') }}",
}


@dataclass
class Templates:
    """The site's templates/: each override's features (None: no override, the theme's file
    is used) and wording, the partial's and the macros'."""

    overrides: dict[str, frozenset[str] | None]
    wording: dict[str, int]
    partial: frozenset[str]
    macros: frozenset[str]
    kept: dict[str, frozenset[str]] = field(default_factory=dict)
    """The features of an override while it is deleted, for when it comes back."""

    def files(self) -> dict[str, str]:
        out = {"_partial.html": self._partial(), "_mymacros.html": self._macros()}
        for name, features in self.overrides.items():
            if features is not None:
                out[name] = self._override(name, features)
        return out

    def _override(self, name: str, features: frozenset[str]) -> str:
        theme = (THEME_DIR / name).read_text(encoding="utf-8")
        added = "".join(SNIPPETS[f] + "\n" for f in FEATURES[name] if f in features)
        edition = f'<p class="edition">{name} edition {self.wording.get(name, 0)}</p>\n'
        if name == "base.html":
            brand = next(line for line in theme.splitlines(keepends=True) if 'class="brand"' in line)
            theme = theme.replace(brand, brand + "    " + BANNER_SNIPPET + "\n", 1)
            assert "</footer>" in theme, "the theme's base.html has no footer"
            return theme.replace("</footer>", edition + added + "</footer>", 1)
        anchor = "{% block content %}"
        if anchor in theme:
            return theme.replace(anchor, anchor + "\n" + edition + added, 1)
        # a theme file that only extends another (a shared layout) fills its content block
        assert theme.lstrip().startswith("{% extends"), f"the theme's {name} has no content block and extends nothing"
        return theme.rstrip("\n") + "\n" + anchor + "\n" + edition + added + "{{ super() }}\n{% endblock %}\n"

    def _partial(self) -> str:
        reads = " · ".join(PARTIAL_READS[r] for r in PARTIAL_READS if r in self.partial)
        return f'<aside class="partial">Partial {self.wording.get("_partial.html", 0)}: {reads}</aside>\n'

    def _macros(self) -> str:
        reads = " · ".join(MACRO_READS[r] for r in MACRO_READS if r in self.macros)
        version = self.wording.get("_mymacros.html", 0)
        return (
            f'{{% macro badge(text) -%}}<span class="badge">{{{{ text }}}} ({version})</span>{{%- endmacro %}}\n'
            "{% macro topic_size(key) -%}<span class=\"tsize\">{% if key in site.topics %}{{ site.topics[key].dispatches|length }}{% else %}0{% endif %}</span>{%- endmacro %}\n"
            f'{{% macro context_line() -%}}<span class="ctx">{version} {{{{ kind }}}}{{% if d is defined %}} {{{{ d.slug }}}}: {reads}{{% endif %}}</span>{{%- endmacro %}}\n'
        )


def initial_templates() -> Templates:
    return Templates(
        overrides={
            "base.html": frozenset({"desk", "partial"}),
            "dispatch.html": frozenset({"topic_sizes", "other_title", "partial", "macros", "macros_ctx"}),
            "topic.html": frozenset({"all_threads", "other_title", "partial", "macros"}),
            "thread.html": frozenset({"all_topics", "other_title", "from_ctx"}),
            "home.html": frozenset({"other_title", "partial"}),
        },
        wording={},
        partial=frozenset({"kind", "title"}),
        macros=frozenset({"extra"}),
    )


def initial_docs() -> list[Doc]:
    return [
        Doc("d01", "Alliance proposes council session", "2022-01-01", ["NATO", "Russia", "Stoltenberg"], ["security"], "talks", "TASS",
            events=[("2099-01-12", "Council session")], extra={"desk": "Brussels"}),
        Doc("d02", "Moscow considers the proposal", "2022-01-02", ["Russia", "Sergey Lavrov"], ["security", "diplomacy"], "talks", "TASS"),
        Doc("d03", "Draft treaties published", "2022-01-03", ["Russia"], ["arms control"], "treaty-drafts", "Reuters", ["d01"],
            extra={"classification": "restricted"}),
        Doc("d04", "Washington answers in writing", "2022-01-04", ["US", "Antony Blinken"], ["security"], "treaty-drafts", "Reuters"),
        Doc("d05", "Geneva talks end without a deal", "2022-01-05", ["US", "Russia", "Antony Blinken", "Sergey Lavrov"], ["diplomacy"], "talks",
            None, ["d02", "d04"], events=[("2020-06-01", "An earlier round")]),
        Doc("d06", "OSCE permanent council meets", "2022-01-06", ["OSCE", "Ukraine"], ["security", "energy"], "council", "OSCE Press"),
        Doc("d07", "Sanctions package outlined", "2022-01-07", ["US", "NATO"], ["sanctions"], None, "Reuters",
            extra={"classification": "restricted", "desk": "Washington"}),
        Doc("d08", "Council statement on Ukraine", "2022-01-08", ["NATO", "Ukraine", "Stoltenberg"], ["security"], "council", None, ["d06"]),
        Doc("d09", "Energy talks in Vienna", "2022-02-01", ["OSCE", "Russia"], ["energy"], None, "OSCE Press"),
        Doc("d10", "Allies compare notes", "2022-02-02", ["NATO", "US"], ["security", "sanctions"], "talks", "TASS"),
    ]


@dataclass
class Briefing:
    """The whole project as values: dispatches, the registry's descriptions, templates."""

    docs: list[Doc] = field(default_factory=initial_docs)
    descriptions: dict[str, int] = field(default_factory=dict)
    templates: Templates = field(default_factory=initial_templates)
    editions: list[EditionDoc] = field(default_factory=initial_editions)
    serial: int = 10

    def files(self) -> dict[str, str]:
        out = {"config.yaml": CONFIG, "content/actors.yaml": self._registry()}
        for doc in self.docs:
            out[f"content/{doc.slug}.md"] = doc.text()
        since = None
        for edition in self.editions:
            text = edition.text(self.docs, since)
            if text is not None:
                out[f"editions/{edition.date}.md"] = text
                since = edition.date
        out.update({f"templates/{name}": text for name, text in self.templates.files().items()})
        return out

    def _registry(self) -> str:
        records = []
        for actor_id, (name, kind, aliases, affiliations) in REGISTRY.items():
            record = f"{actor_id}:\n  name: {name}\n  kind: {kind}\n  aliases: {aliases}\n"
            if affiliations:
                record += f"  affiliations: {affiliations}\n"
            if actor_id in self.descriptions:
                record += f"  description: Described {self.descriptions[actor_id]} times.\n"
            records.append(record)
        return "".join(records)

    def restricted(self) -> set[str]:
        """Output paths of the dispatch pages that must carry the banner."""
        return {f"dispatches/{d.slug}/index.html" for d in self.docs if "classification" in d.extra}

    def banner_expected(self) -> set[str]:
        return self.restricted() if self.templates.overrides.get("base.html") is not None else set()

    def pick(self, n: int) -> Doc:
        return self.docs[n % len(self.docs)]


def write(root: Path, files: dict[str, str], dry_run: bool = False) -> list[str]:
    """Make root hold exactly these project files (output and cache aside): write the ones
    that changed, delete the ones no longer there. Returns what changed (with `dry_run`,
    what would change, changing nothing)."""
    changed = []
    for rel, text in files.items():
        path = root / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        changed.append(rel)
        if not dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for folder in ("content", "editions", "templates"):
        for path in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else []:
            rel = path.relative_to(root).as_posix()
            if path.is_file() and rel not in files:
                changed.append(rel)
                if not dry_run:
                    path.unlink()
    return changed


# ---------------------------------------------------------------- edits


@dataclass(frozen=True)
class EditBody:
    n: int
    serial: int

    def apply(self, b: Briefing) -> str:
        doc = b.pick(self.n)
        doc.body += f"\n\nAn added sentence {self.serial}."
        return f"edit the body of {doc.slug}"


@dataclass(frozen=True)
class Retitle:
    n: int
    serial: int

    def apply(self, b: Briefing) -> str:
        doc = b.pick(self.n)
        doc.title = f"Retitled dispatch {self.serial}"
        return f"retitle {doc.slug}"


@dataclass(frozen=True)
class AddTopic:
    n: int
    topic: int

    def apply(self, b: Briefing) -> str:
        doc, topic = b.pick(self.n), TOPICS[self.topic % len(TOPICS)]
        if topic not in doc.topics:
            doc.topics.append(topic)
        return f"add topic {topic!r} to {doc.slug}"


@dataclass(frozen=True)
class RemoveTopic:
    n: int

    def apply(self, b: Briefing) -> str:
        doc = b.pick(self.n)
        gone = doc.topics.pop(0) if doc.topics else None
        return f"remove topic {gone!r} from {doc.slug}"


@dataclass(frozen=True)
class AddDispatch:
    day: int
    actors: tuple[int, ...]
    topic: int
    thread: int
    restricted: bool

    def apply(self, b: Briefing) -> str:
        b.serial += 1
        slug = f"n{b.serial:02d}"
        doc = Doc(slug, f"Added dispatch {b.serial}", f"2022-01-{1 + self.day % 28:02d}",
                  sorted({ACTOR_REFS[a % len(ACTOR_REFS)] for a in self.actors}) or ["NATO"],
                  [TOPICS[self.topic % len(TOPICS)]], THREADS[self.thread % len(THREADS)], body=f"New body {b.serial}.")
        if self.restricted:
            doc.extra["classification"] = "restricted"
        b.docs.append(doc)
        return f"add {slug} (topic {doc.topics[0]!r}, thread {doc.thread}, restricted {self.restricted})"


@dataclass(frozen=True)
class DeleteDispatch:
    n: int

    def apply(self, b: Briefing) -> str:
        if len(b.docs) <= 3:
            return "delete nothing (three dispatches left)"
        doc = b.pick(self.n)
        b.docs.remove(doc)
        for other in b.docs:  # references to it go too
            other.related = [s for s in other.related if s != doc.slug]
        return f"delete {doc.slug}"


@dataclass(frozen=True)
class ToggleExtra:
    n: int
    key: str

    def apply(self, b: Briefing) -> str:
        doc = b.pick(self.n)
        if self.key in doc.extra:
            del doc.extra[self.key]
            return f"remove {self.key} from {doc.slug}"
        doc.extra[self.key] = "restricted" if self.key == "classification" else "Vienna"
        return f"add {self.key} to {doc.slug}"


@dataclass(frozen=True)
class SetThread:
    n: int
    thread: int

    def apply(self, b: Briefing) -> str:
        doc = b.pick(self.n)
        doc.thread = THREADS[self.thread % len(THREADS)]
        return f"move {doc.slug} to thread {doc.thread}"


@dataclass(frozen=True)
class SetActors:
    n: int
    actors: tuple[int, ...]

    def apply(self, b: Briefing) -> str:
        doc = b.pick(self.n)
        doc.actors = sorted({ACTOR_REFS[a % len(ACTOR_REFS)] for a in self.actors}) or ["NATO"]
        return f"set the actors of {doc.slug} to {doc.actors}"


@dataclass(frozen=True)
class DescribeActor:
    n: int

    def apply(self, b: Briefing) -> str:
        actor_id = list(REGISTRY)[self.n % len(REGISTRY)]
        b.descriptions[actor_id] = b.descriptions.get(actor_id, 0) + 1
        return f"describe {actor_id} in actors.yaml"


@dataclass(frozen=True)
class RewordLede:
    n: int
    serial: int

    def apply(self, b: Briefing) -> str:
        edition = b.editions[self.n % len(b.editions)]
        edition.lede = f"A lede reworded {self.serial} times."
        return f"reword the lede of the edition of {edition.date}"


@dataclass(frozen=True)
class ToggleSelection:
    """An edition lists its dispatches (newest first), or stops listing them."""

    n: int

    def apply(self, b: Briefing) -> str:
        edition = b.editions[self.n % len(b.editions)]
        if edition.slugs is None:
            edition.slugs = [d.slug for d in sorted(b.docs, key=lambda d: d.date, reverse=True) if d.date <= edition.date][:3]
            return f"list {edition.slugs} in the edition of {edition.date}"
        edition.slugs = None
        return f"list nothing in the edition of {edition.date}"


@dataclass(frozen=True)
class ToggleFeature:
    template: int
    feature: int

    def apply(self, b: Briefing) -> str:
        name = list(FEATURES)[self.template % len(FEATURES)]
        feature = FEATURES[name][self.feature % len(FEATURES[name])]
        features = b.templates.overrides[name] or frozenset()
        b.templates.overrides[name] = features ^ {feature}
        return f"{'remove' if feature in features else 'add'} {feature} in templates/{name}"


@dataclass(frozen=True)
class ToggleOverride:
    template: int

    def apply(self, b: Briefing) -> str:
        name = list(FEATURES)[self.template % len(FEATURES)]
        t = b.templates
        if t.overrides[name] is None:
            t.overrides[name] = t.kept.pop(name, frozenset())
            return f"restore templates/{name}"
        t.kept[name], t.overrides[name] = t.overrides[name], None
        return f"delete templates/{name} (the theme's is used)"


@dataclass(frozen=True)
class Reword:
    template: int

    def apply(self, b: Briefing) -> str:
        names = [*FEATURES, "_partial.html", "_mymacros.html"]
        name = names[self.template % len(names)]
        b.templates.wording[name] = b.templates.wording.get(name, 0) + 1
        return f"reword templates/{name}"


@dataclass(frozen=True)
class EditPartial:
    read: int

    def apply(self, b: Briefing) -> str:
        read = list(PARTIAL_READS)[self.read % len(PARTIAL_READS)]
        b.templates.partial ^= {read}
        return f"{'add' if read in b.templates.partial else 'remove'} {read!r} in templates/_partial.html"


@dataclass(frozen=True)
class EditMacro:
    read: int

    def apply(self, b: Briefing) -> str:
        read = list(MACRO_READS)[self.read % len(MACRO_READS)]
        b.templates.macros ^= {read}
        return f"{'add' if read in b.templates.macros else 'remove'} {read!r} in the macro context_line (templates/_mymacros.html)"


# ---------------------------------------------------------------- building and comparing


def clean_build(root: Path, scratch: Path, build_into: Callable[[Path, Path], None]) -> dict[str, bytes]:
    """The site a build with no cache makes of a fresh copy of the project's inputs."""
    shutil.rmtree(scratch, ignore_errors=True)
    project = scratch / "project"
    project.mkdir(parents=True)
    for part in ("config.yaml", "content", "editions", "templates"):
        if (root / part).is_dir():
            shutil.copytree(root / part, project / part)
        elif (root / part).exists():
            shutil.copy2(root / part, project / part)
    build_into(project, scratch / "out")
    files = tree_bytes(scratch / "out")
    shutil.rmtree(scratch)
    return files


def banner_problems(files: dict[str, bytes], expected: set[str], which: str) -> list[str]:
    marked = {rel for rel, data in files.items() if BANNER.encode() in data}
    problems = []
    if marked - expected:
        problems.append(f"{which} build: banner on {sorted(marked - expected)}, whose dispatches carry no classification")
    if expected - marked:
        problems.append(f"{which} build: no banner on {sorted(expected - marked)}, whose dispatches carry classification")
    return problems


def first_difference(built: dict[str, bytes], clean: dict[str, bytes]) -> str | None:
    """The differing files, the first with a short diff; None when the trees are equal."""
    differing = sorted(k for k in built.keys() | clean.keys() if built.get(k) != clean.get(k))
    if not differing:
        return None
    first = differing[0]
    if first not in built or first not in clean:
        detail = f"{first} is only in the {'cached' if first in built else 'clean'} build"
    else:
        diff = difflib.unified_diff(clean[first].decode("utf-8", "replace").splitlines(), built[first].decode("utf-8", "replace").splitlines(),
                                    "clean/" + first, "cached/" + first, n=1, lineterm="")
        detail = "\n".join(line[:300] for line in list(diff)[:24])
    return f"{len(differing)} files differ from a clean build: {differing[:8]}\n{detail}"


def check_step(briefing: Briefing, built: dict[str, bytes], clean: dict[str, bytes], log: list[str]) -> None:
    """After one step: the clean build marks exactly the right pages, and the cached build
    equals it byte for byte."""
    __tracebackhide__ = True  # the arguments hold every file of two sites
    problems = banner_problems(clean, briefing.banner_expected(), "clean")
    difference = first_difference(built, clean)
    if difference:
        problems.append("cached build: " + difference)
        problems += banner_problems(built, briefing.banner_expected(), "cached")
    if problems:
        steps = "\n".join(f"  {i}. {line}" for i, line in enumerate(log, 1))
        raise AssertionError(f"after step {len(log)} ({log[-1]}):\n" + "\n".join(problems) + f"\nsteps:\n{steps}")
