"""Checking a rendered letter for its legally required elements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gkcase.letters.catalogue import Element, LetterSpec


def lookup(context: Mapping[str, Any], path: str) -> Any:
    value: Any = context
    for key in path.split("."):
        value = value[key]
    return value


def missing_elements(spec: LetterSpec, context: Mapping[str, Any], text: str) -> list[Element]:
    """The required elements whose value is empty or does not appear in ``text``."""
    missing = []
    for element in spec.elements:
        value = lookup(context, element.path)
        values = value if isinstance(value, list) else [value]
        if not values or any(not str(v).strip() or str(v) not in text for v in values):
            missing.append(element)
    return missing
