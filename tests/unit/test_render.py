"""The template environment's calls: the short way for plain functions and macros must
behave exactly as Jinja's own `Context.call`."""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2
import markupsafe
import pytest
from markupsafe import Markup

from briefgen.render import _ESCAPE, SiteEnvironment


def _render(source: str, **globals_: object) -> str:
    env = SiteEnvironment(loader=jinja2.DictLoader({"t.html": source}), autoescape=True)
    env.globals.update(globals_)
    return env.get_template("t.html").render()


def test_a_function_marked_pass_context_is_given_the_context() -> None:
    @jinja2.pass_context
    def who(context: jinja2.runtime.Context, greeting: str) -> str:
        return f"{greeting} {context['name']}"

    assert _render("{% set name = 'Ana' %}{{ who('hi') }}", who=who) == "hi Ana"


def test_a_function_marked_pass_environment_is_given_the_environment() -> None:
    @jinja2.pass_environment
    def kind(env: jinja2.Environment) -> str:
        return type(env).__name__

    assert _render("{{ kind() }}", kind=kind) == "SiteEnvironment"


def test_a_callable_object_marked_on_its_call_is_given_the_context() -> None:
    class Greeter:
        @jinja2.pass_context
        def __call__(self, context: jinja2.runtime.Context) -> str:
            return context["name"]

    assert _render("{% set name = 'Bo' %}{{ greet() }}", greet=Greeter()) == "Bo"


def test_plain_functions_builtins_and_macros_are_called_with_their_arguments() -> None:
    source = (
        "{% macro box(x) %}[{{ x }}{{ caller() if caller }}]{% endmacro %}"
        "{% for i in range(2) %}{{ add(i, k=10) }} {{ pick(i) }} {% call box(i) %}+{% endcall %} {% endfor %}"
    )
    assert _render(source, add=lambda i, k: i + k, pick={0: "a", 1: "b"}.get) == "10 a [0+] 11 b [1+] "


def test_a_stop_iteration_becomes_undefined() -> None:
    def empty() -> str:
        raise StopIteration

    assert _render("[{{ empty() }}]", empty=empty) == "[]"


def test_an_error_in_a_called_function_still_points_into_the_template() -> None:
    def broken() -> str:
        raise ValueError("no")

    env = SiteEnvironment(loader=jinja2.DictLoader({"t.html": "line one\n{{ broken() }}"}), autoescape=True)
    env.globals["broken"] = broken
    with pytest.raises(ValueError) as caught:
        env.get_template("t.html").render()
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(caught.value.__traceback__)]
    assert ("<template>", 2) in frames  # a DictLoader template's name in tracebacks
    assert not any(name.endswith("briefgen/render.py") for name, _ in frames)


@pytest.mark.parametrize("source", [
    "{% macro b() %}<b>x</b>{% endmacro %}{% autoescape false %}{% set s = b() %}{% endautoescape %}{{ s }}",
    "{% macro b() %}<b>x</b>{% endmacro %}{% autoescape false %}{{ b()|e }}{% endautoescape %}",
    "{% macro w() %}[{{ caller() }}]{% endmacro %}{% autoescape false %}{% set s %}{% call w() %}<i>{% endcall %}{% endset %}{% endautoescape %}{{ s }}",
    "{% macro b(x) %}<b>{{ x }}</b>{% endmacro %}{{ b('<') }}{{ b('&')|e }}",
])
def test_macros_are_called_as_jinja_calls_them(source: str) -> None:
    """A macro is given the evaluation context: whether autoescaping is on where it is
    called decides how its result is escaped later."""
    plain = jinja2.Environment(loader=jinja2.DictLoader({"t.html": source}), autoescape=True)
    assert _render(source) == plain.get_template("t.html").render()


def test_long_dates_are_spelled_for_their_own_day() -> None:
    """Two moments at one instant, written with different offsets, are equal: each is
    still spelled with the day it was written on."""
    import datetime as dt

    from briefgen.config import Config
    from briefgen.render import template_env

    env = template_env(Config(root=__import__("pathlib").Path("/nonexistent")))
    late = dt.datetime(2021, 12, 26, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    early = late.astimezone(dt.timezone(dt.timedelta(hours=3)))
    assert late == early
    spell = env.filters["long_date"]
    assert (spell(late), spell(early), spell(None)) == ("26 December 2021", "27 December 2021", "")


def _once_env(templates: dict[str, str]) -> jinja2.Environment:
    from briefgen.config import Config
    from briefgen.render import template_env

    env = template_env(Config(root=Path("/nonexistent")))
    env.loader = jinja2.DictLoader(templates)
    return env


def test_a_once_fragment_is_rendered_once_per_key_and_reused_as_rendered() -> None:
    """`{% once %}` renders its body the first time a key is seen, in a loop or at the top
    level, and gives the same markup for that key after, without escaping it again."""
    env = _once_env({
        "t.html": "{% for x in xs %}{% once 'k', x %}<b>{{ x }}{{ count.append(1) or '' }}</b>{% endonce %}{% endfor %}"
                  "|{% once 'top' %}<i>{{ count|length }}</i>{% endonce %}",
    })
    count: list[int] = []
    template = env.get_template("t.html")
    assert template.render(xs=["<a>", "b", "<a>"], count=count) == "<b>&lt;a&gt;</b><b>b</b><b>&lt;a&gt;</b>|<i>2</i>"
    assert template.render(xs=["b", "c"], count=count) == "<b>b</b><b>c</b>|<i>2</i>"  # 'top' is a constant key, looked up each time
    assert len(count) == 3


def test_the_once_tag_and_the_once_call_share_their_fragments() -> None:
    env = _once_env({
        "a.html": "{% call once('chip', 1) %}first{% endcall %}{% call once('chip', 1) %}again{% endcall %}",
        "b.html": "{% once 'chip', 1 %}second{% endonce %}{% once 'chip', 2 %}third{% endonce %}",
    })
    assert env.get_template("a.html").render() == "firstfirst"
    assert env.get_template("b.html").render() == "firstthird"


def test_a_fragment_found_by_the_once_tag_is_not_rendered_through_a_call() -> None:
    """A hit is a look-up: the body is not made into a caller for `once` again."""
    env = _once_env({"t.html": "{% for x in xs %}{% once 'k', x %}{{ x }}{% endonce %}{% once 'const' %}.{% endonce %}{% endfor %}"})
    keys: list[tuple] = []
    once = env.globals["once"]

    def counted(*key: object, caller: object) -> object:
        keys.append(key)
        return once(*key, caller=caller)

    env.globals["once"] = counted
    assert env.get_template("t.html").render(xs=[1, 2, 1, 1]) == "1.2.1.1."
    assert keys == [("k", 1), ("const",), ("k", 2)]  # a constant key too: its look-up is not folded away while compiling


def test_each_environment_renders_its_own_fragments() -> None:
    templates = {"t.html": "{% once 'k' %}{{ v }}{% endonce %}"}
    assert _once_env(templates).get_template("t.html").render(v=1) == "1"
    assert _once_env(templates).get_template("t.html").render(v=2) == "2"


class _Shown:
    def __html__(self) -> str:
        return "<b>safe</b>"


@pytest.mark.parametrize("value", [
    "a <b> & 'c' \"d\"", "", Markup("<i>kept</i>"), Markup(""), 0, -42, 10**30, True, None, 2.5, _Shown(),
    type("Text", (str,), {})("<s>"), type("Tagged", (Markup,), {})("<u>"),
])
def test_the_page_escape_gives_what_markupsafe_gives(value: object) -> None:
    """Every value a template shows goes through `_ESCAPE`: its short ways must escape
    exactly as MarkupSafe does, and give Markup."""
    assert _ESCAPE is not None
    escaped = _ESCAPE(value)
    assert escaped == markupsafe.escape(value)
    assert isinstance(escaped, Markup)


def test_values_shown_in_a_page_are_escaped_and_safe_values_kept() -> None:
    page = _render("{{ a }}|{{ b }}|{{ n }}|{{ yes }}", a="<x>", b=Markup("<y>"), n=7, yes=True)
    assert page == "&lt;x&gt;|<y>|7|True"
