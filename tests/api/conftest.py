"""Fixtures for the case API tests: the service tests' organisation (SQLite, and PostgreSQL when
GKCASE_TEST_DATABASE_URL is set), an app on its engine, and callers of every role.

Modules that import their own ``api``/``org`` fixtures (tests/api/fixtures_more.py) override
these by name; nothing here changes them.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from gkcase.db import unit_of_work
from gkcase.models import Agency, User
from gkcase.services.org import create_user
from gkcase.states.machine import Role

# One copy of the callers' helpers, shared with the other API tests.
from tests.api.fixtures_more import (  # noqa: F401
    _HASH,
    PASSWORD,
    log_in,
    refused,
)
from tests.api.fixtures_more import token_for as bearer  # noqa: F401
from tests.services.conftest import engine, org  # noqa: F401  (fixtures)


@pytest.fixture
def client(org):  # noqa: F811
    """A TestClient on the organisation's database; every user's password is PASSWORD.

    Besides the service fixture's users, ZJW (the other department) gets one user of every
    agency role, named ``zjw_<role>_1``, for the isolation matrix.
    """
    with unit_of_work(org.engine) as session:
        zjw = session.get(Agency, org.zjw.id)
        for role in Role:
            if role is Role.SUPERVISOR:
                continue
            create_user(
                session,
                username=f"zjw_{role.value}_1",
                full_name=f"住建{role.label}",
                agency=zjw,
                roles=[role],
            )
        session.flush()
        for user in session.exec(select(User)):
            user.password_hash = _HASH
            session.add(user)
    with TestClient(create_app(org.engine)) as test_client:
        yield test_client
