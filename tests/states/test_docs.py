from pathlib import Path

from gkcase.states.docs import render

DOC = Path(__file__).parents[2] / "docs" / "state-machine.md"


def test_the_state_machine_document_matches_the_machine():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/state-machine.md is out of date: python -m gkcase.states.docs > docs/state-machine.md"
    )


def test_the_diagram_names_every_state_and_transition():
    text = render()
    for needle in (
        "stateDiagram-v2",
        "received --> registered: confirm",
        "signing --> replied: sign",
        "archived --> handling: reopen",
        "| `extend` | 延长答复期限 |",
    ):
        assert needle in text
