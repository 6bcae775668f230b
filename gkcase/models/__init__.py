"""SQLModel tables. Importing this package registers every table."""

from gkcase.models.auth import ApiToken, LoginAttempt, UserSession
from gkcase.models.calendar import (
    CalendarDayMark,
    CalendarNotice,
    CalendarRecompute,
    CalendarRecomputeCase,
    CalendarRevision,
)
from gkcase.models.case import (
    Applicant,
    ApplicantType,
    Case,
    CaseEvent,
    Consultation,
    Counter,
    Delivery,
    FeeNotice,
    Remedy,
)
from gkcase.models.letter import Letter, LetterDraft, LetterTemplate
from gkcase.models.org import Agency, User
from gkcase.models.public import PublicLookupWindow
from gkcase.models.report import ReportLock, ReportLockFlag

__all__ = [
    "Agency",
    "ApiToken",
    "Applicant",
    "ApplicantType",
    "CalendarDayMark",
    "CalendarNotice",
    "CalendarRecompute",
    "CalendarRecomputeCase",
    "CalendarRevision",
    "Case",
    "CaseEvent",
    "Consultation",
    "Counter",
    "Delivery",
    "FeeNotice",
    "Letter",
    "LetterDraft",
    "LetterTemplate",
    "LoginAttempt",
    "PublicLookupWindow",
    "Remedy",
    "ReportLock",
    "ReportLockFlag",
    "User",
    "UserSession",
]
