"""Render docs/state-machine.md from the machine itself, so the document cannot drift.

Regenerate with:  python -m gkcase.states.docs > docs/state-machine.md
(tests/states/test_docs.py fails when the file and the machine disagree.)
"""

from __future__ import annotations

from gkcase.states.machine import RULES, Role, State, mermaid


def _guard_text(rule) -> str:  # noqa: ANN001
    names = [g.__name__.replace("_", " ") for g in rule.guards]
    if rule.route is not None:
        names.append(f"route: {rule.route.__name__.replace('_', ' ')}")
    return "; ".join(names) or "—"


def render() -> str:
    lines = [
        "# The case state machine",
        "",
        "Generated from `gkcase/states/machine.py` by `python -m gkcase.states.docs`; do not edit by",
        "hand. `RULES` in that module is the single declaration of who may do what, when; the API",
        "and the UI ask `permitted_events()` and never decide for themselves.",
        "",
        "## Diagram",
        "",
        "Transitions that keep the case where it is (assign, extend, …) are in the table below.",
        "",
        "```mermaid",
        mermaid().strip(),
        "```",
        "",
        "## States",
        "",
        "| state | 中文 | open (the reply clock concerns it) |",
        "|---|---|---|",
    ]
    for state in State:
        lines.append(f"| `{state.value}` | {state.label} | {'yes' if state.is_open else 'no'} |")
    lines += [
        "",
        "## Rules",
        "",
        "Roles: "
        + ", ".join(f"`{r.value}` {r.label}" for r in Role)
        + ". Guards are rules of law or data checked on the case's facts; a blocked action shows",
        "its guard's reason in Chinese.",
        "",
        "| trigger | 中文 | from | to | roles | guards |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        sources = ", ".join(f"`{s.value}`" for s in rule.sources)
        target = f"`{rule.dest.value}`" if rule.dest else "(stays)"
        roles = ", ".join(f"`{r.value}`" for r in sorted(rule.roles, key=list(Role).index))
        lines.append(
            f"| `{rule.trigger.value}` | {rule.label} | {sources} | {target} | {roles} "
            f"| {_guard_text(rule)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
