"""Fixtures shared by every test: one working-day calendar for the whole session, and the audit
trail's keys (gkcase/audit.py) from the environment, as a deployment sets them — no test writes a
key file into the working directory. tests/services/test_audit_trail.py tests the key file."""

from __future__ import annotations

import base64
import os

import pytest

from gkcase.calendar.workdays import WorkdayCalendar

# Two keys: "t0" as an older, rotated key and "t1" the current one.
TEST_AUDIT_KEYS = ";".join(
    f"{key_id}:{base64.b64encode(bytes([n]) * 32).decode()}" for n, key_id in ((1, "t0"), (2, "t1"))
)
os.environ.setdefault("GKCASE_AUDIT_KEYS", TEST_AUDIT_KEYS)


@pytest.fixture(scope="session")
def calendar() -> WorkdayCalendar:
    """The plain calendar: the `holidays` package's data, nothing loaded, nothing marked."""
    return WorkdayCalendar()
