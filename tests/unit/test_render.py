"""The template environment: Jinja's own rendering, with each template a page loads
noted among the page's reads."""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from briefgen.config import Config
from briefgen.reads import MISSING, Recorder
from briefgen.render import SiteEnvironment, template_env

TEMPLATES = {
    "page.html": "{% extends 'base.html' %}{% block body %}{% include 'part.html' %}{% endblock %}",
    "base.html": "{% import '_m.html' as m %}<main>{% block body %}{% endblock %}{{ m.b() }}</main>",
    "part.html": "{% from '_n.html' import i with context %}{{ i() }}{% include 'gone.html' ignore missing %}",
    "_m.html": "{% macro b() %}<b>m</b>{% endmacro %}",
    "_n.html": "{% macro i() %}<i>n</i>{% endmacro %}",
}


def _env(templates: dict[str, str]) -> SiteEnvironment:
    env = SiteEnvironment(loader=jinja2.DictLoader(templates), autoescape=True)
    env.recorder = Recorder(None, lambda name: MISSING)
    return env


def test_every_template_a_page_loads_is_among_its_reads() -> None:
    """Extended, included, imported with and without context, and one looked for but
    missing: adding it later must change the page."""
    env = _env(TEMPLATES)
    assert env.recorder is not None
    with env.recorder.page() as reads:
        page = env.get_template("page.html").render()
    assert page == "<main><i>n</i><b>m</b></main>"
    assert {r.split("\x1f")[1] for r in reads if r.startswith("template")} == {"page.html", "base.html", "part.html", "_m.html", "_n.html", "gone.html"}


def test_a_template_chosen_from_a_list_notes_every_candidate() -> None:
    env = _env({"t.html": "{% include ['a.html', 'b.html'] %}", "b.html": "b"})
    assert env.recorder is not None
    with env.recorder.page() as reads:
        assert env.get_template("t.html").render() == "b"
    assert {"template\x1fa.html", "template\x1fb.html"} <= reads


def test_an_error_in_a_called_function_still_points_into_the_template() -> None:
    def broken() -> str:
        raise ValueError("no")

    env = _env({"t.html": "line one\n{{ broken() }}"})
    env.globals["broken"] = broken
    with pytest.raises(ValueError) as caught:
        env.get_template("t.html").render()
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(caught.value.__traceback__)]
    assert ("<template>", 2) in frames  # a DictLoader template's name in tracebacks


def test_long_dates_are_spelled_for_their_own_day() -> None:
    """Two moments at one instant, written with different offsets, are equal: each is
    still spelled with the day it was written on."""
    env = template_env(Config(root=Path("/nonexistent")))
    late = dt.datetime(2021, 12, 26, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    early = late.astimezone(dt.timezone(dt.timedelta(hours=3)))
    assert late == early
    spell = env.filters["long_date"]
    assert (spell(late), spell(early), spell(None)) == ("26 December 2021", "27 December 2021", "")


def test_values_shown_in_a_page_are_escaped_and_safe_values_kept() -> None:
    env = _env({"t.html": "{{ a }}|{{ b }}|{{ n }}|{{ yes }}"})
    page = env.get_template("t.html").render(a="<x>", b=Markup("<y>"), n=7, yes=True)
    assert page == "&lt;x&gt;|<y>|7|True"


def _site_env(templates: dict[str, str]) -> SiteEnvironment:
    """An environment given a small site, as `add_site` gives the build's."""
    from briefgen.model import Group
    from briefgen.reads import ReadSite
    from briefgen.render import _fragment

    site = type("S", (), {"threads": {"a": Group("a", "A", ("x", "y"))}})()
    env = _env(templates)
    env.recorder = Recorder(site, lambda name: MISSING)
    env.globals["site"] = ReadSite(env.recorder)
    env.globals["fragment"] = lambda name, **values: _fragment(env, env.recorder, name, **values)
    return env


def test_what_an_imported_module_read_is_noted_on_every_page_importing_it() -> None:
    """Jinja makes a module once and keeps it: its top-level reads must still be noted
    on the second page, or a change to them would leave that page stale."""
    env = _site_env({
        "_m.html": "{% set size = site.threads['a'].dispatches|length %}{% macro n() %}{{ size }}{% endmacro %}",
        "p.html": "{% import '_m.html' as m %}{{ m.n() }}",
    })
    assert env.recorder is not None
    for _ in range(2):
        with env.recorder.page() as reads:
            assert env.get_template("p.html").render() == "2"
        assert "derived\x1fmodule:_m.html" in reads
    assert env.recorder.shared["derived\x1fmodule:_m.html"] == {"threads\x1fa", "threads\x1fa\x1fdispatches"}


def test_a_fragment_is_made_once_and_its_reads_noted_wherever_shown() -> None:
    env = _site_env({
        "_f.html": "{{ key }}:{{ site.threads[key].name }}{{ calls.append(1) or '' }}",
        "p.html": "{{ fragment('_f.html', key='a') }}|{{ fragment('_f.html', key='a') }}",
    })
    calls: list[int] = []
    env.globals["calls"] = calls
    assert env.recorder is not None
    for _ in range(2):
        with env.recorder.page() as reads:
            assert env.get_template("p.html").render() == "a:A|a:A"
        fragment = next(r for r in reads if "_f.html" in r)
        assert {"threads\x1fa\x1fname", "template\x1f_f.html"} <= env.recorder.shared[fragment]
    assert calls == [1]


def test_a_fragment_sees_only_its_values() -> None:
    env = _site_env({"_f.html": "[{{ secret }}]", "p.html": "{% set secret = 1 %}{{ fragment('_f.html') }}"})
    with pytest.raises(jinja2.TemplateSyntaxError, match="reads 'secret', which it is not given"):
        env.get_template("p.html").render()
    with pytest.raises(TypeError, match="must be text"):
        env.globals["fragment"]("_f.html", d=object())


def test_the_package_uses_no_private_part_of_jinja_or_markupsafe() -> None:
    """The next Jinja or MarkupSafe release must not be able to break a build: no private
    module, underscored name, or subclass of Jinja's runtime context."""
    import re

    import briefgen

    private = re.compile(
        r"jinja2\.(compiler|idtracking|lexer|optimizer)|from jinja2\.(compiler|idtracking)|markupsafe\._|from markupsafe import _"
        r"|_from_namespace|root_render_func|_get_default_module|\(jinja2\.runtime\.Context\)|jinja2\.runtime\.\w+\)"
    )
    package = Path(briefgen.__file__).parent
    found = [
        f"{path.relative_to(package)}:{n}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if private.search(line)
    ]
    assert found == []


def test_a_fragment_reading_a_name_it_is_not_given_is_an_error_at_its_line() -> None:
    env = _site_env({
        "_f.html": "{{ slug }}\n{% include '_g.html' %}",
        "_g.html": "ok\n\n{{ d.title }}",
        "p.html": "{{ fragment('_f.html', slug='a') }}",
    })
    with pytest.raises(jinja2.TemplateSyntaxError) as caught:
        env.get_template("p.html").render(d="the page's own dispatch")
    assert (caught.value.name, caught.value.lineno) == ("_g.html", 3)
    assert "fragment('_f.html', d=" in caught.value.message
