"""An agency's template runs in a sandbox: it can neither reach Python internals nor the server's
files, change data, exhaust the server with one operation, inject markup, or print a blank for a
variable it got wrong. Every failure is a TemplateProblem, which the override check reports."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from gkcase.letters.catalogue import CATALOGUE
from gkcase.letters.context import sample_context
from gkcase.letters.render import TemplateProblem, builtin_source, render_body, render_letter

SPEC = CATALOGUE["reply_disclosed"]


@pytest.fixture
def context():
    return sample_context(SPEC)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ case|attr('__class__') }}",
        "{{ case.__class__ }}",
        "{{ '{0.__class__}'.format(case) }}",
        "{{ range.__self__ }}",
        "{{ self._TemplateReference__context }}",
    ],
)
def test_no_way_into_python(source, context):
    with pytest.raises(TemplateProblem) as caught:
        render_body(source, context)
    assert caught.value.field == "template"


@pytest.mark.parametrize(
    "source",
    [
        "{{ case.update({'number': 'X'}) }}",
        "{{ case.__setitem__('number', 'X') }}",
        "{{ case.pop('number') }}",
        "{{ decision.fields.grounds.append({}) }}",
        "{{ decision.fields.grounds.clear() }}",
        "{% set case.number = 'X' %}",
        "{% set x = [] %}{{ x.append(1) }}",
    ],
)
def test_no_change_to_the_data(source, context):
    number = context["case"]["number"]
    grounds = list(context["decision"]["fields"]["grounds"])
    with pytest.raises(TemplateProblem):
        render_body(source, context)
    assert context["case"]["number"] == number
    assert context["decision"]["fields"]["grounds"] == grounds


def test_a_namespace_is_the_only_thing_a_template_may_assign_to(context):
    source = "{% set ns = namespace(n=0) %}{% for g in decision.fields.grounds %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}"
    assert render_body(source, context) == "0"


@pytest.mark.parametrize(
    "source",
    [
        "{% include '/etc/hostname' %}",
        "{% include '/etc/passwd' %}",
        "{% include '../render.py' %}",
        "{% include '../../settings.py' %}",
        "{% include 'templates/../../render.py' %}",
        "{% extends '../catalogue.py' %}",
        "{% import '../context.py' as c %}",
    ],
)
def test_no_file_outside_the_shipped_templates(source, context):
    with pytest.raises(TemplateProblem):
        render_body(source, context)


def test_a_shipped_template_may_be_included(context):
    body = render_body("{% include 'reply_disclosed.html.j2' %}", context)
    assert context["decision"]["fields"]["access_method"] in body


@pytest.mark.parametrize(
    "source",
    [
        "{% for x in range(10**9) %}{% endfor %}",  # the sandbox caps range() at 100 000
        "{{ range(100001)|list|length }}",
        "{{ 9**999999999 }}",  # ** is bounded: no number of a billion digits
        "{% set n = 99999999 %}{{ 7**n }}",
        "{{ 'x' * 10**9 }}",  # nor a string of a gigabyte
        "{{ [0] * 10**9 }}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",  # nor endless recursion
    ],
)
def test_one_operation_cannot_exhaust_the_server(source, context):
    with pytest.raises(TemplateProblem):
        render_body(source, context)


def test_small_arithmetic_and_ranges_still_work(context):
    assert render_body("{{ 2**10 }} {{ '-' * 3 }} {{ range(3)|list|length }}", context) == (
        "1024 --- 3"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ case.number + 1 }}",
        "{{ 1 / 0 }}",
        "{% for x in 5 %}{% endfor %}",
        "{{ notice.items|list }}",
    ],
)
def test_a_type_error_is_a_template_problem(source, context):
    with pytest.raises(TemplateProblem):
        render_body(source, context)


@pytest.mark.parametrize(
    "source",
    [
        "{{ case.nubmer }}",
        "{{ applicant.nmae }}",
        "{{ clock.original_due }}",
        "{{ nothing }}",
        "{{ decision.fields.nope }}",
        "{% if slots.nope %}x{% endif %}",
        "{{ case.number|default_value }}",
    ],
)
def test_an_unknown_variable_is_an_error_not_a_blank(source, context):
    with pytest.raises(TemplateProblem) as caught:
        render_body(source, context)
    assert caught.value.field == "template"


def test_a_key_named_like_a_dict_method_needs_a_subscript():
    # notice.items is the dict's items() method, not the correction items: use notice['items']
    context = sample_context(CATALOGUE["correction_notice"])
    with pytest.raises(TemplateProblem):
        render_body("{% for item in notice.items %}{{ item }}{% endfor %}", context)
    listed = render_body("{% for item in notice['items'] %}{{ item }}；{% endfor %}", context)
    assert listed == "；".join(context["notice"]["items"]) + "；"


def test_a_syntax_error_names_its_line(context):
    with pytest.raises(TemplateProblem) as caught:
        render_body("<p>一</p>\n<p>{{ case.number </p>", context)
    assert "第2行" in caught.value.message


def test_defined_test_and_default_filter_may_guard_an_optional_key(context):
    assert render_body("{{ notice.nope is defined }}", context) == "False"
    assert render_body("{{ notice.nope|default('无') }}", context) == "无"


def test_markup_in_a_field_is_escaped(context):
    context["case"]["information_requested"] = '<script>alert("x")</script><b>加粗</b>'
    context["slots"]["intro"] = "<img src=x onerror=alert(1)>"
    letter = render_letter(SPEC, context)
    assert "<script>" not in letter.html and "<b>" not in letter.html
    assert "<img" not in letter.html
    assert "&lt;script&gt;" in letter.body_html and "&lt;img" in letter.body_html
    # the reader sees the characters the applicant typed, as text
    assert '<script>alert("x")</script><b>加粗</b>' in letter.text


def test_markup_in_a_list_item_and_in_the_layout_is_escaped(context):
    context["decision"]["fields"]["access_method"] = "</p><p>伪造的段落"
    context["letter"]["addressee"] = "<i>张三</i>"
    context["agency"]["name"] = "<u>某市</u>"
    letter = render_letter(SPEC, context)
    assert "<p>伪造的段落" not in letter.html
    assert "<i>" not in letter.html and "<u>" not in letter.html


def test_only_a_template_can_emit_raw_markup(context):
    # |safe is the one way to emit raw markup: the shipped templates never use it
    for kind, spec in CATALOGUE.items():
        source = builtin_source(spec).replace(" ", "")
        assert "|safe" not in source and "autoescape" not in source, kind
    assert render_body("{{ '<b>x</b>'|safe }}", context) == Markup("<b>x</b>")


def test_a_template_is_compiled_once_and_an_edited_one_anew():
    from gkcase.letters import render

    render._compiled.cache_clear()
    source = "<p>{{ case.number }}号</p>"
    assert render.render_body(source, {"case": {"number": "A1"}}) == "<p>A1号</p>"
    assert render.render_body(source, {"case": {"number": "B2"}}) == "<p>B2号</p>"
    assert render._compiled.cache_info().misses == 1  # the second render reused the first's code
    edited = "<p>第{{ case.number }}号</p>"
    assert render.render_body(edited, {"case": {"number": "A1"}}) == "<p>第A1号</p>"
    assert render._compiled.cache_info().misses == 2


def test_a_broken_template_is_refused_every_time_not_remembered():
    from gkcase.letters import render

    for _ in range(2):
        with pytest.raises(TemplateProblem, match="语法错误"):
            render.render_body("<p>{% if %}</p>", {})
