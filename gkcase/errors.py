"""Typed errors that carry a stable code and a message a caseworker can act on.

Every error gkcase raises for bad input or a refused action is a :class:`GkcaseError`: the
``code`` is stable (the API returns it; clients and tests match on it), ``message`` is the
Simplified Chinese text shown to people, and ``field`` names the input at fault, where there is
one.
"""

from __future__ import annotations


class GkcaseError(Exception):
    """Base of every error gkcase reports to a person or a client."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.field}：{self.message}" if self.field else self.message

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}


class ValidationError(GkcaseError):
    """Input that cannot be accepted: names the field and the reason."""

    code = "validation"


class CalendarRangeError(ValidationError):
    """A date outside the span the working-day calendar can answer for."""

    code = "calendar.out_of_range"


class ArrangementError(ValidationError):
    """A holiday-arrangement file that is malformed or contradicts itself."""

    code = "calendar.bad_arrangement"


class ClockError(ValidationError):
    """Clock facts that the Regulation does not allow (e.g. an extension over 20 working days)."""

    code = "clock.invalid"
