"""Page digests: a hash of everything a page shows, so an unchanged page is not rendered again.

A page is a pure function of the site model, its spec, config and the templates. Each page
kind's digest covers what that kind's templates can read: the dispatches it lists or links
(their content hashes, which cover every field), the counts and neighbours it shows, and
"today" where upcoming events are shown. Template names, config, the code and every actor
and group name are in a global part shared by all pages.

What each page shows of the dispatches' content goes through `Digester.docs`, which also
notes the slugs: the build compares the "structure" (every file's path and front matter,
the registry, config, templates, code and day) with the last build's, and when it is the
same, only the pages showing a dispatch whose content changed are digested again. So a
value made from a body (its HTML, summary, word count) must reach a digest only through
`docs`, never through a part made from the structure.

The templates are checked for what they read (their Jinja syntax tree: globals, context
keys, `site.ATTRIBUTE`). A page whose templates read anything its kind's digest does not
cover — a site's own template, a new template global — gets a digest of the whole site
instead: slower, never wrong.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterable, Mapping

import jinja2
from jinja2 import meta, nodes
from jinja2.defaults import DEFAULT_NAMESPACE

from briefgen.model import Group, Site
from briefgen.pages import PageSpec
from briefgen.render import SiteEnvironment, recent_threads

PURE = frozenset(DEFAULT_NAMESPACE) | {
    "config", "url", "absolute", "asset", "kind", "title", "self", "caller", "loop", "varargs", "kwargs",
    "relation_text", "days_between", "month_label", "period_label", "once",
}
"""Names whose value is the same for every build with the same config, or a pure function
of its arguments: reading them adds nothing to a page's digest."""
LISTING = {"items", "pager", "dispatch", "actor", "site.threads", "site.topics"}
COVERED: Mapping[str, frozenset[str]] = {
    kind: frozenset(names) | PURE
    for kind, names in {
        "dispatch": {"d", "links", "newest_in_thread", "dispatch", "actor", "site.threads", "site.topics",
                     "site.sources", "site.today", "thread_timeline", "relation", "related_why"},
        "actor": LISTING | {"actor", "stats", "site.today", "co_network", "mentions_sparkline"},
        "date": LISTING | {"key", "level", "when", "previous", "next", "children", "site.dates", "month_grid", "months_of"},
        "topic": LISTING | {"group"},
        "source": LISTING | {"group"},
        "thread": LISTING | {"group", "thread_timeline"},
        "home": LISTING | {"site.events", "site.today", "site.dates", "top_actors", "recent_threads"},
        "redirect": {"target"},
        "search": set(),
        "not_found": set(),
    }.items()
}


def _hash(*parts: object) -> str:
    """Strings go in as they are (repr of large nested values is what digests cost most)."""
    text = "\x00".join(p if isinstance(p, str) else repr(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def template_reads(env: jinja2.Environment) -> dict[str, frozenset[str]]:
    """For each template, the outside names it and the templates it uses read.

    A template `env` has compiled (a `SiteEnvironment`'s `compiled`) is not parsed again:
    its code generation noted the names it looks up. Any other is parsed and analysed by
    Jinja in a copy of `env` whose only globals are Jinja's own, as Jinja's analysis
    counts a global of the environment as declared: the site's globals (`site`, `url`,
    `top_actors` …) are exactly what must be seen."""
    bare = env.overlay()
    bare.globals = dict(DEFAULT_NAMESPACE)
    compiled = env.compiled if isinstance(env, SiteEnvironment) else {}
    direct: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    for name in env.list_templates(extensions=["html", "xml"]):
        if name in compiled:
            tree, looked_up = compiled[name]
        else:
            tree = bare.parse(env.loader.get_source(env, name)[0] if env.loader else "")
            looked_up = meta.find_undeclared_variables(tree)
        direct[name] = _reads(tree, looked_up)
        referenced = set(meta.find_referenced_templates(tree))
        if None in referenced:
            direct[name].add("?dynamic-template")
        uses[name] = {r for r in referenced if r}
    closed: dict[str, frozenset[str]] = {}
    for name in direct:
        seen, stack, reads = set(), [name], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            reads |= direct.get(current, {"?missing-template"})
            stack += uses.get(current, ())
        closed[name] = frozenset(reads)
    return closed


def _reads(tree: nodes.Template, looked_up: set[str]) -> set[str]:
    """The names looked up but not declared (Jinja's own globals aside), with `site`
    narrowed to the attributes read from it."""
    names = looked_up - _declared(tree) - DEFAULT_NAMESPACE.keys()
    if "site" in names:
        names.discard("site")
        site_names = sum(1 for n in tree.find_all(nodes.Name) if n.name == "site")
        attrs = [n.attr for n in tree.find_all(nodes.Getattr) if isinstance(n.node, nodes.Name) and n.node.name == "site"]
        names |= {f"site.{a}" for a in attrs}
        if site_names > len(attrs):
            names.add("site.*")
    return names


def _declared(tree: nodes.Template) -> set[str]:
    """Names the template itself binds anywhere: imports, macros, `set` and loop targets.
    Jinja's own analysis sees a name imported or set outside a block as unbound inside it."""
    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names |= {n.name for n in tree.find_all(nodes.Macro)}
    names |= {n.target for n in tree.find_all(nodes.Import)}
    for node in tree.find_all(nodes.FromImport):
        names |= {item[1] if isinstance(item, tuple) else item for item in node.names}
    return names


class Digester:
    """Page digests for one build; memoises what many pages share."""

    def __init__(self, site: Site, reads: Mapping[str, frozenset[str]], global_part: str) -> None:
        self.site = site
        self.reads = reads
        self.global_part = _hash(global_part, _actors_and_groups(site))
        self._whole: str | None = None
        self._parts: dict[str, str] = {}
        self.parts_shown: dict[str, str] = {}
        """What each shared part shows, as `digest_and_shown` lists it, by the part's name."""
        self._year: dict[str, str] = {}
        self.tokens = {d.slug: f"{d.slug}\x1f{d.digest}" for d in site.dispatches}
        """Each dispatch's slug and content hash, as page digests include it."""
        self.numbers = {d.slug: str(i) for i, d in enumerate(site.dispatches)}
        """Each dispatch's place in the site, as `digest_and_shown` lists it (shorter than
        its slug; the same from build to build while the structure is)."""
        self._facets: dict[str, str] = {}
        self._shown: list[str] | None = None

    def digest(self, spec: PageSpec) -> str:
        return self.digest_and_shown(spec)[0]

    def digest_and_shown(self, spec: PageSpec) -> tuple[str, str]:
        """A page's digest, and what it shows whose content its digest covers: the numbers
        of dispatches and the names of the shared parts it uses (see `parts_shown`), each
        between two separators (\\x1e); `WHOLE` when it covers every dispatch. When no file
        changed but in its body, only the pages showing a changed dispatch need a new digest."""
        kind = spec.context.get("kind", "")
        reads = self.reads.get(spec.template, frozenset({"?missing-template"}))
        part = KINDS.get(kind)
        if part is None or not reads <= COVERED.get(kind, PURE):
            return _hash(self.global_part, spec.path, spec.template, self.whole(spec)), WHOLE
        self._shown = []
        try:
            digest = _hash(self.global_part, spec.path, spec.template, part(self, spec))
            return digest, _listed(self._shown)
        finally:
            self._shown = None

    def inputs_digest(self, name: str, inputs: str) -> str:
        """A non-HTML file job's digest: its own inputs, and what every output depends on."""
        return _hash(self.global_part, "file", name, inputs)

    def docs(self, slugs: Iterable[str | None]) -> str:
        """Each dispatch shown, by slug and content: a file renamed keeps its content, not its slug."""
        token, shown = self.tokens, [s for s in slugs if s]
        if self._shown is not None:
            numbers = self.numbers
            self._shown += [numbers.get(s, s) for s in shown]
        return "\x1e".join(token.get(s) or s for s in shown)

    def _part(self, name: str, make: Callable[[], str]) -> str:
        """A part many pages share, made once. A page using it lists the part's name among
        what it shows, and `parts_shown` what the part shows: an actor's events are listed
        once, not on each of its pages."""
        found = self._parts.get(name)
        if found is None:
            outer, self._shown = self._shown, []
            try:
                found = self._parts[name] = make()
                self.parts_shown[name] = _listed(self._shown)
            finally:
                self._shown = outer
        if self._shown is not None:
            self._shown.append(name)
        return found

    def whole(self, spec: PageSpec) -> str:
        """The site model is made from the dispatch files, the registry and config (in the
        global part) and today's date: any change anywhere changes this."""
        if self._whole is None:
            s = self.site
            self._whole = _hash(tuple((d.slug, d.path, d.digest) for d in s.dispatches), s.today)
        return self._whole

    def dispatch(self, spec: PageSpec) -> str:
        """Links are given by slug: what a page shows of each linked dispatch (title, shared
        actors and topics, days apart) follows from its content and this one's. Beside
        them: how many dispatches cite its source, and which of its events are ahead."""
        d, links = spec.context["d"], spec.context["links"]
        site = self.site
        thread = self._part(f"@members/{d.thread}", lambda: self.docs(site.threads[d.thread].dispatches)) if d.thread else ""
        computed = " ".join(f"{r.slug}:{r.score}" for r in links.computed)
        cited = len(site.sources[d.source.key].dispatches) if d.source else 0
        upcoming = tuple(e.date >= site.today for e in d.events)
        return _hash(
            cited, upcoming,
            links.previous or "", links.next or "", ",".join(links.related), ",".join(links.referenced_by), computed,
            spec.context.get("newest_in_thread") or "", self.docs((d.slug,)), thread, self.docs(links.related),
            self.docs(links.referenced_by), self.docs(r.slug for r in links.computed),
        )

    def actor(self, spec: PageSpec) -> str:
        ctx = spec.context
        return _hash(self._actor_part(ctx["actor"].id), ctx["pager"], self.docs(ctx["items"]))

    def _actor_part(self, actor_id: str) -> str:
        """What every page of one actor shows: its record; its dispatches' dates, threads and
        actors (its stats and co-appearance network follow from them, so an edit to a body
        leaves its other pages alone); its threads with their sizes; its events, and which
        of them are still ahead."""
        def make() -> str:
            stats = self.site.actor_stats[actor_id]
            facets = "\x1e".join(self._facet(s) for s in stats.dispatches)
            events = self.docs(e.dispatch for e in stats.events)
            threads = tuple((t, len(self.site.threads[t].dispatches)) for t in stats.threads)  # shown with their counts
            upcoming = tuple(e.uid for e in stats.events if e.date >= self.site.today)
            return _hash(self.site.actors[actor_id], facets, events, threads, upcoming)

        return self._part(f"@actor/{actor_id}", make)

    def _facet(self, slug: str) -> str:
        """A dispatch's slug, date, thread and actors: what an actor's stats count."""
        found = self._facets.get(slug)
        if found is None:
            d = self.site.by_slug[slug]
            found = self._facets[slug] = f"{slug}\x1f{d.date}\x1f{d.thread}\x1f{'|'.join(d.actors)}"
        return found

    def date(self, spec: PageSpec) -> str:
        ctx = spec.context
        fixed = {k: ctx[k] for k in ("key", "level", "previous", "next", "children", "pager")}
        return _hash(fixed, self._year_part(ctx["key"][:4]), self.docs(ctx["items"]))

    def _year_part(self, year: str) -> str:
        """Counts of every period of the year (children and month calendars) and the busiest
        day of the site (calendars are shaded against it)."""
        if year not in self._year:
            dates = self.site.dates
            peak = max((len(v) for k, v in dates.items() if len(k) == 10), default=0)
            self._year[year] = _hash(peak, tuple((k, len(v)) for k, v in dates.items() if k.startswith(year)))
        return self._year[year]

    def group(self, spec: PageSpec) -> str:
        ctx = spec.context
        return _hash(self._group_part(ctx["kind"], ctx["group"]), ctx["pager"], self.docs(ctx["items"]))

    def _group_part(self, kind: str, group: Group) -> str:
        """What every page of one topic, thread or source shows: the group, and its first and
        last dispatches (the span it covers)."""
        ends = (group.dispatches[0], group.dispatches[-1]) if group.dispatches else ()
        return self._part(f"@{kind}/{group.key}", lambda: _hash(group, self.docs(ends)))

    def home(self, spec: PageSpec) -> str:
        ctx = spec.context
        return _hash(self._home_part(), ctx["pager"], self.docs(ctx["items"]))

    def _home_part(self) -> str:
        """The side column: upcoming events, recent threads with counts, most named actors, years."""
        def make() -> str:
            s = self.site
            upcoming = tuple(e for e in s.events if e.date >= s.today)
            threads = tuple((g.key, len(g.dispatches)) for g in recent_threads(s))  # most recent first
            counts = tuple(sorted((len(st.dispatches), a) for a, st in s.actor_stats.items()))
            years = tuple((k, len(v)) for k, v in s.dates.items() if len(k) == 4)
            return _hash(upcoming, self.docs(e.dispatch for e in upcoming), threads, counts, years)

        return self._part("@home", make)

    def plain(self, spec: PageSpec) -> str:
        """Pages that show only their own context: search, 404, redirects."""
        return _hash(tuple(sorted(spec.context.items())))


def _actors_and_groups(site: Site) -> str:
    """Every actor record and group name: any page may show any of them by name."""
    names = tuple((k, g.name) for groups in (site.topics, site.threads, site.sources) for k, g in groups.items())
    return _hash(tuple(site.actors.values()), names)


def _listed(names: Iterable[str]) -> str:
    """Dispatch numbers and part names, each between two separators, so `"\\x1e" + name + "\\x1e"` finds one."""
    return "\x1e" + "\x1e".join(names) + "\x1e"


WHOLE = "*"
"""What a page digested from the whole site shows: every dispatch."""

KINDS: Mapping[str, Callable[[Digester, PageSpec], str]] = {
    "dispatch": Digester.dispatch,
    "actor": Digester.actor,
    "date": Digester.date,
    "topic": Digester.group,
    "source": Digester.group,
    "thread": Digester.group,
    "home": Digester.home,
    "redirect": Digester.plain,
    "search": Digester.plain,
    "not_found": Digester.plain,
}
