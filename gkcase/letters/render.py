"""Rendering letters: a sandboxed Jinja2 environment, the official-document layout, plain text.

Templates run in :class:`jinja2.sandbox.ImmutableSandboxedEnvironment` with autoescaping and
:class:`jinja2.StrictUndefined`: a template (even an agency's override) can neither run code nor
change data, a field's value can never inject markup, and an unknown variable is an error, not a
blank.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jinja2 import (
    BaseLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from gkcase.errors import GkcaseError
from gkcase.letters.catalogue import LetterSpec

LAYOUT = "_layout.html.j2"


class TemplateProblem(GkcaseError):
    """A template that cannot be rendered: a syntax error, an unknown variable, a sandbox breach."""

    code = "letter.template"


class _PackageLoader(BaseLoader):
    """Templates shipped in gkcase/letters/templates."""

    def get_source(self, environment, template):  # noqa: ANN001
        # split_template_path refuses ".." and separators inside a segment, and drops a leading
        # "/": an {% include %} or {% extends %} in an agency's template can reach the shipped
        # templates and nothing else on the server.
        path = resources.files("gkcase.letters") / "templates"
        for piece in split_template_path(template):
            path = path / piece
        if not path.is_file():
            raise TemplateNotFound(template)
        source = path.read_text(encoding="utf-8")
        return source, None, lambda: True


#: The largest result ``**`` and sequence ``*`` may produce in a template (digits, items):
#: letters need neither, and unbounded they let a template exhaust the server's memory and CPU.
MAX_OPERATOR_RESULT = 10_000


class _LetterSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with ``**`` and ``*`` bounded (``{{ 9**9**9 }}``, ``'x' * 10**9``)."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context, operator, left, right):  # noqa: ANN001
        numbers = isinstance(left, int | float) and isinstance(right, int | float)
        huge = numbers and right > 0 and abs(left) > 1
        if operator == "**" and huge and right * math.log10(abs(left)) > MAX_OPERATOR_RESULT:
            raise SecurityError("乘方结果过大")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                repeated = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if repeated and len(seq) * times > MAX_OPERATOR_RESULT:
                    raise SecurityError("重复结果过长")
        return super().call_binop(context, operator, left, right)


@cache
def environment() -> ImmutableSandboxedEnvironment:
    env = _LetterSandbox(
        loader=_PackageLoader(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return env


def builtin_source(spec: LetterSpec) -> str:
    """The shipped body template of a letter kind."""
    source, _, _ = environment().loader.get_source(environment(), spec.template)
    return source


@dataclass(frozen=True)
class RenderedLetter:
    kind: str
    title: str
    body_html: str  # the body alone: <p>, <ol>/<li>, <strong>
    html: str  # the whole document, A4, for preview, print and PDF
    text: str  # plain text of the whole document, for the lint and for search


#: Compiled body templates kept per process. Compiling (parsing, generating and compiling the
#: Python code) costs about ten times rendering; a template's source is its key, so an edited
#: template is simply a new entry.
COMPILED_TEMPLATES = 128


@lru_cache(maxsize=COMPILED_TEMPLATES)
def _compiled(source: str) -> Template:
    return environment().from_string(source)


def render_body(source: str, context: Mapping[str, Any]) -> str:
    """Render a body template's source against ``context``."""
    try:
        template = _compiled(source)
        return template.render(**context).strip()
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"模板第{exc.lineno}行语法错误：{exc.message}", field="template"
        ) from None
    except UndefinedError as exc:
        raise TemplateProblem(f"模板使用了未定义的变量：{exc.message}", field="template") from None
    except SecurityError as exc:
        raise TemplateProblem(f"模板含有不允许的操作：{exc}", field="template") from None
    except TemplateError as exc:
        raise TemplateProblem(f"模板无法渲染：{exc}", field="template") from None
    except OverflowError as exc:  # the sandbox's range() bound (MAX_RANGE), a huge number
        raise TemplateProblem(f"模板含有不允许的操作：{exc}", field="template") from None
    except (TypeError, ValueError, ArithmeticError) as exc:  # {{ case.number + 1 }}, {{ 1 / 0 }}
        raise TemplateProblem(f"模板无法渲染：{exc}", field="template") from None
    except RecursionError:  # a macro calling itself
        raise TemplateProblem("模板含有无限递归", field="template") from None


def render_letter(
    spec: LetterSpec, context: Mapping[str, Any], source: str | None = None
) -> RenderedLetter:
    """Render a letter of kind ``spec``: its body (``source``, default: the shipped template)
    inside the official-document layout."""
    body = render_body(source if source is not None else builtin_source(spec), context)
    layout = environment().get_template(LAYOUT)
    try:
        html = layout.render(**context, spec=spec, body=Markup(body))
    except UndefinedError as exc:
        raise TemplateProblem(f"版式使用了未定义的变量：{exc.message}", field="layout") from None
    return RenderedLetter(spec.kind, spec.title, body, html, plain_text(html))


def plain_text(html: str) -> str:
    """The text a reader sees, one line per block, entities decoded."""
    blocks = re.sub(r"<head.*?</head>", "", html, flags=re.S | re.I)
    blocks = re.sub(r"</(p|li|h1|h2|div|tr)>|<br\s*/?>", "\n", blocks, flags=re.I)
    lines = (Markup(line).striptags() for line in blocks.splitlines())
    return "\n".join(line for line in lines if line)
